#include "bronze/partitioner.h"

#include <gtest/gtest.h>

#include "tests/bronze/test_rows.h"

namespace polypipe::bronze {
namespace {

using testing::kDay0Seconds;
using testing::kDaySeconds;

constexpr int64_t kSecond = 1'000'000;

TEST(Partitioner, SplitsByEventDateAndTracksRanges) {
  const Schema schema = testing::TradeSchema();
  std::vector<Row> rows;
  rows.push_back(testing::TradeRow(0, kDay0Seconds + kDaySeconds + 5));  // day 1
  rows.push_back(testing::TradeRow(1, kDay0Seconds + 7));                // day 0
  rows.push_back(testing::TradeRow(2, kDay0Seconds + kDaySeconds - 1));  // day 0, last second
  rows.push_back(testing::TradeRow(3, kDay0Seconds + kDaySeconds));      // day 1, first second

  const auto parts = PartitionRows(schema, ColumnBatch::Of(schema, rows), 0);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].date, "2026-01-01");
  EXPECT_EQ(parts[0].rows, (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ(parts[0].min_event_us, (kDay0Seconds + 7) * kSecond);
  EXPECT_EQ(parts[0].max_event_us, (kDay0Seconds + kDaySeconds - 1) * kSecond);
  EXPECT_EQ(parts[1].date, "2026-01-02");
  EXPECT_EQ(parts[1].rows, (std::vector<uint32_t>{0, 3}));
  EXPECT_EQ(parts[1].min_event_us, (kDay0Seconds + kDaySeconds) * kSecond);
}

TEST(Partitioner, NullOrImplausibleEventTimeFallsBackToFetchedAt) {
  const Schema schema = testing::TradeSchema();
  const int ts = schema.Index("timestamp");
  std::vector<Row> rows;
  rows.push_back(testing::TradeRow(0, kDay0Seconds + 3 * kDaySeconds));
  rows.push_back(testing::TradeRow(1, 0));
  rows.back()[ts] = std::monostate{};
  rows.push_back(testing::TradeRow(2, kDay0Seconds * 1000));  // milliseconds by mistake

  // TradeRow's _fetched_at is on 2026-01-01.
  const auto parts = PartitionRows(schema, ColumnBatch::Of(schema, rows), 0);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].date, "2026-01-01");
  EXPECT_EQ(parts[0].rows, (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ(parts[0].min_event_us, std::nullopt);  // fallbacks do not count as event times
  EXPECT_EQ(parts[1].date, "2026-01-04");
}

TEST(Partitioner, SnapshotsUseFetchedAtElseTheWriteTime) {
  Schema schema = testing::AllTypesSchema();
  const int fetched = schema.Index("_fetched_at");
  Row row(schema.columns.size());
  row[fetched] = int64_t{(kDay0Seconds + 5 * kDaySeconds) * kSecond};
  Row no_time(schema.columns.size());
  const int64_t now = (kDay0Seconds + 9 * kDaySeconds) * kSecond;

  const auto parts = PartitionRows(schema, ColumnBatch::Of(schema, {row, no_time}), now);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].date, "2026-01-06");
  EXPECT_EQ(parts[0].max_event_us, (kDay0Seconds + 5 * kDaySeconds) * kSecond);
  EXPECT_EQ(parts[1].date, "2026-01-10");
  EXPECT_EQ(parts[1].rows, (std::vector<uint32_t>{1}));
}

TEST(Partitioner, TimestampPartitionColumn) {
  Schema schema;
  schema.dataset = "prices";
  schema.columns = {{"t", ColumnType::kTimestamp}, {"p", ColumnType::kDouble}};
  schema.partition_column = 0;
  const int64_t t0 = kDay0Seconds * kSecond;
  const auto parts = PartitionRows(
      schema, ColumnBatch::Of(schema, {Row{t0 - 1, 0.5}, Row{t0, 0.6}, Row{t0 + 1, 0.7}}), 0);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].date, "2025-12-31");
  EXPECT_EQ(parts[0].max_event_us, t0 - 1);
  EXPECT_EQ(parts[1].date, "2026-01-01");
  EXPECT_EQ(parts[1].rows, (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ(parts[1].min_event_us, t0);
  EXPECT_EQ(parts[1].max_event_us, t0 + 1);
}

TEST(Partitioner, SchemaWithoutFetchedAtUsesTheWriteTime) {
  Schema schema;
  schema.dataset = "x";
  schema.columns = {{"a", ColumnType::kVarchar}};
  const auto parts = PartitionRows(schema, ColumnBatch::Of(schema, {Row{std::string("v")}}), 0);
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].date, "1970-01-01");
}

TEST(Partitioner, EmptyBatchHasNoPartitions) {
  EXPECT_TRUE(
      PartitionRows(testing::TradeSchema(), ColumnBatch(testing::TradeSchema()), 0).empty());
}

}  // namespace
}  // namespace polypipe::bronze
