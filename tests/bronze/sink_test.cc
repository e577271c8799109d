#include "bronze/sink.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <thread>

#include "bronze/durable_fs.h"
#include "bronze/reader.h"
#include "tests/bronze/progress_of.h"
#include "tests/bronze/temp_dir.h"
#include "tests/bronze/test_rows.h"

namespace polypipe::bronze {
namespace {

using nlohmann::json;
using testing::kDay0Seconds;
using testing::kDaySeconds;

std::vector<Row> Trades(int first, int count, int64_t ts) {
  std::vector<Row> rows;
  for (int i = first; i < first + count; ++i) rows.push_back(testing::TradeRow(i, ts));
  return rows;
}

class SinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Status s = Store::Open(tmp_.path(), &store_);
    ASSERT_TRUE(s.ok()) << s.message();
    ASSERT_TRUE(Reader::Open(&reader_).ok());
  }

  QueryResult Query(const std::string& sql) {
    QueryResult r;
    Status s = reader_->Query(sql, &r);
    EXPECT_TRUE(s.ok()) << s.message() << "\n" << sql;
    return r;
  }

  int64_t CountRows(const std::string& dataset) {
    if (!HasCommittedFiles(tmp_.path(), dataset)) return 0;
    QueryResult r = Query("SELECT count(*) FROM " + ReadParquetSql(tmp_.path(), dataset));
    return r.rows.empty() ? -1 : std::stoll(*r.rows[0][0]);
  }

  std::vector<std::string> List(const std::string& dir) {
    std::vector<std::string> names;
    EXPECT_TRUE(ListDir(dir, &names).ok()) << dir;
    return names;
  }

  SinkOptions Options(size_t flush_rows = 1000, size_t max_rows = 4000) {
    SinkOptions o;
    o.flush_rows = flush_rows;
    o.max_rows = max_rows;
    o.run_id = "run-test";
    return o;
  }

  testing::TempDir tmp_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Reader> reader_;
};

TEST_F(SinkTest, RowsLandInTheirDtPartitionsWithWellFormedNames) {
  Sink sink(*store_, testing::TradeSchema(), Options());
  ASSERT_TRUE(sink.Append(Trades(0, 10, kDay0Seconds + 5)).ok());
  ASSERT_TRUE(sink.Append(Trades(10, 7, kDay0Seconds + 2 * kDaySeconds)).ok());
  ASSERT_TRUE(sink.Append(Trades(17, 3, kDay0Seconds + kDaySeconds - 1)).ok());
  Status s = sink.Flush();
  ASSERT_TRUE(s.ok()) << s.message();

  const std::string ds = tmp_.path() + "/trades";
  const std::regex name(R"(trades_\d{8}_\d{6}_\d{6}\.parquet)");
  const auto day0 = List(ds + "/dt=2026-01-01");
  const auto day2 = List(ds + "/dt=2026-01-03");
  ASSERT_EQ(day0.size(), 1u);
  ASSERT_EQ(day2.size(), 1u);
  EXPECT_TRUE(std::regex_match(day0[0], name)) << day0[0];
  EXPECT_TRUE(std::regex_match(day2[0], name)) << day2[0];
  EXPECT_NE(day0[0], day2[0]);
  EXPECT_FALSE(IsDirectory(ds + "/dt=2026-01-02"));
  EXPECT_TRUE(List(ds + "/_staging").empty());

  // dt read back as a string through hive partitioning matches the rows' own timestamps.
  QueryResult r = Query(
      "SELECT dt, count(*), min(timestamp), max(timestamp), "
      "count(*) FILTER (WHERE strftime(to_timestamp(timestamp), '%Y-%m-%d') <> dt) FROM "
      "read_parquet(" +
      QuoteSqlString(GlobFor(tmp_.path(), "trades")) +
      ", hive_partitioning = true, hive_types_autocast = false) GROUP BY dt ORDER BY dt");
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0][0], "2026-01-01");
  EXPECT_EQ(r.rows[0][1], "13");
  EXPECT_EQ(r.rows[1][0], "2026-01-03");
  EXPECT_EQ(r.rows[1][1], "7");
  EXPECT_EQ(r.rows[0][4], "0");
  EXPECT_EQ(r.rows[1][4], "0");

  // The commit record describes both files.
  std::string text;
  ASSERT_TRUE(ReadFile(ds + "/_log/000000000001.json", &text).ok());
  CommitRecord rec;
  ASSERT_TRUE(ParseCommitRecord(text, &rec).ok());
  EXPECT_EQ(rec.run_id, "run-test");
  EXPECT_EQ(rec.rows, 20);
  ASSERT_EQ(rec.files.size(), 2u);
  EXPECT_EQ(rec.files[0].path, "dt=2026-01-01/" + day0[0]);
  EXPECT_EQ(rec.files[0].rows, 13);
  EXPECT_EQ(rec.files[0].min_event_us, (kDay0Seconds + 5) * 1'000'000);
  EXPECT_EQ(rec.files[0].max_event_us, (kDay0Seconds + kDaySeconds - 1) * 1'000'000);
  int64_t size = 0;
  ASSERT_TRUE(FileSize(ds + "/dt=2026-01-01/" + day0[0], &size).ok());
  EXPECT_EQ(rec.files[0].bytes, size);

  EXPECT_EQ(sink.rows_committed(), 20u);
  EXPECT_EQ(sink.files_committed(), 2u);
  EXPECT_EQ(sink.commits(), 1u);
  EXPECT_GT(sink.bytes_committed(), 0u);
  EXPECT_TRUE(sink.Close().ok());
  EXPECT_EQ(List(ds + "/_staging"), std::vector<std::string>{}) << "DuckDB temp dir removed";
}

