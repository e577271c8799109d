#include "bronze/parquet_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numeric>
#include <thread>

#include "bronze/durable_fs.h"
#include "bronze/reader.h"
#include "tests/bronze/temp_dir.h"
#include "tests/bronze/test_rows.h"

namespace polypipe::bronze {
namespace {

const std::string k78Digits =
    "115792089237316195423570985008687907853269984665640564039457584007913129639935";

class ParquetWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(ParquetWriter::Open(schema_, DuckDbOptions{}, &writer_).ok());
    ASSERT_TRUE(Reader::Open(&reader_).ok());
  }

  // Writes all `rows` to `name` in the temp dir and returns the file's path.
  std::string WriteAll(const std::vector<Row>& rows, const std::string& name = "out.parquet") {
    std::vector<uint32_t> ids(rows.size());
    std::iota(ids.begin(), ids.end(), 0);
    const std::string path = dir_.path() + "/" + name;
    Status s = writer_->Write(ColumnBatch::Of(schema_, rows), ids, path);
    EXPECT_TRUE(s.ok()) << s.message();
    return path;
  }

  // `n` rows whose id is their position, every other column null.
  std::vector<Row> IdRows(int n) const {
    std::vector<Row> rows;
    for (int i = 0; i < n; ++i) {
      Row row(schema_.columns.size());
      row[0] = int64_t{i};
      rows.push_back(std::move(row));
    }
    return rows;
  }

  QueryResult Query(const std::string& sql) {
    QueryResult r;
    Status s = reader_->Query(sql, &r);
    EXPECT_TRUE(s.ok()) << s.message() << "\n" << sql;
    return r;
  }

  static std::string From(const std::string& path) {
    return "read_parquet(" + QuoteSqlString(path) + ")";
  }

  testing::TempDir dir_;
  Schema schema_ = testing::AllTypesSchema();
  std::unique_ptr<ParquetWriter> writer_;
  std::unique_ptr<Reader> reader_;
};

TEST_F(ParquetWriterTest, EveryTypeRoundTripsWithNulls) {
  std::vector<Row> rows;
  rows.push_back({int64_t{1}, std::string("plain"), 1.5, true, int64_t{1767225600000000},
                  std::vector<std::string>{"a", "b"}, std::string(R"({"x":[1,2,{"y":null}]})"),
                  int64_t{1767225600123456}});
  rows.push_back({int64_t{2},
                  std::string("日本語 🚀 ñ — \"quoted\" 'single' back\\slash\ttab\nline"), -0.125,
                  false, int64_t{-1}, std::vector<std::string>{}, std::string("not json at all {"),
                  int64_t{0}});
  rows.push_back(Row(schema_.columns.size()));  // all NULL
  rows.back()[0] = int64_t{3};
  rows.push_back({int64_t{4}, k78Digits, std::numeric_limits<double>::infinity(), true,
                  int64_t{253402300799999999}, std::vector<std::string>{k78Digits, "", "ü"},
                  std::string(""), int64_t{1}});
  rows.push_back({std::numeric_limits<int64_t>::max(), std::string(""), int64_t{7}, false,
                  int64_t{0}, std::vector<std::string>{""}, std::string("[]"), int64_t{2}});
  rows.push_back({std::numeric_limits<int64_t>::min(), std::string(100000, 'x'),
                  std::numeric_limits<double>::quiet_NaN(), std::monostate{}, std::monostate{},
                  std::monostate{}, std::monostate{}, std::monostate{}});
  const std::string f = From(WriteAll(rows));

  // Types survive as declared.
  QueryResult types = Query(
      "SELECT typeof(id), typeof(name), typeof(score), typeof(active), typeof(created), "
      "typeof(tags), typeof(payload), typeof(_fetched_at) FROM " +
      f + " LIMIT 1");
  ASSERT_EQ(types.rows.size(), 1u);
  const std::vector<std::string> want = {"BIGINT",    "VARCHAR",   "DOUBLE",  "BOOLEAN",
                                         "TIMESTAMP", "VARCHAR[]", "VARCHAR", "TIMESTAMP"};
  for (size_t c = 0; c < want.size(); ++c) EXPECT_EQ(types.rows[0][c], want[c]) << c;

  QueryResult r = Query(
      "SELECT id, name, score, active, epoch_us(created), tags, len(tags), payload, "
      "epoch_us(_fetched_at) FROM " +
      f + " ORDER BY id");
  ASSERT_EQ(r.rows.size(), rows.size());
  // Sorted by id: INT64_MIN, 1, 2, 3, 4, INT64_MAX.
  const auto& mn = r.rows[0];
  EXPECT_EQ(mn[0], std::to_string(std::numeric_limits<int64_t>::min()));
  EXPECT_EQ(mn[1], std::string(100000, 'x'));
  EXPECT_EQ(mn[2], "nan");
  EXPECT_EQ(mn[3], std::nullopt);
  EXPECT_EQ(mn[4], std::nullopt);
  EXPECT_EQ(mn[5], std::nullopt);
  EXPECT_EQ(mn[7], std::nullopt);

  const auto& r1 = r.rows[1];
  EXPECT_EQ(r1[1], "plain");
  EXPECT_EQ(r1[2], "1.5");
  EXPECT_EQ(r1[3], "true");
  EXPECT_EQ(r1[4], "1767225600000000");
  EXPECT_EQ(r1[5], "[a, b]");
  EXPECT_EQ(r1[7], R"({"x":[1,2,{"y":null}]})");
  EXPECT_EQ(r1[8], "1767225600123456");

  const auto& r2 = r.rows[2];
  EXPECT_EQ(r2[1], std::get<std::string>(rows[1][1]));
  EXPECT_EQ(r2[2], "-0.125");
  EXPECT_EQ(r2[3], "false");
  EXPECT_EQ(r2[4], "-1");
  EXPECT_EQ(r2[5], "[]");  // an empty list is not NULL
  EXPECT_EQ(r2[6], "0");
  EXPECT_EQ(r2[7], "not json at all {");

  const auto& r3 = r.rows[3];
  for (size_t c = 1; c < r3.size(); ++c) EXPECT_EQ(r3[c], std::nullopt) << c;

  const auto& r4 = r.rows[4];
  EXPECT_EQ(r4[1], k78Digits);
  EXPECT_EQ(r4[2], "inf");
  EXPECT_EQ(r4[4], "253402300799999999");
  EXPECT_EQ(r4[6], "3");
  EXPECT_EQ(r4[7], "");  // an empty string is not NULL

  const auto& mx = r.rows[5];
  EXPECT_EQ(mx[0], std::to_string(std::numeric_limits<int64_t>::max()));
  EXPECT_EQ(mx[1], "");
  EXPECT_EQ(mx[2], "7.0");  // an integer in a DOUBLE column
  EXPECT_EQ(mx[6], "1");

  // List elements compared exactly, including the 78-digit one and the empty string.
  QueryResult elems = Query("SELECT tags[1], tags[2], tags[3] FROM " + f + " WHERE id = 4");
  ASSERT_EQ(elems.rows.size(), 1u);
  EXPECT_EQ(elems.rows[0][0], k78Digits);
  EXPECT_EQ(elems.rows[0][1], "");
  EXPECT_EQ(elems.rows[0][2], "ü");
}

