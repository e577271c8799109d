// PriceGroup: aligned windows shared by tokens, the fidelity ladder and progress.

#include "fetch/price_group.h"

#include <gtest/gtest.h>

namespace polypipe::fetch {
namespace {

constexpr int64_t kWindow = 100;

TEST(PriceGroupTest, WalksAlignedWindowsAndSharesRequests) {
  PriceGroup group({{"a", 150, 420, 60, true}, {"b", 230, 260, 60, true}}, {60, 720, 1440},
                   kWindow);
  std::vector<std::pair<int64_t, int64_t>> ranges;
  std::vector<size_t> sizes;
  nlohmann::json last;
  for (int i = 0; i < 20; ++i) {
    auto r = group.Next();
    if (!r) break;
    EXPECT_LT(r->end_ts - r->start_ts, kWindow);
    ranges.push_back({r->start_ts, r->end_ts});
    sizes.push_back(r->token_ids.size());
    std::map<std::string, int64_t> newest;
    for (const auto& id : r->token_ids) newest[id] = r->end_ts;
    last = group.Complete(newest);
  }
  const std::vector<std::pair<int64_t, int64_t>> expected = {
      {150, 199}, {200, 299}, {300, 399}, {400, 420}};
  EXPECT_EQ(ranges, expected);
  EXPECT_EQ(sizes, (std::vector<size_t>{1, 2, 1, 1}));
  EXPECT_EQ(last["a"]["to"], 420);
  EXPECT_EQ(group.requests(), 4);
}

TEST(PriceGroupTest, EmptyWindowOfATradedMarketWalksTheLadderAndKeepsTheFidelity) {
  PriceGroup group({{"r", 0, 150, 60, true}, {"q", 0, 50, 60, false}}, {60, 720, 1440}, kWindow);
  auto r = group.Next();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->fidelity, 60);
  EXPECT_EQ(r->token_ids.size(), 2u);
  auto progress = group.Complete({});   // both empty
  EXPECT_TRUE(progress.contains("q"));  // not traded: done with the window
  EXPECT_FALSE(progress.contains("r"));
  r = group.Next();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->fidelity, 720);
  EXPECT_EQ(r->token_ids, std::vector<std::string>{"r"});
  EXPECT_EQ(r->start_ts, 0);
  progress = group.Complete({{"r", 50}});
  EXPECT_EQ(progress["r"]["to"], 99);
  EXPECT_EQ(progress["r"]["f"], 720);
  r = group.Next();  // the next window starts at the fidelity found
  ASSERT_TRUE(r);
  EXPECT_EQ(r->fidelity, 720);
  EXPECT_EQ(r->start_ts, 100);
  EXPECT_EQ(r->end_ts, 150);
  group.Complete({{"r", 50}});
  EXPECT_FALSE(group.Next());
}

TEST(PriceGroupTest, AWindowEmptyUpTheWholeLadderKeepsTheFidelity) {
  PriceGroup group({{"r", 0, 150, 720, true}}, {60, 720, 1440}, kWindow);
  ASSERT_EQ(group.Next()->fidelity, 720);
  EXPECT_FALSE(group.Complete({}).contains("r"));
  ASSERT_EQ(group.Next()->fidelity, 1440);
  auto progress = group.Complete({});
  EXPECT_EQ(progress["r"]["to"], 99);
  EXPECT_EQ(progress["r"]["f"], 720);  // 1440 found nothing either: back to 720
  auto r = group.Next();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->fidelity, 720);
  EXPECT_EQ(group.Complete({{"r", 120}})["r"]["locked"], true);
  EXPECT_FALSE(group.Next());
}

TEST(PriceGroupTest, ALockedFidelityNeverWalksAgain) {
  PriceGroup group({{"r", 0, 250, 720, true, false, true}}, {60, 720, 1440}, kWindow);
  for (int window = 0; window < 3; ++window) {
    auto r = group.Next();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->fidelity, 720);
    auto progress = group.Complete({});  // empty windows of a locked token: done as they are
    EXPECT_EQ(progress["r"]["f"], 720);
  }
  EXPECT_FALSE(group.Next());
}

TEST(PriceGroupTest, PointsOutsideTheTokensRangeAreNotItsAnswer) {
  PriceGroup group({{"a", 120, 180, 60, true}}, {60}, kWindow);
  ASSERT_TRUE(group.Next());
  EXPECT_FALSE(group.InRange("a", 119));
  EXPECT_TRUE(group.InRange("a", 120));
  EXPECT_TRUE(group.InRange("a", 180));
  EXPECT_FALSE(group.InRange("a", 181));  // e.g. a trailing "now" point
  EXPECT_FALSE(group.InRange("zz", 150));
}

TEST(PriceGroupTest, AnOpenMarketsProgressIsItsNewestPoint) {
  PriceGroup group({{"o", 0, 250, 60, false, true}}, {60, 720}, kWindow);
  ASSERT_TRUE(group.Next());
  EXPECT_EQ(group.Complete({{"o", 90}})["o"]["to"], 90);
  ASSERT_TRUE(group.Next());
  EXPECT_EQ(group.Complete({{"o", 180}})["o"]["to"], 180);
  ASSERT_TRUE(group.Next());
  EXPECT_TRUE(group.Complete({}).empty());  // no points past 180 yet: progress stays
  EXPECT_FALSE(group.Next());
}

TEST(PriceGroupTest, NothingToDo) {
  PriceGroup group({{"a", 200, 100, 60, true}}, {60}, kWindow);
  EXPECT_FALSE(group.Next());
}

}  // namespace
}  // namespace polypipe::fetch