TEST_F(SinkTest, ProgressTravelsWithRowsAndSurvivesReopen) {
  {
    Sink sink(*store_, testing::TradeSchema(), Options());
    ASSERT_TRUE(sink.Append(Trades(0, 5, kDay0Seconds), {{"m1", {{"cursor", "p1"}}}}).ok());
    ASSERT_TRUE(
        sink.Append(Trades(5, 5, kDay0Seconds), {{"m1", {{"cursor", "p2"}}}, {"m2", 1}}).ok());
    ASSERT_TRUE(sink.Flush().ok());
    EXPECT_EQ(testing::ProgressOf(*store_, "trades"),
              (json{{"m1", {{"cursor", "p2"}}}, {"m2", 1}}));
    // Progress alone (a stream that turned out to have nothing new) commits without files.
    ASSERT_TRUE(sink.Append({}, {{"m3", "done"}}).ok());
    ASSERT_TRUE(sink.Close().ok());
    EXPECT_EQ(sink.commits(), 2u);
    EXPECT_EQ(sink.files_committed(), 1u);
  }
  store_.reset();
  ASSERT_TRUE(Store::Open(tmp_.path(), &store_).ok());
  EXPECT_EQ(testing::ProgressOf(*store_, "trades"),
            (json{{"m1", {{"cursor", "p2"}}}, {"m2", 1}, {"m3", "done"}}));
  EXPECT_EQ(store_->Stats("trades").rows, 10);
  EXPECT_EQ(store_->Stats("trades").commits, 2u);
  EXPECT_EQ(CountRows("trades"), 10);
}

TEST_F(SinkTest, EmptyAppendAndEmptyFlushCommitNothing) {
  Sink sink(*store_, testing::TradeSchema(), Options());
  EXPECT_TRUE(sink.Append({}).ok());
  EXPECT_TRUE(sink.Append({}, json::object()).ok());
  EXPECT_TRUE(sink.Flush().ok());
  EXPECT_TRUE(sink.Close().ok());
  EXPECT_EQ(sink.commits(), 0u);
  EXPECT_TRUE(List(tmp_.path() + "/trades/_log").empty());
}

