// TradeFeed: watermark filtering, the stop rule, identical-fill numbering, the overlap that catches
// late fills, splitting, and the JSON round trip.

#include "fetch/trade_feed.h"

#include <gtest/gtest.h>

namespace polypipe::fetch {
namespace {

using bronze::Row;

// Rows of (condition_id, timestamp, tx, fill_seq).
const TradeFeed::Columns kColumns{0, 1, 3, {0, 1, 2}, {0, 1, 2, 3}};

Row Trade(const std::string& cid, int64_t ts, const std::string& tx) {
  return Row{cid, ts, tx, std::monostate{}};
}

TEST(TradeFeedTest, KeepsEverythingWithoutWatermarksAndFinishesOnEmptyCursor) {
  TradeFeed feed({{"A", std::nullopt, true, std::nullopt, std::nullopt},
                  {"B", std::nullopt, false, std::nullopt, std::nullopt}},
                 0);
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
  TradeFeed feed(
      {{"A", 25, false, std::nullopt, std::nullopt}, {"B", 15, false, std::nullopt, std::nullopt}},
      0);
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
  TradeFeed feed({{"A", std::nullopt, true, std::nullopt, std::nullopt}}, 0);
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
  TradeFeed feed({{"A", std::nullopt, true, std::nullopt, std::nullopt}}, 0);
  std::vector<Row> page = {Trade("Z", 9, "x")};
  feed.ApplyPage(kColumns, &page, "");
  EXPECT_EQ(page.size(), 1u);
  EXPECT_EQ(feed.foreign_rows(), 1);
}

TEST(TradeFeedTest, BrokenStateIsRejected) {
  EXPECT_FALSE(TradeFeed::FromJson(nlohmann::json::parse(R"({"members": 3})")));
  EXPECT_FALSE(TradeFeed::FromJson(nlohmann::json::parse(R"([])")));
}

std::string Tx(const Row& row) {
  return std::get<std::string>(row[2]);
}
int64_t Seq(const Row& row) {
  return std::get<int64_t>(row[3]);
}

// The overlap of a market whose committed rows are `rows` (numbered as a feed numbers them).
TradeOverlap OverlapOf(int64_t from, std::vector<Row> rows) {
  TradeFeed scratch({{"A", std::nullopt, true, std::nullopt, std::nullopt}}, 1'000'000);
  scratch.ApplyPage(kColumns, &rows, "");
  TradeOverlap o = *scratch.NextOverlap("A");
  o.from = from;
  return o;
}

TEST(TradeFeedTest, TheOverlapKeepsLateFillsAndDropsCommittedOnes) {
  TradeFeed::Member a{"A", 25, false, std::nullopt,
                      OverlapOf(20, {Trade("A", 25, "b"), Trade("A", 22, "a")})};
  TradeFeed feed({a}, 5);
  std::vector<Row> page = {Trade("A", 30, "new"), Trade("A", 25, "b"),     Trade("A", 24, "late"),
                           Trade("A", 22, "a"),   Trade("A", 20, "late2"), Trade("A", 19, "old")};
  feed.ApplyPage(kColumns, &page, "more");
  ASSERT_EQ(page.size(), 3u);
  EXPECT_EQ(Tx(page[0]), "new");
  EXPECT_EQ(Tx(page[1]), "late");
  EXPECT_EQ(Tx(page[2]), "late2");
  EXPECT_EQ(feed.late_rows(), 2);
  EXPECT_TRUE(feed.finished()) << "19 is below the overlap: nothing newer can follow";
  // The next overlap starts lag seconds behind the newest trade and holds every committed key
  // from there: this run's and the earlier run's.
  const TradeOverlap next = *feed.NextOverlap("A");
  EXPECT_EQ(next.from, 25);
  EXPECT_EQ(next.keys.size(), 2u);
  EXPECT_EQ(feed.Newest("A"), 30);
}

TEST(TradeFeedTest, ALateFillIdenticalToACommittedOneGetsTheNextNumber) {
  TradeFeed::Member a{"A", 22, false, std::nullopt, OverlapOf(10, {Trade("A", 22, "x")})};
  TradeFeed feed({a}, 60);
  std::vector<Row> page = {Trade("A", 22, "x"), Trade("A", 22, "x")};
  feed.ApplyPage(kColumns, &page, "");
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(Seq(page[0]), 1);
}

TEST(TradeFeedTest, WithoutAnOverlapTheWatermarkIsStrict) {
  TradeFeed feed({{"A", 25, false, std::nullopt, std::nullopt}}, 3600);
  std::vector<Row> page = {Trade("A", 26, "new"), Trade("A", 25, "old"), Trade("A", 24, "x")};
  feed.ApplyPage(kColumns, &page, "more");
  ASSERT_EQ(page.size(), 1u);
  EXPECT_TRUE(feed.finished());
}

TEST(TradeFeedTest, SplitHalvesSkipWhatTheWholeFeedCommitted) {
  TradeFeed feed({{"A", std::nullopt, true, std::nullopt, std::nullopt},
                  {"B", std::nullopt, true, std::nullopt, std::nullopt}},
                 0);
  // The page ends in the middle of timestamp 30: one of A's two identical fills is committed.
  std::vector<Row> page = {Trade("B", 31, "b1"), Trade("A", 30, "a"), Trade("B", 30, "b2")};
  feed.ApplyPage(kColumns, &page, "more");
  auto [left, right] = feed.Split();
  ASSERT_EQ(left.condition_ids(), std::vector<std::string>{"A"});
  ASSERT_EQ(right.condition_ids(), std::vector<std::string>{"B"});
  // Each half starts again from the newest trade (it is a new filter: the cursor cannot carry).
  EXPECT_EQ(left.cursor(), "");
  auto resumed = TradeFeed::FromJson(nlohmann::json::parse(left.ToJson().dump()));
  ASSERT_TRUE(resumed);
  std::vector<Row> a = {Trade("A", 30, "a"), Trade("A", 30, "a"), Trade("A", 29, "c")};
  resumed->ApplyPage(kColumns, &a, "");
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(Tx(a[0]), "a");
  EXPECT_EQ(Seq(a[0]), 1) << "the second identical fill, the first was committed";
  EXPECT_EQ(Tx(a[1]), "c");
  EXPECT_EQ(resumed->Newest("A"), 30);
  std::vector<Row> b = {Trade("B", 31, "b1"), Trade("B", 30, "b2"), Trade("B", 12, "b3")};
  right.ApplyPage(kColumns, &b, "");
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(Tx(b[0]), "b3");
  EXPECT_EQ(right.Oldest("B"), 12);
  EXPECT_EQ(right.Newest("B"), 31);
}

TEST(TradeFeedTest, VersionOneStateStillReads) {
  auto feed = TradeFeed::FromJson(nlohmann::json::parse(
      R"({"members": [{"id": "A", "closed": false, "w": 25}], "cursor": "c", "finished": false,
          "pages": 1, "run_ts": 30, "run_counts": {}})"));
  ASSERT_TRUE(feed);
  EXPECT_EQ(feed->members()[0].watermark, 25);
  EXPECT_EQ(feed->cursor(), "c");
}

}  // namespace
}  // namespace polypipe::fetch