TEST_F(ParquetWriterTest, ManyChunksKeepOrderNullsAndLists) {
  // More rows than one DuckDB vector (2048) so that chunk reuse is exercised.
  std::vector<Row> rows;
  const int n = 10000;
  int64_t expected_elems = 0;
  for (int i = 0; i < n; ++i) {
    Row row(schema_.columns.size());
    row[0] = int64_t{i};
    if (i % 7 != 0) row[1] = "n" + std::to_string(i);
    row[2] = static_cast<double>(i) / 4;
    if (i % 3 != 0) row[3] = (i % 2 == 0);
    row[4] = int64_t{i} * 1000;
    if (i % 11 != 0) {
      std::vector<std::string> tags;
      for (int k = 0; k < i % 5; ++k) tags.push_back("t" + std::to_string(i + k));
      expected_elems += static_cast<int64_t>(tags.size());
      row[5] = std::move(tags);
    }
    rows.push_back(std::move(row));
  }
  const std::string f = From(WriteAll(rows));

  QueryResult r = Query(
      "SELECT count(*), count(name), count(active), sum(len(tags)), count(tags), "
      "count(*) FILTER (WHERE name <> 'n' || id), "
      "count(*) FILTER (WHERE len(tags) > 0 AND tags[1] <> 't' || id), "
      "count(*) FILTER (WHERE score <> id / 4), "
      "count(*) FILTER (WHERE epoch_us(created) <> id * 1000) FROM " +
      f);
  ASSERT_EQ(r.rows.size(), 1u);
  const int nulls7 = (n + 6) / 7;
  const int nulls3 = (n + 2) / 3;
  const int nulls11 = (n + 10) / 11;
  EXPECT_EQ(r.rows[0][0], std::to_string(n));
  EXPECT_EQ(r.rows[0][1], std::to_string(n - nulls7));
  EXPECT_EQ(r.rows[0][2], std::to_string(n - nulls3));
  EXPECT_EQ(r.rows[0][3], std::to_string(expected_elems));
  EXPECT_EQ(r.rows[0][4], std::to_string(n - nulls11));
  for (size_t c = 5; c < 9; ++c) EXPECT_EQ(r.rows[0][c], "0") << c;

  // Row order is the order of the indices.
  QueryResult order =
      Query("SELECT count(*) FROM (SELECT id, row_number() OVER () - 1 AS pos FROM " + f +
            ") WHERE id <> pos");
  EXPECT_EQ(order.rows[0][0], "0");
}