TEST_F(SinkTest, ReachingFlushRowsCommitsWithoutAFlush) {
  Sink sink(*store_, testing::TradeSchema(), Options(/*flush_rows=*/100, /*max_rows=*/1000));
  ASSERT_TRUE(sink.Append(Trades(0, 100, kDay0Seconds), {{"s", 1}}).ok());
  // Bounded wait (60 s) for the persister; it normally takes milliseconds.
  for (int i = 0; i < 6000 && sink.rows_committed() < 100; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(sink.rows_committed(), 100u);
  EXPECT_EQ(testing::ProgressOf(*store_, "trades"), (json{{"s", 1}}));
  // Below the threshold nothing moves until Flush.
  ASSERT_TRUE(sink.Append(Trades(100, 10, kDay0Seconds)).ok());
  ASSERT_TRUE(sink.Flush().ok());
  EXPECT_EQ(sink.rows_committed(), 110u);
  EXPECT_EQ(CountRows("trades"), 110);
}

TEST_F(SinkTest, ALargeAmountOfTextCommitsBeforeFlushRows) {
  SinkOptions options = Options(/*flush_rows=*/100'000, /*max_rows=*/100'000);
  options.flush_bytes = 64 << 10;
  Sink sink(*store_, testing::TradeSchema(), options);
  const int title = testing::TradeSchema().Index("title");
  for (int i = 0; i < 20; ++i) {
    std::vector<Row> rows = Trades(i * 2, 2, kDay0Seconds);
    rows[0][title] = std::string(10'000, static_cast<char>('a' + i));
    rows[1][title] = std::string(10'000, static_cast<char>('A' + i));
    ASSERT_TRUE(sink.Append(std::move(rows), {{"last", i}}).ok());
  }
  ASSERT_TRUE(sink.Close().ok());
  // 20 KB of titles per append, 64 KB per buffer: several commits, no row lost.
  EXPECT_GE(sink.commits(), 4u);
  EXPECT_LT(sink.peak_rows_buffered(), 40u);
  EXPECT_EQ(CountRows("trades"), 40);
  EXPECT_EQ(Query("SELECT count(DISTINCT title) FROM " + ReadParquetSql(tmp_.path(), "trades"))
                .rows[0][0],
            "40");
}

TEST_F(SinkTest, TheByteBudgetCountsEveryValueNotOnlyLongText) {
  // Ordinary trades, no long string: the budget still takes the buffer long before flush_rows.
  SinkOptions options = Options(/*flush_rows=*/100'000, /*max_rows=*/100'000);
  options.flush_bytes = 64 << 10;
  Sink sink(*store_, testing::TradeSchema(), options);
  std::thread producer([&] {
    for (int i = 0; i < 100; ++i) {
      ASSERT_TRUE(sink.Append(Trades(i * 50, 50, kDay0Seconds + i), {{"last", i}}).ok());
    }
  });
  producer.join();
  ASSERT_TRUE(sink.Close().ok());
  // 5,000 rows of a few hundred bytes each do not fit in one 64 KB buffer.
  EXPECT_GE(sink.commits(), 5u);
  EXPECT_LT(sink.peak_rows_buffered(), 2'000u);
  EXPECT_EQ(CountRows("trades"), 5'000);
}

TEST_F(SinkTest, ProgressWithoutRowsCommitsOnceItsTextReachesTheBudget) {
  // A resumed run whose requests find nothing new: streams move, no rows arrive.
  SinkOptions options = Options(/*flush_rows=*/100'000, /*max_rows=*/100'000);
  options.flush_progress_bytes = 4 << 10;
  Sink sink(*store_, testing::TradeSchema(), options);
  json expected = json::object();
  for (int i = 0; i < 400; ++i) {
    const std::string key = "market:" + std::to_string(i);
    const json value = {{"done", false}, {"oldest", 1'700'000'000 + i}};
    ASSERT_TRUE(sink.Append({}, {{key, value}}).ok());
    expected[key] = value;
    // The same stream again: its new value replaces the old in the budget, not added to it.
    if (i % 2 == 0) {
      ASSERT_TRUE(sink.Append({}, {{key, value}}).ok());
    }
  }
  // ~50 bytes a stream, 20 KB in all, 4 KB a batch: commits landed with no Flush (bounded wait).
  for (int i = 0; i < 6000 && sink.commits() < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GE(sink.commits(), 3u);
  ASSERT_TRUE(sink.Close().ok());
  EXPECT_LE(sink.commits(), 8u);
  EXPECT_EQ(sink.files_committed(), 0u);
  EXPECT_EQ(testing::ProgressOf(*store_, "trades"), expected);
}

TEST_F(SinkTest, BackpressureBoundsTheBufferAndLosesNothing) {
  constexpr size_t kFlush = 50;
  constexpr size_t kMax = 200;
  constexpr int kAppends = 400;
  constexpr int kPerAppend = 25;
  Sink sink(*store_, testing::TradeSchema(), Options(kFlush, kMax));
  std::thread producer([&] {
    for (int i = 0; i < kAppends; ++i) {
      Status s = sink.Append(Trades(i * kPerAppend, kPerAppend, kDay0Seconds + i), {{"last", i}});
      ASSERT_TRUE(s.ok()) << s.message();
    }
  });
  producer.join();
  ASSERT_TRUE(sink.Close().ok());
  EXPECT_LT(sink.peak_rows_buffered(), kMax + kPerAppend);
  EXPECT_EQ(sink.rows_committed(), static_cast<uint64_t>(kAppends * kPerAppend));
  EXPECT_EQ(CountRows("trades"), kAppends * kPerAppend);
  EXPECT_EQ(testing::ProgressOf(*store_, "trades"), (json{{"last", kAppends - 1}}));
  // Not asserted (it depends on timing), but shows the mechanism at work.
  std::printf("backpressure: %llu of %d appends waited, %llu commits, peak buffer %llu rows\n",
              static_cast<unsigned long long>(sink.appends_blocked()), kAppends,
              static_cast<unsigned long long>(sink.commits()),
              static_cast<unsigned long long>(sink.peak_rows_buffered()));
}

TEST_F(SinkTest, ConcurrentProducersKeepEveryRowAndTheirOwnProgress) {
  constexpr int kThreads = 4;
  constexpr int kAppends = 50;
  constexpr int kRows = 40;
  Sink sink(*store_, testing::TradeSchema(), Options(300, 1200));
  std::vector<std::thread> producers;
  for (int t = 0; t < kThreads; ++t) {
    producers.emplace_back([&, t] {
      for (int i = 0; i < kAppends; ++i) {
        const int first = (t * kAppends + i) * kRows;
        Status s = sink.Append(Trades(first, kRows, kDay0Seconds + (i % 3) * kDaySeconds),
                               {{"producer" + std::to_string(t), i}});
        ASSERT_TRUE(s.ok()) << s.message();
        if (i % 17 == 0) {
          ASSERT_TRUE(sink.Flush().ok());
        }
      }
    });
  }
  for (auto& p : producers) p.join();
  ASSERT_TRUE(sink.Close().ok());
  EXPECT_EQ(CountRows("trades"), kThreads * kAppends * kRows);
  QueryResult distinct =
      Query("SELECT count(DISTINCT name) FROM " + ReadParquetSql(tmp_.path(), "trades"));
  EXPECT_EQ(distinct.rows[0][0], std::to_string(kThreads * kAppends * kRows));
  json want = json::object();
  for (int t = 0; t < kThreads; ++t) want["producer" + std::to_string(t)] = kAppends - 1;
  EXPECT_EQ(testing::ProgressOf(*store_, "trades"), want);
}

TEST_F(SinkTest, RowsThatDoNotFitAreCountedAndSkipped) {
  Sink sink(*store_, testing::TradeSchema(), Options());
  std::vector<Row> rows = Trades(0, 5, kDay0Seconds);
  rows[1].pop_back();                      // too few cells
  rows[3][4] = std::string("not a size");  // wrong type
  ASSERT_TRUE(sink.Append(std::move(rows), {{"s", 1}}).ok());
  ASSERT_TRUE(sink.Flush().ok());
  EXPECT_EQ(sink.rows_rejected(), 2u);
  EXPECT_NE(sink.first_rejection().find("24 cells for 25 columns"), std::string::npos)
      << sink.first_rejection();
  EXPECT_EQ(CountRows("trades"), 3);
  EXPECT_EQ(testing::ProgressOf(*store_, "trades"), (json{{"s", 1}}));
}

TEST_F(SinkTest, InvalidUtf8IsRepairedSoTheFileStaysReadable) {
  Sink sink(*store_, testing::TradeSchema(), Options());
  std::vector<Row> rows = Trades(0, 3, kDay0Seconds);
  rows[0][7] = std::string("bad \xff\xfe title");
  rows[1][20] = std::vector<std::string>{"ok", "cut \xc3"};
  rows[2][21] = std::string("{\"k\": \"\xed\xa0\x80\"}");  // a UTF-16 surrogate, encoded
  ASSERT_TRUE(sink.Append(std::move(rows)).ok());
  ASSERT_TRUE(sink.Close().ok());
  EXPECT_EQ(sink.cells_repaired(), 3u);
  QueryResult r = Query("SELECT title, tags[2], raw FROM " + ReadParquetSql(tmp_.path(), "trades") +
                        " ORDER BY name");
  ASSERT_EQ(r.rows.size(), 3u);
  EXPECT_EQ(r.rows[0][0], "bad \uFFFD\uFFFD title");
  EXPECT_EQ(r.rows[1][1], "cut \uFFFD");
  EXPECT_EQ(r.rows[2][2], "{\"k\": \"\uFFFD\uFFFD\uFFFD\"}");
}

TEST_F(SinkTest, ProgressMustBeAnObject) {
  Sink sink(*store_, testing::TradeSchema(), Options());
  Status s = sink.Append(Trades(0, 1, kDay0Seconds), json::array({1, 2}));
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("progress"), std::string::npos);
  EXPECT_TRUE(sink.status().ok()) << "a bad argument is not a sticky failure";
  EXPECT_TRUE(sink.Close().ok());
  EXPECT_EQ(sink.commits(), 0u);
}

TEST_F(SinkTest, ABadSchemaIsAnErrorNotACrash) {
  Schema bad = testing::TradeSchema();
  bad.partition_column = bad.Index("title");  // VARCHAR cannot pick a date
  Sink sink(*store_, bad, Options());
  EXPECT_FALSE(sink.status().ok());
  EXPECT_NE(sink.status().message().find("title"), std::string::npos) << sink.status().message();
  EXPECT_FALSE(sink.Append(Trades(0, 1, kDay0Seconds)).ok());
  EXPECT_FALSE(sink.Flush().ok());
  EXPECT_FALSE(sink.Close().ok());

  Schema empty;
  empty.dataset = "empty";
  Sink none(*store_, empty, Options());
  EXPECT_FALSE(none.status().ok());

  Schema badname = testing::TradeSchema("../escape");
  Sink escape(*store_, badname, Options());
  EXPECT_FALSE(escape.status().ok());
  EXPECT_FALSE(PathExists(tmp_.path() + "/../escape"));
}

TEST_F(SinkTest, AppendAfterCloseFails) {
  Sink sink(*store_, testing::TradeSchema(), Options());
  ASSERT_TRUE(sink.Append(Trades(0, 3, kDay0Seconds)).ok());
  ASSERT_TRUE(sink.Close().ok());
  EXPECT_TRUE(sink.Close().ok());
  EXPECT_FALSE(sink.Append(Trades(3, 1, kDay0Seconds)).ok());
  EXPECT_TRUE(sink.Flush().ok()) << "everything appended before Close is committed";
  EXPECT_EQ(CountRows("trades"), 3);
}

TEST_F(SinkTest, DestructorCommitsWhatWasAppended) {
  {
    Sink sink(*store_, testing::TradeSchema(), Options());
    ASSERT_TRUE(sink.Append(Trades(0, 4, kDay0Seconds), {{"s", "x"}}).ok());
  }
  EXPECT_EQ(CountRows("trades"), 4);
  EXPECT_EQ(testing::ProgressOf(*store_, "trades"), (json{{"s", "x"}}));
}

TEST_F(SinkTest, SnapshotDatasetsPartitionByFetchTime) {
  Sink sink(*store_, testing::AllTypesSchema("markets"), Options());
  std::vector<Row> rows;
  for (int i = 0; i < 4; ++i) {
    Row row(8);
    row[0] = int64_t{i};
    row[7] = int64_t{(kDay0Seconds + (i % 2) * kDaySeconds) * 1'000'000};
    rows.push_back(std::move(row));
  }
  ASSERT_TRUE(sink.Append(std::move(rows)).ok());
  ASSERT_TRUE(sink.Close().ok());
  EXPECT_EQ(List(tmp_.path() + "/markets/dt=2026-01-01").size(), 1u);
  EXPECT_EQ(List(tmp_.path() + "/markets/dt=2026-01-02").size(), 1u);
  EXPECT_EQ(CountRows("markets"), 4);
}

TEST_F(SinkTest, TwoSinksOnOneStoreWorkInParallel) {
  Sink trades(*store_, testing::TradeSchema(), Options(100, 400));
  Sink prices(*store_, testing::TradeSchema("prices"), Options(100, 400));
  std::thread a([&] {
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(trades.Append(Trades(i * 50, 50, kDay0Seconds)).ok());
  });
  std::thread b([&] {
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(prices.Append(Trades(i * 50, 50, kDay0Seconds)).ok());
  });
  a.join();
  b.join();
  ASSERT_TRUE(trades.Close().ok());
  ASSERT_TRUE(prices.Close().ok());
  EXPECT_EQ(CountRows("trades"), 1000);
  EXPECT_EQ(CountRows("prices"), 1000);
  EXPECT_EQ(store_->Datasets(), (std::vector<std::string>{"prices", "trades"}));
}

// --- Sticky errors ---

TEST_F(SinkTest, AFailedStageIsStickyAndCommitsNothing) {
  Sink sink(*store_, testing::TradeSchema(), Options());
  ASSERT_TRUE(sink.Append(Trades(0, 5, kDay0Seconds), {{"s", 1}}).ok());
  ASSERT_TRUE(sink.Flush().ok());

  // The staging folder turns into a file: Parquet can no longer be written there.
  const std::string staging = store_->StagingDir("trades");
  ASSERT_TRUE(List(staging).empty());
  ASSERT_EQ(::rmdir(staging.c_str()), 0);
  ASSERT_TRUE(WriteFileSynced(staging, "in the way").ok());

  ASSERT_TRUE(sink.Append(Trades(5, 5, kDay0Seconds), {{"s", 2}}).ok());
  Status s = sink.Flush();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("_staging"), std::string::npos) << s.message();
  EXPECT_EQ(sink.status().message(), s.message());
  EXPECT_EQ(sink.Append(Trades(10, 1, kDay0Seconds)).message(), s.message());
  EXPECT_EQ(sink.Flush().message(), s.message());
  EXPECT_EQ(sink.Close().message(), s.message());

  EXPECT_EQ(testing::ProgressOf(*store_, "trades"), (json{{"s", 1}}));
  EXPECT_EQ(store_->Stats("trades").commits, 1u);
  EXPECT_EQ(CountRows("trades"), 5);
}

TEST_F(SinkTest, AFailedCommitRemovesItsStagedFiles) {
  Sink sink(*store_, testing::TradeSchema(), Options());
  // The log folder turns into a file: the commit record cannot be written.
  const std::string log = tmp_.path() + "/trades/_log";
  ASSERT_EQ(::rmdir(log.c_str()), 0);
  ASSERT_TRUE(WriteFileSynced(log, "in the way").ok());

  ASSERT_TRUE(sink.Append(Trades(0, 6, kDay0Seconds + (0)), {{"s", 1}}).ok());
  ASSERT_TRUE(sink.Append(Trades(6, 6, kDay0Seconds + kDaySeconds)).ok());
  Status s = sink.Flush();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("_log"), std::string::npos) << s.message();
  EXPECT_TRUE(List(store_->StagingDir("trades")).size() <= 1u)
      << "only DuckDB's temp dir may remain";
  for (const std::string& n : List(store_->StagingDir("trades"))) {
    EXPECT_EQ(n.find(".parquet"), std::string::npos) << n;
  }
  EXPECT_FALSE(sink.Close().ok());
  EXPECT_EQ(CountRows("trades"), 0);
  EXPECT_EQ(testing::ProgressOf(*store_, "trades"), json::object());
}

TEST_F(SinkTest, AReadOnlyDataDirIsACleanError) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  Sink sink(*store_, testing::TradeSchema(), Options());
  ASSERT_TRUE(sink.status().ok());
  const std::string ds = tmp_.path() + "/trades";
  for (const std::string& d : {ds + "/_staging", ds + "/_log", ds}) {
    ASSERT_EQ(::chmod(d.c_str(), 0555), 0) << d;
  }
  ASSERT_TRUE(sink.Append(Trades(0, 5, kDay0Seconds), {{"s", 1}}).ok());
  Status s = sink.Flush();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(ds), std::string::npos) << s.message();
  EXPECT_FALSE(sink.Close().ok());
  EXPECT_EQ(testing::ProgressOf(*store_, "trades"), json::object());
  EXPECT_EQ(store_->Stats("trades").commits, 0u);
}

}  // namespace
}  // namespace polypipe::bronze
