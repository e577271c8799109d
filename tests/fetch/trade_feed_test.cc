// TradeFeed: watermark filtering, the stop rule, identical-fill numbering and its JSON round trip.

#include "fetch/trade_feed.h"

#include <gtest/gtest.h>

namespace polypipe::fetch {
namespace {

using bronze::Row;

// Rows of (condition_id, timestamp, tx, fill_seq).
const TradeFeed::Columns kColumns{0, 1, 3, {0, 1, 2}};

Row Trade(const std::string& cid, int64_t ts, const std::string& tx) {
  return Row{cid, ts, tx, std::monostate{}};
}

TEST(TradeFeedTest, KeepsEverythingWithoutWatermarksAndFinishesOnEmptyCursor) {
  TradeFeed feed(
      {{"A", std::nullopt, true, std::nullopt}, {"B", std::nullopt, false, std::nullopt}});
  std::vector<Row> page = {Trade("A", 30, "t1"), Trade("B", 20, "t2"), Trade("A", 10, "t3")};
  feed.ApplyPage(kColumns, &page, "next");
  EXPECT_EQ(page.size(), 3u);
  EXPECT_FALSE(feed.finished());
  EXPECT_EQ(feed.cursor(), "next");
  std::vector<Row> last = {Trade("B", 5, "t4")};
  feed.ApplyPage(kColumns, &last, "");
  EXPECT_TRUE(feed.finished());
  EXPECT_EQ(feed.Newest("A"), 30);
  EXPECT_EQ(feed.Newest("B"), 20);
  EXPECT_EQ(feed.Oldest("B"), 5);
  EXPECT_EQ(feed.Oldest("A"), 10);
}

TEST(TradeFeedTest, DropsRowsAtOrBelowTheirMarketsWatermarkAndStopsBelowTheLowest) {
  TradeFeed feed({{"A", 25, false, std::nullopt}, {"B", 15, false, std::nullopt}});
  std::vector<Row> page = {Trade("A", 30, "n1"), Trade("A", 25, "old"), Trade("B", 20, "n2"),
                           Trade("A", 18, "old")};
  feed.ApplyPage(kColumns, &page, "more");
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(std::get<std::string>(page[0][2]), "n1");
  EXPECT_EQ(std::get<std::string>(page[1][2]), "n2");
  EXPECT_FALSE(feed.finished());  // B may still have trades in (15, 18]
  std::vector<Row> next = {Trade("B", 16, "n3"), Trade("B", 15, "old"), Trade("A", 3, "old")};
  feed.ApplyPage(kColumns, &next, "more");
  ASSERT_EQ(next.size(), 1u);
  EXPECT_TRUE(feed.finished());  // reached 15: nothing newer can follow
  EXPECT_EQ(feed.Newest("A"), 30);
  EXPECT_EQ(feed.Newest("B"), 20);
  EXPECT_EQ(feed.Oldest("B"), 16);
  EXPECT_EQ(feed.Oldest("A"), 30);
}

TEST(TradeFeedTest, NumbersIdenticalFillsAcrossPagesAndResume) {
  TradeFeed feed({{"A", std::nullopt, true, std::nullopt}});
  std::vector<Row> page = {Trade("A", 9, "x"), Trade("A", 7, "x"), Trade("A", 7, "y"),
                           Trade("A", 7, "x")};
  feed.ApplyPage(kColumns, &page, "c1");
  EXPECT_EQ(std::get<int64_t>(page[0][3]), 0);
  EXPECT_EQ(std::get<int64_t>(page[1][3]), 0);
  EXPECT_EQ(std::get<int64_t>(page[2][3]), 0);
  EXPECT_EQ(std::get<int64_t>(page[3][3]), 1);

  // A third identical fill on the next page, after a restart from the committed state.
  auto resumed = TradeFeed::FromJson(nlohmann::json::parse(feed.ToJson().dump()));
  ASSERT_TRUE(resumed);
  EXPECT_EQ(resumed->cursor(), "c1");
  std::vector<Row> next = {Trade("A", 7, "x"), Trade("A", 6, "x")};
  resumed->ApplyPage(kColumns, &next, "");
  EXPECT_EQ(std::get<int64_t>(next[0][3]), 2);
  EXPECT_EQ(std::get<int64_t>(next[1][3]), 0);  // a new timestamp restarts the count
  EXPECT_TRUE(resumed->finished());
}

TEST(TradeFeedTest, RowsOfOtherMarketsAreKeptAndCounted) {
  TradeFeed feed({{"A", std::nullopt, true, std::nullopt}});
  std::vector<Row> page = {Trade("Z", 9, "x")};
  feed.ApplyPage(kColumns, &page, "");
  EXPECT_EQ(page.size(), 1u);
  EXPECT_EQ(feed.foreign_rows(), 1);
}

TEST(TradeFeedTest, BrokenStateIsRejected) {
  EXPECT_FALSE(TradeFeed::FromJson(nlohmann::json::parse(R"({"members": 3})")));
  EXPECT_FALSE(TradeFeed::FromJson(nlohmann::json::parse(R"([])")));
}

}  // namespace
}  // namespace polypipe::fetch
