// Compaction's choice of files: by partition, or by partition and size tier (what a fetch does
// while it commits), with every row kept.

#include "bronze/compactor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "bronze/sink.h"
#include "bronze/store.h"
#include "tests/bronze/temp_dir.h"
#include "tests/bronze/test_rows.h"

namespace polypipe::bronze {
namespace {

// One partition holding three files of 4 rows and three of 3,000, one per commit; sets the
// target size so that the small ones are in tier 0 and the larger ones in tier 1.
void WriteTwoSizes(Store& store, CompactOptions* options) {
  SinkOptions sink_options;
  sink_options.run_id = "run";
  Sink sink(store, testing::TradeSchema(), sink_options);
  int64_t id = 0;
  for (int rows : {4, 3000, 4, 3000, 4, 3000}) {
    std::vector<Row> batch;
    for (int i = 0; i < rows; ++i) batch.push_back(testing::TradeRow(id++, testing::kDay0Seconds));
    ASSERT_TRUE(sink.Append(std::move(batch)).ok());
    ASSERT_TRUE(sink.Flush().ok());
  }
  ASSERT_TRUE(sink.Close().ok());
  int64_t most_small = 0, least_large = INT64_MAX;
  for (const LiveFile& f : store.LiveFiles("trades")) {
    if (f.file.rows == 4) most_small = std::max(most_small, f.file.bytes);
    if (f.file.rows == 3000) least_large = std::min(least_large, f.file.bytes);
  }
  ASSERT_LT(most_small * 2, least_large);
  // Tier 0 ends at target / 2 / kTierFactor^2: between the two sizes.
  options->target_bytes = (most_small + least_large) * kTierFactor * kTierFactor;
  options->min_files = 3;
  options->run_id = "compact";
}

TEST(Compactor, TiersMergeFilesOfOneSizeOnly) {
  testing::TempDir tmp;
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(tmp.path(), &store).ok());
  CompactOptions options;
  WriteTwoSizes(*store, &options);
  options.tiered = true;
  CompactStats stats;
  ASSERT_TRUE(CompactDataset(*store, "trades", options, &stats).ok());
  EXPECT_TRUE(stats.failures.empty());
  EXPECT_EQ(stats.files_in, 6);
  EXPECT_EQ(stats.files_out, 2);
  std::vector<int64_t> rows;
  for (const LiveFile& f : store->LiveFiles("trades")) rows.push_back(f.file.rows);
  std::sort(rows.begin(), rows.end());
  EXPECT_EQ(rows, (std::vector<int64_t>{12, 9000}));
}

TEST(Compactor, WithoutTiersAPartitionsSmallFilesMergeTogether) {
  testing::TempDir tmp;
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(tmp.path(), &store).ok());
  CompactOptions options;
  WriteTwoSizes(*store, &options);
  CompactStats stats;
  ASSERT_TRUE(CompactDataset(*store, "trades", options, &stats).ok());
  EXPECT_EQ(stats.files_in, 6);
  EXPECT_EQ(stats.files_out, 1);
  EXPECT_EQ(store->Stats("trades").rows, 9012);
}

TEST(Compactor, StopsBeforeTheNextMergeWhenAsked) {
  testing::TempDir tmp;
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(tmp.path(), &store).ok());
  CompactOptions options;
  WriteTwoSizes(*store, &options);
  options.tiered = true;
  int asked = 0;
  options.stopping = [&] { return ++asked > 1; };
  CompactStats stats;
  ASSERT_TRUE(CompactDataset(*store, "trades", options, &stats).ok());
  EXPECT_EQ(stats.files_out, 1);
  EXPECT_EQ(store->LiveFiles("trades").size(), 4u);
  EXPECT_EQ(store->Stats("trades").rows, 9012);
}

}  // namespace
}  // namespace polypipe::bronze
