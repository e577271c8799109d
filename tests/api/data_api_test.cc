// Data API parsers against the captured samples: trades (v2 and the legacy v1) and the leaderboard.

#include "api/data_api.h"

#include <gtest/gtest.h>

#include "tests/api/fixture.h"

namespace polypipe::api {
namespace {

using testing::ColumnNames;
using testing::ReadSample;
using testing::ReadSampleJson;
using testing::RowView;
using testing::TestLineage;

const std::string kToken0 =
    "84757366440098301426530610616217983251057323529958745541991207115084628755708";

TEST(TradesSchema, ColumnsInContractOrder) {
  const bronze::Schema& s = TradesSchema();
  EXPECT_EQ(s.dataset, "trades");
  EXPECT_EQ(ColumnNames(s), (std::vector<std::string>{"proxy_wallet",
                                                      "side",
                                                      "token_id",
                                                      "condition_id",
                                                      "size",
                                                      "price",
                                                      "timestamp",
                                                      "title",
                                                      "slug",
                                                      "icon",
                                                      "event_slug",
                                                      "outcome",
                                                      "outcome_index",
                                                      "name",
                                                      "pseudonym",
                                                      "bio",
                                                      "profile_image",
                                                      "profile_image_optimized",
                                                      "transaction_hash",
                                                      "fill_seq",
                                                      "_extra",
                                                      "_fetched_at",
                                                      "_run_id",
                                                      "_source"}));
  EXPECT_EQ(s.partition_column, s.Index("timestamp"));
  EXPECT_EQ(s.columns[s.Index("timestamp")].type, bronze::ColumnType::kBigint);
  EXPECT_EQ(s.columns[s.Index("token_id")].type, bronze::ColumnType::kVarchar);
  EXPECT_EQ(s.columns[s.Index("_fetched_at")].type, bronze::ColumnType::kTimestamp);
}

TEST(ParseTradesPage, V2Sample) {
  Parser parser;
  auto page = ParseTradesPage(parser, ReadSample("data_v2_trades.json"),
                              TestLineage(std::string(kTradesRoute)));
  ASSERT_TRUE(page.ok()) << page.error();
  ASSERT_EQ(page->rows.size(), 2u);
  EXPECT_TRUE(page->skipped.empty());
  EXPECT_EQ(page->mistyped_fields, 0);
  EXPECT_TRUE(page->has_more);
  ASSERT_TRUE(page->next_cursor.has_value());
  EXPECT_EQ(*page->next_cursor,
            "eyJkYXRhIjp7InR5cGUiOiJ0cmFkZXMiLCJwYXJhbXMiOnsibCI6MiwidHMiOjE3OTA2MjAxMTgsInNxIjoi"
            "OTQ2MDk5ODUwMDA0MTA1ODgwIiwiZCI6Mn19LCJzaWciOiIwOTdiNzliMTBjYzE0MDhlODAyZjliMTk1ZTlm"
            "NzU2NyJ9");

  const RowView t0(TradesSchema(), page->rows[0]);
  EXPECT_EQ(t0.Str("proxy_wallet"), "0xc2ad03f79ca3f3c17d8c7de2612ce0c89b7d40ed");
  EXPECT_EQ(t0.Str("side"), "BUY");
  EXPECT_EQ(t0.Str("token_id"), kToken0);
  EXPECT_EQ(t0.Str("condition_id"),
            "0x70cd1632e0469a457fa385f00f241911493a293faeb22ec0a0fe023d661b3d8b");
  EXPECT_DOUBLE_EQ(t0.Dbl("size"), 10.294118);
  EXPECT_DOUBLE_EQ(t0.Dbl("price"), 0.3200000233);
  EXPECT_EQ(t0.Int("timestamp"), 1790620238);
  EXPECT_EQ(t0.Str("title"), "Bitcoin Up or Down - September 28, 2:30PM-2:35PM ET");
  EXPECT_EQ(t0.Str("event_slug"), "btc-updown-5m-1790620200");
  EXPECT_EQ(t0.Str("outcome"), "Up");
  EXPECT_EQ(t0.Int("outcome_index"), 0);
  EXPECT_EQ(t0.Str("pseudonym"), "Impolite-Sister");
  EXPECT_EQ(t0.Str("bio"), "");  // "" stays "" in text columns
  EXPECT_EQ(t0.Str("transaction_hash"),
            "0xa4a199d1eba705835fa9241c9519c33cbd56c31be9cfb87863a75070f15f4240");
  EXPECT_TRUE(t0.IsNull("fill_seq"));
  EXPECT_TRUE(t0.IsNull("_extra"));
  EXPECT_EQ(t0.Int("_fetched_at"), 1'790'620'000'000'000);
  EXPECT_EQ(t0.Str("_run_id"), "run-1");
  EXPECT_EQ(t0.Str("_source"), "data:/v2/trades");

  const RowView t1(TradesSchema(), page->rows[1]);
  EXPECT_EQ(t1.Str("token_id"),
            "87378234650055540935470495291045092567587444793277575994368171700863579455312");
  EXPECT_DOUBLE_EQ(t1.Dbl("price"), 0.7400000004);
  EXPECT_EQ(t1.Int("outcome_index"), 1);
  EXPECT_EQ(t1.Int("timestamp"), 1790620118);
}

TEST(ParseTradesPage, LastPageAndPaginationVariants) {
  Parser parser;
  const Lineage lineage = TestLineage("data:/v2/trades");
  auto last = ParseTradesPage(
      parser,
      R"({"data":[],"pagination":{"limit":1000,"offset":0,"has_more":false,"next_cursor":null}})",
      lineage);
  ASSERT_TRUE(last.ok()) << last.error();
  EXPECT_FALSE(last->has_more);
  EXPECT_FALSE(last->next_cursor.has_value());

  // No pagination object: the page is the last.
  auto bare = ParseTradesPage(parser, R"({"data":[]})", lineage);
  ASSERT_TRUE(bare.ok()) << bare.error();
  EXPECT_FALSE(bare->has_more);

  // has_more without a cursor cannot be followed.
  auto stuck = ParseTradesPage(parser, R"({"data":[],"pagination":{"has_more":true}})", lineage);
  ASSERT_FALSE(stuck.ok());
  EXPECT_NE(stuck.error().find("next_cursor"), std::string::npos) << stuck.error();

  // Pagination before data, cursor without has_more.
  auto reordered =
      ParseTradesPage(parser, R"({"pagination":{"next_cursor":"abc"},"data":[]})", lineage);
  ASSERT_TRUE(reordered.ok()) << reordered.error();
  EXPECT_TRUE(reordered->has_more);
  EXPECT_EQ(reordered->next_cursor, "abc");
}

TEST(ParseTradesPage, ErrorEnvelopesAreErrors) {
  Parser parser;
  const auto errors = ReadSampleJson("data_errors.json");
  for (const auto& [request, capture] : errors.items()) {
    auto page = ParseTradesPage(parser, capture["body"].dump(), TestLineage("data:/v2/trades"));
    ASSERT_FALSE(page.ok()) << request;
    EXPECT_NE(page.error().find(capture["body"]["error"].get<std::string>()), std::string::npos)
        << page.error();
    EXPECT_EQ(page.error().find('\n'), std::string::npos) << "one line: " << page.error();
  }
  auto v2 = ParseTradesPage(
      parser,
      R"({"error":"limit must be between 0 and 1000","code":"invalid_request","retryable":false})",
      TestLineage("data:/v2/trades"));
  ASSERT_FALSE(v2.ok());
  EXPECT_NE(v2.error().find("data:/v2/trades"), std::string::npos) << v2.error();
  EXPECT_NE(v2.error().find("invalid_request"), std::string::npos) << v2.error();
}

TEST(ParseTradesV1Page, LegacySampleMapsOntoTheTradesSchema) {
  Parser parser;
  auto page = ParseTradesV1Page(parser, ReadSample("data_v1_trades.json"),
                                TestLineage(std::string(kTradesV1Route)));
  ASSERT_TRUE(page.ok()) << page.error();
  ASSERT_EQ(page->rows.size(), 2u);
  EXPECT_EQ(page->rows[0].size(), TradesSchema().columns.size());
  const RowView t0(TradesSchema(), page->rows[0]);
  EXPECT_EQ(t0.Str("token_id"), kToken0);
  EXPECT_EQ(t0.Str("condition_id"),
            "0x70cd1632e0469a457fa385f00f241911493a293faeb22ec0a0fe023d661b3d8b");
  EXPECT_EQ(t0.Str("event_slug"), "btc-updown-5m-1790620200");
  EXPECT_EQ(t0.Int("outcome_index"), 0);
  EXPECT_EQ(t0.Str("transaction_hash"),
            "0xa4a199d1eba705835fa9241c9519c33cbd56c31be9cfb87863a75070f15f4240");
  EXPECT_TRUE(t0.IsNull("_extra"));
  // v1 and v2 agree on every API column of the same fill.
  auto v2 = ParseTradesPage(parser, ReadSample("data_v2_trades.json"), TestLineage(""));
  ASSERT_TRUE(v2.ok());
  page = ParseTradesV1Page(parser, ReadSample("data_v1_trades.json"), TestLineage(""));
  ASSERT_TRUE(page.ok());
  for (int c = 0; c < TradesSchema().Index("fill_seq"); ++c) {
    EXPECT_EQ(page->rows[1][c], v2->rows[1][c]) << TradesSchema().columns[c].name;
  }
}

TEST(LeaderboardSchema, Columns) {
  EXPECT_EQ(ColumnNames(LeaderboardSchema()),
            (std::vector<std::string>{"snapshot_ts", "category", "time_period", "order_by", "rank",
                                      "proxy_wallet", "user_name", "x_username", "verified_badge",
                                      "vol", "pnl", "profile_image", "_extra", "_fetched_at",
                                      "_run_id", "_source"}));
  EXPECT_EQ(LeaderboardSchema().partition_column, -1);
  EXPECT_EQ(LeaderboardSchema().columns[4].type, bronze::ColumnType::kBigint);
}

TEST(ParseLeaderboardPage, EveryCapture) {
  Parser parser;
  const auto captures = ReadSampleJson("data_leaderboard_v1.json");
  int pages = 0;
  for (const auto& [query, rows] : captures.items()) {
    auto page = ParseLeaderboardPage(parser, rows.dump(), 42, "OVERALL", "DAY", "PNL",
                                     TestLineage(std::string(kLeaderboardRoute)));
    ASSERT_TRUE(page.ok()) << query << ": " << page.error();
    ASSERT_EQ(page->rows.size(), rows.size()) << query;
    EXPECT_TRUE(page->skipped.empty());
    for (size_t i = 0; i < rows.size(); ++i) {
      const RowView r(LeaderboardSchema(), page->rows[i]);
      EXPECT_EQ(r.Int("rank"), std::stoll(rows[i]["rank"].get<std::string>()));
      EXPECT_EQ(r.Str("proxy_wallet"), rows[i]["proxyWallet"]);
      EXPECT_DOUBLE_EQ(r.Dbl("vol"), rows[i]["vol"].get<double>());
      EXPECT_DOUBLE_EQ(r.Dbl("pnl"), rows[i]["pnl"].get<double>());
      EXPECT_EQ(r.Int("snapshot_ts"), 42);
      EXPECT_EQ(r.Str("category"), "OVERALL");
      EXPECT_TRUE(r.IsNull("_extra"));
    }
    ++pages;
  }
  EXPECT_EQ(pages, 3);

  auto week =
      ParseLeaderboardPage(parser, captures["timePeriod=WEEK&orderBy=VOL&limit=2"].dump(), 7,
                           "OVERALL", "WEEK", "VOL", TestLineage("data:/v1/leaderboard"));
  ASSERT_TRUE(week.ok());
  const RowView rn1(LeaderboardSchema(), week->rows[1]);
  EXPECT_EQ(rn1.Int("rank"), 2);
  EXPECT_EQ(rn1.Str("user_name"), "RN1");
  EXPECT_EQ(rn1.Str("x_username"), "RN1polymarket");
  EXPECT_FALSE(rn1.Bool("verified_badge"));
  EXPECT_DOUBLE_EQ(rn1.Dbl("vol"), 26644164.223832004);
  EXPECT_EQ(rn1.Str("time_period"), "WEEK");
  EXPECT_EQ(rn1.Str("order_by"), "VOL");
}

TEST(ParseLeaderboardPage, MissingOptionalFieldsAreNull) {
  Parser parser;
  auto page = ParseLeaderboardPage(
      parser, R"([{"rank":"17","proxyWallet":"0xabc","userName":"x","vol":1.5,"pnl":-2}])", 1,
      "SPORTS", "ALL", "PNL", TestLineage("data:/v1/leaderboard"));
  ASSERT_TRUE(page.ok()) << page.error();
  ASSERT_EQ(page->rows.size(), 1u);
  const RowView r(LeaderboardSchema(), page->rows[0]);
  EXPECT_EQ(r.Int("rank"), 17);
  EXPECT_TRUE(r.IsNull("x_username"));
  EXPECT_TRUE(r.IsNull("verified_badge"));
  EXPECT_TRUE(r.IsNull("profile_image"));
  EXPECT_DOUBLE_EQ(r.Dbl("pnl"), -2.0);
}

// Equal values share a rank ("3", "3", "5"), and a board that shifted between two pages lists a
// wallet twice: every row is kept as served, nothing is keyed by rank alone.
TEST(ParseLeaderboardPage, TiedRanksAndRepeatedWalletsAreAllKept) {
  Parser parser;
  auto page = ParseLeaderboardPage(parser,
                                   R"([{"rank":"3","proxyWallet":"0xa","pnl":5},
                                       {"rank":"3","proxyWallet":"0xb","pnl":5},
                                       {"rank":"5","proxyWallet":"0xc","pnl":4},
                                       {"rank":"6","proxyWallet":"0xc","pnl":4}])",
                                   1, "OVERALL", "DAY", "PNL", TestLineage("data:/v1/leaderboard"));
  ASSERT_TRUE(page.ok()) << page.error();
  ASSERT_EQ(page->rows.size(), 4u);
  EXPECT_TRUE(page->skipped.empty());
  const std::vector<std::pair<int64_t, std::string>> want = {
      {3, "0xa"}, {3, "0xb"}, {5, "0xc"}, {6, "0xc"}};
  for (size_t i = 0; i < want.size(); ++i) {
    const RowView r(LeaderboardSchema(), page->rows[i]);
    EXPECT_EQ(r.Int("rank"), want[i].first) << i;
    EXPECT_EQ(r.Str("proxy_wallet"), want[i].second) << i;
  }
}

TEST(ParseLeaderboardPage, RankMustBeANumber) {
  Parser parser;
  auto page = ParseLeaderboardPage(
      parser,
      R"([{"rank":"first","proxyWallet":"0xa"},{"proxyWallet":"0xb"},{"rank":"3","proxyWallet":"0xc"}])",
      1, "OVERALL", "DAY", "PNL", TestLineage("data:/v1/leaderboard"));
  ASSERT_TRUE(page.ok()) << page.error();
  ASSERT_EQ(page->rows.size(), 1u);
  ASSERT_EQ(page->skipped.size(), 2u);
  EXPECT_NE(page->skipped[0].reason.find("'rank'"), std::string::npos) << page->skipped[0].reason;
  EXPECT_NE(page->skipped[0].raw.find("first"), std::string::npos);
  EXPECT_NE(page->skipped[1].reason.find("missing required field 'rank'"), std::string::npos);
  EXPECT_EQ(page->skipped[1].raw, R"({"proxyWallet":"0xb"})");
}

TEST(ParseLeaderboardPage, ObjectBodyIsAnError) {
  Parser parser;
  auto page = ParseLeaderboardPage(parser, R"({"error":"invalid category"})", 1, "X", "DAY", "PNL",
                                   TestLineage("data:/v1/leaderboard"));
  ASSERT_FALSE(page.ok());
  EXPECT_NE(page.error().find("invalid category"), std::string::npos) << page.error();
}

}  // namespace
}  // namespace polypipe::api
