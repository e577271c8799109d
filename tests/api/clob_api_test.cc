// CLOB parsers against the captured samples: the market list with tokens and price history.

#include "api/clob_api.h"

#include <gtest/gtest.h>

#include "tests/api/fixture.h"

namespace polypipe::api {
namespace {

using testing::ColumnNames;
using testing::ReadSample;
using testing::RowView;
using testing::TestLineage;

const std::string kCondition = "0xf6a64d2de1345a777be97e4540110a7db36a081ed4576e5182e7ccae5f3db41e";
const std::string kUp =
    "72701660270447019294988313895569364283368667835389845842623926001625353315502";
const std::string kDown =
    "7284271883532121250544476240536204229540539395515254996389621382927138878432";

void ExpectSampleMarket(const ClobMarketsPage& page) {
  ASSERT_EQ(page.markets.rows.size(), 1u);
  EXPECT_TRUE(page.markets.skipped.empty());
  EXPECT_EQ(page.markets.mistyped_fields, 0);
  const RowView m(ClobMarketsSchema(), page.markets.rows[0]);
  EXPECT_EQ(m.Str("condition_id"), kCondition);
  EXPECT_EQ(m.Str("question_id"),
            "0x3654fd8672b9e9d1db1ba684275fbafd860125e34977c4e9d30b76aa942b4c24");
  EXPECT_EQ(m.Str("question"), "Bitcoin Up or Down - September 28, 1:30PM-1:45PM ET");
  EXPECT_EQ(m.Str("description").rfind("This market will resolve to \"Up\" if", 0), 0u);
  EXPECT_NE(m.Str("description").find("\"Down\".\nThe resolution source"), std::string::npos);
  EXPECT_EQ(m.Str("market_slug"), "btc-updown-15m-1790616600");
  EXPECT_EQ(m.Int("end_date_iso"), 1'790'553'600'000'000);               // 2026-09-28T00:00:00Z
  EXPECT_TRUE(m.IsNull("game_start_time"));                              // null
  EXPECT_EQ(m.Int("accepting_order_timestamp"), 1'790'530'670'000'000);  // 2026-09-27T17:37:50Z
  EXPECT_TRUE(m.Bool("active"));
  EXPECT_TRUE(m.Bool("closed"));
  EXPECT_FALSE(m.Bool("archived"));
  EXPECT_FALSE(m.Bool("accepting_orders"));
  EXPECT_FALSE(m.Bool("enable_order_book"));
  EXPECT_DOUBLE_EQ(m.Dbl("minimum_order_size"), 5);
  EXPECT_DOUBLE_EQ(m.Dbl("minimum_tick_size"), 0.001);
  EXPECT_EQ(m.Int("seconds_delay"), 0);
  EXPECT_EQ(m.Str("fpmm"), "");
  EXPECT_EQ(m.Int("maker_base_fee"), 1000);
  EXPECT_EQ(m.Int("taker_base_fee"), 1000);
  EXPECT_TRUE(m.Bool("notifications_enabled"));
  EXPECT_FALSE(m.Bool("neg_risk"));
  EXPECT_EQ(m.Str("neg_risk_market_id"), "");
  EXPECT_TRUE(m.IsNull("icon"));  // not sent
  EXPECT_EQ(m.Str("rewards"), R"({"rates":null,"min_size":50,"max_spread":4.5})");
  EXPECT_FALSE(m.Bool("is_50_50_outcome"));
  EXPECT_EQ(m.List("tags"),
            (std::vector<std::string>{"Up or Down", "Hide From New", "Recurring", "Crypto",
                                      "Bitcoin", "Crypto Prices", "15M"}));
  EXPECT_TRUE(m.IsNull("_extra"));
  EXPECT_EQ(m.Str("_source"), "clob:/markets");

  ASSERT_EQ(page.tokens.rows.size(), 2u);
  EXPECT_TRUE(page.tokens.skipped.empty());
  const RowView up(MarketTokensSchema(), page.tokens.rows[0]);
  EXPECT_EQ(up.Str("condition_id"), kCondition);
  EXPECT_EQ(up.Str("token_id"), kUp);
  EXPECT_EQ(up.Str("outcome"), "Up");
  EXPECT_EQ(up.Int("outcome_index"), 0);
  EXPECT_DOUBLE_EQ(up.Dbl("price"), 1.0);
  EXPECT_TRUE(up.Bool("winner"));
  EXPECT_TRUE(up.IsNull("_extra"));
  EXPECT_EQ(up.Str("_run_id"), "run-1");
  const RowView down(MarketTokensSchema(), page.tokens.rows[1]);
  EXPECT_EQ(down.Str("token_id"), kDown);  // 76 digits, exact
  EXPECT_EQ(down.Int("outcome_index"), 1);
  EXPECT_DOUBLE_EQ(down.Dbl("price"), 0.0);
  EXPECT_FALSE(down.Bool("winner"));
}

TEST(ClobSchemas, Columns) {
  const auto markets = ColumnNames(ClobMarketsSchema());
  EXPECT_EQ(ClobMarketsSchema().dataset, "markets");
  EXPECT_EQ(markets.front(), "condition_id");
  EXPECT_EQ(std::count(markets.begin(), markets.end(), "tokens"), 0);
  EXPECT_EQ(ClobMarketsSchema().columns[ClobMarketsSchema().Index("tags")].type,
            bronze::ColumnType::kVarcharList);
  EXPECT_EQ(ClobMarketsSchema().columns[ClobMarketsSchema().Index("rewards")].type,
            bronze::ColumnType::kJson);
  EXPECT_EQ(
      ColumnNames(MarketTokensSchema()),
      (std::vector<std::string>{"condition_id", "token_id", "outcome", "outcome_index", "price",
                                "winner", "_extra", "_fetched_at", "_run_id", "_source"}));
  EXPECT_EQ(ColumnNames(PricesSchema()),
            (std::vector<std::string>{"token_id", "timestamp", "price", "fidelity", "_extra",
                                      "_fetched_at", "_run_id", "_source"}));
  EXPECT_EQ(PricesSchema().partition_column, 1);
  EXPECT_EQ(MarketTokensSchema().partition_column, -1);
}

TEST(ParseClobMarketsPage, Sample) {
  Parser parser;
  auto page = ParseClobMarketsPage(parser, ReadSample("clob_markets_page.json"),
                                   TestLineage(std::string(kClobMarketsRoute)));
  ASSERT_TRUE(page.ok()) << page.error();
  ExpectSampleMarket(*page);
  EXPECT_EQ(page->next_cursor, "MTAwMA==");
  EXPECT_FALSE(page->end);
}

TEST(ParseClobMarket, SingleMarketSample) {
  Parser parser;
  auto page = ParseClobMarket(parser, ReadSample("clob_market.json"),
                              TestLineage(std::string(kClobMarketsRoute)));
  ASSERT_TRUE(page.ok()) << page.error();
  ExpectSampleMarket(*page);
  EXPECT_TRUE(page->end);
}

TEST(ParseClobMarketsPage, EndMarkers) {
  Parser parser;
  const Lineage lineage = TestLineage("clob:/markets");
  const std::string market = R"({"condition_id":"0x1","tokens":[]})";
  auto lte = ParseClobMarketsPage(
      parser, R"({"data":[)" + market + R"(],"next_cursor":"LTE=","limit":1000,"count":1})",
      lineage);
  ASSERT_TRUE(lte.ok()) << lte.error();
  EXPECT_TRUE(lte->end);
  EXPECT_EQ(lte->markets.rows.size(), 1u);
  EXPECT_TRUE(lte->tokens.rows.empty());

  auto empty = ParseClobMarketsPage(parser, R"({"data":[],"next_cursor":"MjAwMA=="})", lineage);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->end);

  auto missing = ParseClobMarketsPage(parser, R"({"data":[)" + market + "]}", lineage);
  ASSERT_TRUE(missing.ok());
  EXPECT_TRUE(missing->end);

  auto null_cursor =
      ParseClobMarketsPage(parser, R"({"data":[)" + market + R"(],"next_cursor":null})", lineage);
  ASSERT_TRUE(null_cursor.ok());
  EXPECT_TRUE(null_cursor->end);

  auto more = ParseClobMarketsPage(
      parser, R"({"next_cursor":"aWQ6MTAwMA==","data":[)" + market + "]}", lineage);
  ASSERT_TRUE(more.ok());
  EXPECT_FALSE(more->end);
  EXPECT_EQ(more->next_cursor, "aWQ6MTAwMA==");

  auto refused = ParseClobMarketsPage(
      parser, R"({"error":"next item should be greater than or equal to 0"})", lineage);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().find("greater than or equal"), std::string::npos) << refused.error();
}

TEST(ParseClobMarketsPage, TokensFollowTheirMarket) {
  Parser parser;
  // A market without condition_id is skipped with its tokens; a token without token_id is
  // skipped alone, and positions still count it.
  const std::string body = R"({"data":[
    {"question":"no id","tokens":[{"token_id":"1","outcome":"Yes"}]},
    {"tokens":[{"outcome":"Yes","price":0.5},{"token_id":"22","outcome":"No","price":0.5}],
     "condition_id":"0xc"},
    {"condition_id":"0xd","tokens":"not a list"}
  ],"next_cursor":"LTE="})";
  auto page = ParseClobMarketsPage(parser, body, TestLineage("clob:/markets"));
  ASSERT_TRUE(page.ok()) << page.error();
  ASSERT_EQ(page->markets.rows.size(), 2u);
  ASSERT_EQ(page->markets.skipped.size(), 1u);
  EXPECT_NE(page->markets.skipped[0].reason.find("condition_id"), std::string::npos);
  ASSERT_EQ(page->tokens.rows.size(), 1u);
  ASSERT_EQ(page->tokens.skipped.size(), 1u);
  EXPECT_NE(page->tokens.skipped[0].reason.find("token_id"), std::string::npos);
  const RowView no(MarketTokensSchema(), page->tokens.rows[0]);
  EXPECT_EQ(no.Str("condition_id"), "0xc");  // condition_id came after tokens
  EXPECT_EQ(no.Str("token_id"), "22");
  EXPECT_EQ(no.Int("outcome_index"), 1);
  // A non-array `tokens` is kept in the market's _extra.
  const RowView d(ClobMarketsSchema(), page->markets.rows[1]);
  EXPECT_EQ(d.Str("_extra"), R"({"tokens":"not a list"})");
  EXPECT_EQ(page->markets.mistyped_fields, 1);
}

