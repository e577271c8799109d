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

// A store holding WriteTwoSizes's files, and the options that compact them.
class Compactor : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(Store::Open(tmp_.path(), &store_).ok());
    WriteTwoSizes(*store_, &options_);
  }

  testing::TempDir tmp_;
  std::unique_ptr<Store> store_;
  CompactOptions options_;
  CompactStats stats_;
};

TEST_F(Compactor, TiersMergeFilesOfOneSizeOnly) {
  options_.tiered = true;
  ASSERT_TRUE(CompactDataset(*store_, "trades", options_, &stats_).ok());
  EXPECT_TRUE(stats_.failures.empty());
  EXPECT_EQ(stats_.files_in, 6);
  EXPECT_EQ(stats_.files_out, 2);
  std::vector<int64_t> rows;
  for (const LiveFile& f : store_->LiveFiles("trades")) rows.push_back(f.file.rows);
  std::sort(rows.begin(), rows.end());
  EXPECT_EQ(rows, (std::vector<int64_t>{12, 9000}));
}

TEST_F(Compactor, WithoutTiersAPartitionsSmallFilesMergeTogether) {
  ASSERT_TRUE(CompactDataset(*store_, "trades", options_, &stats_).ok());
  EXPECT_EQ(stats_.files_in, 6);
  EXPECT_EQ(stats_.files_out, 1);
  EXPECT_EQ(store_->Stats("trades").rows, 9012);
}

TEST_F(Compactor, StopsBeforeTheNextMergeWhenAsked) {
  options_.tiered = true;
  int asked = 0;
  options_.stopping = [&] { return ++asked > 1; };
  ASSERT_TRUE(CompactDataset(*store_, "trades", options_, &stats_).ok());
  EXPECT_EQ(stats_.files_out, 1);
  EXPECT_EQ(store_->LiveFiles("trades").size(), 4u);
  EXPECT_EQ(store_->Stats("trades").rows, 9012);
}

}  // namespace
}  // namespace polypipe::bronze