TEST_F(ParquetWriterTest, WritesOnlyTheChosenRowsAndIsZstd) {
  const std::vector<Row> rows = IdRows(10);
  const std::string path = dir_.path() + "/some.parquet";
  ASSERT_TRUE(writer_->Write(ColumnBatch::Of(schema_, rows), {7, 2, 5}, path).ok());
  QueryResult r = Query("SELECT id FROM " + From(path));
  ASSERT_EQ(r.rows.size(), 3u);
  EXPECT_EQ(r.rows[0][0], "7");
  EXPECT_EQ(r.rows[1][0], "2");
  EXPECT_EQ(r.rows[2][0], "5");

  QueryResult codec =
      Query("SELECT DISTINCT compression FROM parquet_metadata(" + QuoteSqlString(path) + ")");
  ASSERT_EQ(codec.rows.size(), 1u);
  EXPECT_EQ(codec.rows[0][0], "ZSTD");

  // The table is emptied between files.
  const std::string second = dir_.path() + "/second.parquet";
  ASSERT_TRUE(writer_->Write(ColumnBatch::Of(schema_, rows), {0}, second).ok());
  EXPECT_EQ(Query("SELECT count(*) FROM " + From(second)).rows[0][0], "1");
}

TEST_F(ParquetWriterTest, FilesOnEitherSideOfARenewedCopyHoldTheirOwnRows) {
  // The COPY is prepared again every kCopiesPerPrepare files (DuckDB keeps something of every
  // execution until then): the files on either side of each renewal hold their own rows.
  const std::vector<Row> rows = IdRows(3);
  const ColumnBatch batch = ColumnBatch::Of(schema_, rows);
  const int files = ParquetWriter::kCopiesPerPrepare * 2 + 1;
  for (int i = 0; i < files; ++i) {
    const std::string path = dir_.path() + "/f" + std::to_string(i) + ".parquet";
    ASSERT_TRUE(writer_->Write(batch, {static_cast<uint32_t>(i % 3)}, path).ok()) << i;
  }
  QueryResult r = Query(
      "SELECT count(*), count(*) FILTER (WHERE id <> CAST(regexp_extract(filename, "
      "'f([0-9]+)', 1) AS BIGINT) % 3) FROM read_parquet(" +
      QuoteSqlString(dir_.path() + "/f*.parquet") + ", filename = true)");
  EXPECT_EQ(r.rows[0][0], std::to_string(files));
  EXPECT_EQ(r.rows[0][1], "0");
}

TEST_F(ParquetWriterTest, PathsWithQuotesAreSafe) {
  const std::string sub = dir_.path() + "/it's \"odd\"";
  ASSERT_TRUE(MakeDirs(sub).ok());
  std::vector<Row> rows = {Row(schema_.columns.size())};
  rows[0][0] = int64_t{1};
  const std::string path = sub + "/x'; DROP TABLE batch; --.parquet";
  ASSERT_TRUE(writer_->Write(ColumnBatch::Of(schema_, rows), {0}, path).ok());
  EXPECT_TRUE(IsRegularFile(path));
  EXPECT_EQ(Query("SELECT count(*) FROM " + From(path)).rows[0][0], "1");
}

TEST_F(ParquetWriterTest, UnwritablePathIsAnErrorAndTheWriterStaysUsable) {
  std::vector<Row> rows = {Row(schema_.columns.size())};
  rows[0][0] = int64_t{1};
  Status s =
      writer_->Write(ColumnBatch::Of(schema_, rows), {0}, dir_.path() + "/missing/dir/x.parquet");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("missing/dir/x.parquet"), std::string::npos) << s.message();
  const std::string path = WriteAll(rows, "after.parquet");
  EXPECT_EQ(Query("SELECT count(*) FROM " + From(path)).rows[0][0], "1");
}