TEST(ParsePricesHistory, Sample) {
  Parser parser;
  auto page = ParsePricesHistory(parser, ReadSample("clob_prices_history.json"), kUp, 1,
                                 TestLineage(std::string(kPricesHistoryRoute)));
  ASSERT_TRUE(page.ok()) << page.error();
  ASSERT_EQ(page->rows.size(), 15u);
  EXPECT_TRUE(page->skipped.empty());
  const RowView first(PricesSchema(), page->rows.front());
  EXPECT_EQ(first.Str("token_id"), kUp);
  EXPECT_EQ(first.Int("timestamp"), 1790616615);
  EXPECT_DOUBLE_EQ(first.Dbl("price"), 0.455);
  EXPECT_EQ(first.Int("fidelity"), 1);
  EXPECT_EQ(first.Str("_source"), "clob:/prices-history");
  const RowView last(PricesSchema(), page->rows.back());
  EXPECT_EQ(last.Int("timestamp"), 1790617454);
  EXPECT_DOUBLE_EQ(last.Dbl("price"), 0.995);
}

TEST(ParsePricesHistory, EmptyHistoriesAndErrors) {
  Parser parser;
  const Lineage lineage = TestLineage("clob:/prices-history");
  for (const char* empty : {R"({"history":[]})", "[]", " [ ] "}) {
    auto page = ParsePricesHistory(parser, empty, "1", 60, lineage);
    ASSERT_TRUE(page.ok()) << empty << ": " << page.error();
    EXPECT_TRUE(page->rows.empty());
  }
  auto too_long = ParsePricesHistory(
      parser, R"({"error":"invalid filters: 'startTs' and 'endTs' interval is too long"})", "1", 60,
      lineage);
  ASSERT_FALSE(too_long.ok());
  EXPECT_NE(too_long.error().find("interval is too long"), std::string::npos);
  // Points without t or p are skipped; t as a float with an integral value is accepted.
  auto odd = ParsePricesHistory(parser, R"({"history":[{"t":1.0e9,"p":0.5},{"p":0.5},{"t":5}]})",
                                "1", 60, lineage);
  ASSERT_TRUE(odd.ok()) << odd.error();
  ASSERT_EQ(odd->rows.size(), 1u);
  EXPECT_EQ(RowView(PricesSchema(), odd->rows[0]).Int("timestamp"), 1'000'000'000);
  EXPECT_EQ(odd->skipped.size(), 2u);
}

TEST(ParseBatchPricesHistory, EveryTokenInBodyOrder) {
  Parser parser;
  const std::string body =
      R"({"history":{"111":[{"t":100,"p":0.25},{"t":160,"p":0.5}],"222":[],"333":[{"t":100,"p":1}]}})";
  auto page =
      ParseBatchPricesHistory(parser, body, 60, TestLineage(std::string(kBatchPricesRoute)));
  ASSERT_TRUE(page.ok()) << page.error();
  ASSERT_EQ(page->rows.size(), 3u);
  EXPECT_EQ(RowView(PricesSchema(), page->rows[0]).Str("token_id"), "111");
  EXPECT_EQ(RowView(PricesSchema(), page->rows[1]).Int("timestamp"), 160);
  EXPECT_EQ(RowView(PricesSchema(), page->rows[2]).Str("token_id"), "333");
  EXPECT_DOUBLE_EQ(RowView(PricesSchema(), page->rows[2]).Dbl("price"), 1.0);
  EXPECT_EQ(RowView(PricesSchema(), page->rows[2]).Int("fidelity"), 60);

  EXPECT_FALSE(ParseBatchPricesHistory(parser, R"({"history":[]})", 60, TestLineage("")).ok());
  EXPECT_FALSE(ParseBatchPricesHistory(parser, R"({})", 60, TestLineage("")).ok());
  EXPECT_FALSE(
      ParseBatchPricesHistory(parser, R"({"error":"invalid filters"})", 60, TestLineage("")).ok());
}

}  // namespace
}  // namespace polypipe::api
