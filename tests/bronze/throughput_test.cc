// Prints how fast trade-like rows go through a Sink into committed Parquet. Nothing about time is
// asserted (machines differ); only that every row arrived.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <numeric>

#include "bronze/parquet_writer.h"
#include "bronze/reader.h"
#include "bronze/sink.h"
#include "tests/bronze/temp_dir.h"
#include "tests/bronze/test_rows.h"

namespace polypipe::bronze {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

TEST(Throughput, HalfAMillionTradeRowsThroughASink) {
  constexpr int kRows = 500'000;
  constexpr int kChunk = 5'000;
  testing::TempDir tmp;
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(tmp.path(), &store).ok());
  SinkOptions options;
  options.flush_rows = 50'000;
  options.max_rows = 200'000;
  options.run_id = "bench";

  double generating = 0;
  const auto start = Clock::now();
  {
    Sink sink(*store, testing::TradeSchema(), options);
    for (int first = 0; first < kRows; first += kChunk) {
      const auto gen = Clock::now();
      std::vector<Row> rows;
      rows.reserve(kChunk);
      for (int i = first; i < first + kChunk; ++i) {
        rows.push_back(testing::TradeRow(i, testing::kDay0Seconds + i * 10));  // ~58 days
      }
      generating += Seconds(gen);
      ASSERT_TRUE(sink.Append(std::move(rows), {{"cursor", first}}).ok());
    }
    ASSERT_TRUE(sink.Close().ok());
    EXPECT_EQ(sink.rows_committed(), static_cast<uint64_t>(kRows));
    const double total = Seconds(start);
    std::printf(
        "sink: %d trade rows (25 columns) in %.2f s = %.0f rows/s end to end "
        "(%.2f s of it building rows); %llu files, %.1f MB, %llu commits\n",
        kRows, total, kRows / total, generating,
        static_cast<unsigned long long>(sink.files_committed()),
        static_cast<double>(sink.bytes_committed()) / 1e6,
        static_cast<unsigned long long>(sink.commits()));
  }
  std::unique_ptr<Reader> reader;
  ASSERT_TRUE(Reader::Open(&reader).ok());
  QueryResult r;
  ASSERT_TRUE(
      reader->Query("SELECT count(*) FROM " + ReadParquetSql(tmp.path(), "trades"), &r).ok());
  EXPECT_EQ(r.rows[0][0], std::to_string(kRows));
}

TEST(Throughput, ParquetWriterAlone) {
  constexpr int kRows = 100'000;
  std::vector<Row> rows;
  rows.reserve(kRows);
  for (int i = 0; i < kRows; ++i) rows.push_back(testing::TradeRow(i, testing::kDay0Seconds));
  std::vector<uint32_t> ids(kRows);
  std::iota(ids.begin(), ids.end(), 0);
  const ColumnBatch batch = ColumnBatch::Of(testing::TradeSchema(), rows);
  std::unique_ptr<ParquetWriter> writer;
  ASSERT_TRUE(ParquetWriter::Open(testing::TradeSchema(), DuckDbOptions{}, &writer).ok());
  testing::TempDir tmp;
  const auto start = Clock::now();
  for (int k = 0; k < 3; ++k) {
    ASSERT_TRUE(writer->Write(batch, ids, tmp.path() + "/t" + std::to_string(k) + ".parquet").ok());
  }
  const double secs = Seconds(start);
  std::printf("parquet writer: %d rows in %.2f s = %.0f rows/s (1 DuckDB thread)\n", 3 * kRows,
              secs, 3 * kRows / secs);
}

}  // namespace
}  // namespace polypipe::bronze