TEST(ParquetWriterShared, WritersOfOneDatabaseWriteTheirOwnRowsAtOnce) {
  testing::TempDir dir;
  std::shared_ptr<DuckDbDatabase> database;
  ASSERT_TRUE(DuckDbDatabase::Open(DuckDbOptions{}, &database).ok());
  const Schema all = testing::AllTypesSchema();
  const Schema trades = testing::TradeSchema();
  std::unique_ptr<ParquetWriter> first, second;
  ASSERT_TRUE(ParquetWriter::Open(all, database, &first).ok());
  ASSERT_TRUE(ParquetWriter::Open(trades, database, &second).ok());
  database.reset();  // the writers keep it open

  std::vector<Row> all_rows;
  for (int64_t i = 0; i < 5000; ++i) {
    Row row(all.columns.size());
    row[0] = i;
    all_rows.push_back(std::move(row));
  }
  std::vector<Row> trade_rows;
  for (int64_t i = 0; i < 3000; ++i)
    trade_rows.push_back(testing::TradeRow(i, testing::kDay0Seconds));
  const ColumnBatch all_batch = ColumnBatch::Of(all, all_rows);
  const ColumnBatch trade_batch = ColumnBatch::Of(trades, trade_rows);
  std::vector<uint32_t> all_ids(all_rows.size()), trade_ids(trade_rows.size());
  std::iota(all_ids.begin(), all_ids.end(), 0);
  std::iota(trade_ids.begin(), trade_ids.end(), 0);
  Status a, b;
  std::thread other([&] { b = second->Write(trade_batch, trade_ids, dir.path() + "/t.parquet"); });
  a = first->Write(all_batch, all_ids, dir.path() + "/a.parquet");
  other.join();
  ASSERT_TRUE(a.ok()) << a.message();
  ASSERT_TRUE(b.ok()) << b.message();

  std::unique_ptr<Reader> reader;
  ASSERT_TRUE(Reader::Open(&reader).ok());
  QueryResult r;
  ASSERT_TRUE(reader
                  ->Query("SELECT (SELECT count(*) FROM read_parquet(" +
                              QuoteSqlString(dir.path() + "/a.parquet") +
                              ")), (SELECT count(*) FROM read_parquet(" +
                              QuoteSqlString(dir.path() + "/t.parquet") + "))",
                          &r)
                  .ok());
  EXPECT_EQ(r.rows.at(0), (std::vector<std::optional<std::string>>{"5000", "3000"}));
  // Rows keep their order in each file.
  ASSERT_TRUE(reader
                  ->Query("SELECT count(*) FROM (SELECT id, row_number() OVER () - 1 AS n FROM "
                          "read_parquet(" +
                              QuoteSqlString(dir.path() + "/a.parquet") + ")) WHERE id <> n",
                          &r)
                  .ok());
  EXPECT_EQ(r.rows.at(0).at(0), "0");
}

TEST(ParquetWriterOpen, RejectsSchemaWithoutColumns) {
  std::unique_ptr<ParquetWriter> w;
  Schema empty;
  empty.dataset = "none";
  Status s = ParquetWriter::Open(empty, DuckDbOptions{}, &w);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(w, nullptr);
}

TEST(ParquetWriterOpen, RejectsRepeatedOrEmptyColumnNames) {
  std::unique_ptr<ParquetWriter> w;
  Schema schema;
  schema.dataset = "dup";
  schema.columns = {{"id", ColumnType::kBigint}, {"ID", ColumnType::kVarchar}};
  Status s = ParquetWriter::Open(schema, DuckDbOptions{}, &w);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("\"ID\""), std::string::npos) << s.message();
  schema.columns = {{"", ColumnType::kBigint}};
  EXPECT_FALSE(ParquetWriter::Open(schema, DuckDbOptions{}, &w).ok());
}

TEST(ParquetWriterOpen, OddColumnNamesAreQuoted) {
  Schema schema;
  schema.dataset = "odd";
  schema.columns = {{"select", ColumnType::kVarchar}, {"we\"ird col", ColumnType::kBigint}};
  std::unique_ptr<ParquetWriter> w;
  Status s = ParquetWriter::Open(schema, DuckDbOptions{}, &w);
  ASSERT_TRUE(s.ok()) << s.message();
  testing::TempDir dir;
  const std::string path = dir.path() + "/odd.parquet";
  ASSERT_TRUE(
      w->Write(ColumnBatch::Of(schema, {Row{std::string("v"), int64_t{5}}}), {0}, path).ok());
  std::unique_ptr<Reader> reader;
  ASSERT_TRUE(Reader::Open(&reader).ok());
  QueryResult r;
  ASSERT_TRUE(reader->Query("SELECT * FROM read_parquet(" + QuoteSqlString(path) + ")", &r).ok());
  EXPECT_EQ(r.columns, (std::vector<std::string>{"select", "we\"ird col"}));
  EXPECT_EQ(r.rows[0][1], "5");
}

}  // namespace
}  // namespace polypipe::bronze
