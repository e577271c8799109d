#include "bronze/reader.h"

#include <gtest/gtest.h>

#include "bronze/duckdb_session.h"
#include "bronze/durable_fs.h"
#include "bronze/sink.h"
#include "tests/bronze/temp_dir.h"
#include "tests/bronze/test_rows.h"

namespace polypipe::bronze {
namespace {

TEST(Reader, GlobMatchesOnlyCommittedFiles) {
  EXPECT_EQ(GlobFor("/data", "trades"), "/data/trades/dt=*/*.parquet");
  EXPECT_EQ(ReadParquetSql("/it's", "x"), "read_parquet('/it''s/x/dt=*/*.parquet')");

  testing::TempDir tmp;
  EXPECT_FALSE(HasCommittedFiles(tmp.path(), "markets"));
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(tmp.path(), &store).ok());
  {
    Sink sink(*store, testing::AllTypesSchema("markets"), SinkOptions{});
    std::vector<Row> rows;
    for (int i = 0; i < 3; ++i) {
      Row row(8);
      row[0] = int64_t{i};
      row[1] = "market " + std::to_string(i);
      row[5] = std::vector<std::string>{"a", "b"};
      row[7] = int64_t{testing::kDay0Seconds * 1'000'000};
      rows.push_back(std::move(row));
    }
    ASSERT_TRUE(sink.Append(std::move(rows)).ok());
    ASSERT_TRUE(sink.Close().ok());
  }
  // A staged file must never be read.
  ASSERT_TRUE(WriteFileSynced(store->StagingDir("markets") + "/markets_x.parquet", "junk").ok());
  EXPECT_TRUE(HasCommittedFiles(tmp.path(), "markets"));

  std::unique_ptr<Reader> reader;
  ASSERT_TRUE(Reader::Open(&reader).ok());
  QueryResult r;
  Status s = reader->Query("SELECT id, name, tags, created, _fetched_at FROM " +
                               ReadParquetSql(tmp.path(), "markets") + " ORDER BY id",
                           &r);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(r.columns, (std::vector<std::string>{"id", "name", "tags", "created", "_fetched_at"}));
  ASSERT_EQ(r.rows.size(), 3u);
  EXPECT_EQ(r.rows[2][0], "2");
  EXPECT_EQ(r.rows[2][1], "market 2");
  EXPECT_EQ(r.rows[2][2], "[a, b]");
  EXPECT_EQ(r.rows[2][3], std::nullopt);
  EXPECT_EQ(r.rows[2][4], "2026-01-01 00:00:00");
}

TEST(Reader, BadSqlIsAnError) {
  std::unique_ptr<Reader> reader;
  ASSERT_TRUE(Reader::Open(&reader).ok());
  QueryResult r;
  Status s = reader->Query("SELEC nonsense", &r);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("query failed"), std::string::npos);
  s = reader->Query("SELECT * FROM read_parquet('/nonexistent/dir/*.parquet')", &r);
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(r.rows.empty());
}

TEST(Reader, NetworkExtensionsAreNotAutoloaded) {
  std::unique_ptr<Reader> reader;
  ASSERT_TRUE(Reader::Open(&reader).ok());
  QueryResult r;
  ASSERT_TRUE(reader
                  ->Query("SELECT current_setting('autoload_known_extensions'), "
                          "current_setting('autoinstall_known_extensions')",
                          &r)
                  .ok());
  EXPECT_EQ(r.rows[0][0], "false");
  EXPECT_EQ(r.rows[0][1], "false");
  // Reading over HTTP would need httpfs; it must fail rather than be fetched.
  EXPECT_FALSE(
      reader->Query("SELECT * FROM read_parquet('http://127.0.0.1:1/x.parquet')", &r).ok());
}

TEST(DuckDbSession, ForgettingOpenedFilesLeavesTheCacheOffAndFilesReadable) {
  testing::TempDir dir;
  std::unique_ptr<DuckDbSession> session;
  ASSERT_TRUE(DuckDbSession::Open(DuckDbOptions{}, &session).ok());
  const std::string path = dir.path() + "/one.parquet";
  ASSERT_TRUE(session
                  ->Execute("COPY (SELECT range AS x FROM range(5)) TO " + QuoteSqlString(path) +
                            " (FORMAT PARQUET)")
                  .ok());
  const auto count = [&] {
    QueryResult r;
    EXPECT_TRUE(QueryText(session->connection(),
                          "SELECT count(*), current_setting('enable_external_file_cache') FROM " +
                              std::string("read_parquet(") + QuoteSqlString(path) + ")",
                          &r)
                    .ok());
    return r.rows.at(0).at(0).value_or("") + " " + r.rows.at(0).at(1).value_or("");
  };
  EXPECT_EQ(count(), "5 false");
  ASSERT_TRUE(session->ForgetOpenedFiles().ok());
  EXPECT_EQ(count(), "5 false");
}

}  // namespace
}  // namespace polypipe::bronze
