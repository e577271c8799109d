// Gamma parsers against the captured samples: markets, events and tags.

#include "api/gamma_api.h"

#include <gtest/gtest.h>

#include <set>

#include "tests/api/fixture.h"

namespace polypipe::api {
namespace {

using testing::ColumnNames;
using testing::ReadSample;
using testing::ReadSampleJson;
using testing::RowView;
using testing::TestLineage;

constexpr int64_t kSecond = 1'000'000;

void ExpectNewsom(const bronze::Row& row) {
  const RowView m(GammaMarketsSchema(), row);
  EXPECT_EQ(m.Str("id"), "559652");
  EXPECT_EQ(m.Str("condition_id"),
            "0x0f49db97f71c68b1e42a6d16e3de93d85dbf7d4148e3f018eb79e88554be9f75");
  EXPECT_EQ(m.Str("question"),
            "Will Gavin Newsom win the 2028 Democratic presidential nomination?");
  // Curly quotes survive as UTF-8.
  EXPECT_NE(m.Str("description").find("resolve to \xe2\x80\x9cYes\xe2\x80\x9d"), std::string::npos);
  EXPECT_EQ(m.List("outcomes"), (std::vector<std::string>{"Yes", "No"}));
  EXPECT_EQ(m.List("outcome_prices"), (std::vector<std::string>{"0.2325", "0.7675"}));
  EXPECT_EQ(m.List("clob_token_ids"),
            (std::vector<std::string>{
                "54533043819946592547517511176940999955633860128497669742211153063842200957669",
                "87854174148074652060467921081181402357467303721471806610111179101805869578687"}));
  EXPECT_DOUBLE_EQ(m.Dbl("volume"), 25814545.294374414);  // from the string "25814545.294374414"
  EXPECT_DOUBLE_EQ(m.Dbl("liquidity"), 230438.22824);
  EXPECT_DOUBLE_EQ(m.Dbl("volume_num"), 25814545.294374414);
  EXPECT_DOUBLE_EQ(m.Dbl("uma_bond"), 25000);
  EXPECT_DOUBLE_EQ(m.Dbl("group_item_threshold"), 0);
  EXPECT_EQ(m.Int("start_date"), 1'752'258'956 * kSecond + 805'000);  // ...56.805Z
  EXPECT_EQ(m.Int("created_at"), 1'751'575'018 * kSecond + 884'340);  // ...58.88434Z
  EXPECT_EQ(m.Int("updated_at"), 1'781'435'066 * kSecond + 5'876);    // ...26.005876Z
  EXPECT_EQ(m.Int("end_date_iso"), 1'857'168'000 * kSecond);          // 2028-11-07
  EXPECT_EQ(m.Int("accepting_orders_timestamp"), 1'752'258'934 * kSecond);
  EXPECT_TRUE(m.IsNull("closed_time"));  // open market: not sent
  EXPECT_TRUE(m.Bool("active"));
  EXPECT_FALSE(m.Bool("closed"));
  EXPECT_TRUE(m.Bool("neg_risk"));
  EXPECT_EQ(m.Str("neg_risk_market_id"),
            "0x2c3d7e0eee6f058be3006baabf0d54a07da254ba47fe6e3e095e7990c7814700");
  EXPECT_EQ(m.Str("question_id"),
            "0x2c3d7e0eee6f058be3006baabf0d54a07da254ba47fe6e3e095e7990c7814700");
  EXPECT_EQ(m.Str("submitted_by"), "0x91430CaD2d3975766499717fA0D66A78D814E5c5");
  EXPECT_EQ(m.Int("maker_base_fee"), 1000);
  EXPECT_DOUBLE_EQ(m.Dbl("order_price_min_tick_size"), 0.001);
  EXPECT_DOUBLE_EQ(m.Dbl("one_week_price_change"), -0.019);
  EXPECT_TRUE(m.List("uma_resolution_statuses").empty());  // "[]"
  EXPECT_EQ(m.Str("fee_type"), "politics_fees");
  EXPECT_EQ(m.Str("fee_schedule"),
            R"({"exponent":1,"rate":0.04,"takerOnly":true,"rebateRate":0.25})");
  const auto events = m.Json("events");
  ASSERT_TRUE(events.is_array());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["id"], "30829");
  EXPECT_EQ(events[0]["volume"], 1196404731.1335425);
  EXPECT_EQ(events[0]["eventMetadata"]["context_requires_regen"], true);
  const auto rewards = m.Json("clob_rewards");
  ASSERT_TRUE(rewards.is_array());
  EXPECT_EQ(rewards[0]["endDate"], "2500-12-31");
  EXPECT_TRUE(m.IsNull("_extra")) << "every sampled field has a column";
  EXPECT_TRUE(m.IsNull("category"));  // documented but not sent
}

TEST(GammaSchemas, UniqueSnakeCaseColumns) {
  for (const bronze::Schema* s :
       {&GammaMarketsSchema(), &GammaEventsSchema(), &GammaCategoriesSchema()}) {
    std::set<std::string> names;
    for (const auto& c : s->columns) {
      EXPECT_TRUE(names.insert(c.name).second) << s->dataset << " repeats " << c.name;
      for (const char ch : c.name) {
        EXPECT_TRUE((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_')
            << s->dataset << "." << c.name;
      }
    }
    EXPECT_EQ(s->columns[s->columns.size() - 4].name, "_extra");
    EXPECT_EQ(s->columns.back().name, "_source");
    EXPECT_EQ(s->partition_column, -1);
  }
  EXPECT_GE(GammaMarketsSchema().columns.size(), 130u);
  const auto& m = GammaMarketsSchema();
  EXPECT_EQ(m.columns[m.Index("volume")].type, bronze::ColumnType::kDouble);
  EXPECT_EQ(m.columns[m.Index("clob_token_ids")].type, bronze::ColumnType::kVarcharList);
  EXPECT_EQ(m.columns[m.Index("closed_time")].type, bronze::ColumnType::kTimestamp);
  EXPECT_GE(m.Index("neg_risk_market_id"), 0);
  EXPECT_GE(m.Index("volume_24hr_clob"), 0);
  EXPECT_GE(m.Index("team_a_id"), 0);
  const auto& e = GammaEventsSchema();
  EXPECT_EQ(e.columns[e.Index("market_ids")].type, bronze::ColumnType::kVarcharList);
  EXPECT_EQ(e.columns[e.Index("market_condition_ids")].type, bronze::ColumnType::kVarcharList);
  EXPECT_EQ(e.Index("markets"), -1);
  EXPECT_EQ(GammaCategoriesSchema().dataset, "gamma_categories");
}

TEST(ParseGammaMarketsPage, ListSample) {
  Parser parser;
  auto page = ParseGammaMarketsPage(parser, ReadSample("gamma_markets_list.json"),
                                    TestLineage(std::string(kGammaMarketsRoute)));
  ASSERT_TRUE(page.ok()) << page.error();
  ASSERT_EQ(page->rows.size(), 2u);
  EXPECT_TRUE(page->skipped.empty());
  EXPECT_EQ(page->mistyped_fields, 0);
  EXPECT_FALSE(page->next_cursor.has_value());
  ExpectNewsom(page->rows[0]);

  const RowView btc(GammaMarketsSchema(), page->rows[1]);
  EXPECT_EQ(btc.Str("id"), "1066851");
  EXPECT_EQ(btc.List("outcomes"), (std::vector<std::string>{"Up", "Down"}));
  EXPECT_EQ(btc.List("clob_token_ids")[0],
            "8851848546962572193739008211889046036776198486765606333032192644001246174440");
  EXPECT_DOUBLE_EQ(btc.Dbl("volume"), 92509.470055);
  EXPECT_TRUE(btc.IsNull("events"));  // not sent
  EXPECT_TRUE(btc.IsNull("fee_schedule"));
  EXPECT_EQ(btc.Int("event_start_time"), 1'767'200'400 * kSecond);
}

TEST(ParseGammaMarketsPage, KeysetEnvelope) {
  Parser parser;
  const std::string list = ReadSample("gamma_markets_list.json");
  auto page =
      ParseGammaMarketsPage(parser, R"({"markets":)" + list + R"(,"next_cursor":"eyJpZCI6MX0="})",
                            TestLineage("gamma:/markets/keyset"));
  ASSERT_TRUE(page.ok()) << page.error();
  ASSERT_EQ(page->rows.size(), 2u);
  EXPECT_EQ(page->next_cursor, "eyJpZCI6MX0=");
  ExpectNewsom(page->rows[0]);

  auto last = ParseGammaMarketsPage(parser, R"({"markets":[]})", TestLineage(""));
  ASSERT_TRUE(last.ok());
  EXPECT_FALSE(last->next_cursor.has_value());
  auto refused = ParseGammaMarketsPage(
      parser, R"({"type":"validation error","error":"offset is not supported"})", TestLineage(""));
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().find("validation error: offset is not supported"), std::string::npos)
      << refused.error();
}

TEST(ParseGammaMarket, SingleObjectSample) {
  Parser parser;
  auto page = ParseGammaMarket(parser, ReadSample("gamma_market.json"), TestLineage(""));
  ASSERT_TRUE(page.ok()) << page.error();
  ASSERT_EQ(page->rows.size(), 1u);
  ExpectNewsom(page->rows[0]);
}

TEST(ParseGammaMarket, ClosedMarketNestedInTheEventSample) {
  // The event sample's nested market carries Gamma's third timestamp spelling.
  const auto event = ReadSampleJson("gamma_event.json");
  Parser parser;
  auto page = ParseGammaMarket(parser, event["markets"][0].dump(), TestLineage(""));
  ASSERT_TRUE(page.ok()) << page.error();
  ASSERT_EQ(page->rows.size(), 1u);
  const RowView m(GammaMarketsSchema(), page->rows[0]);
  EXPECT_EQ(m.Str("id"), "5043310");
  EXPECT_EQ(m.Int("closed_time"), 1'790'617'587 * kSecond);   // "2026-09-28 17:46:27+00"
  EXPECT_EQ(m.Int("uma_end_date"), 1'790'617'587 * kSecond);  // "2026-09-28T17:46:27Z"
  EXPECT_EQ(m.Str("uma_resolution_status"), "resolved");
  EXPECT_EQ(m.List("outcome_prices"), (std::vector<std::string>{"1", "0"}));
  EXPECT_EQ(m.Str("combo_status"), "disabled");
  EXPECT_EQ(m.Int("maker_rebates_fee_share_bps"), 10000);
  EXPECT_EQ(m.Json("crypto_market_config")["twapLookbackSeconds"], 60);
  EXPECT_TRUE(m.IsNull("_extra"));
}

void ExpectBtcEvent(const bronze::Row& row) {
  const RowView e(GammaEventsSchema(), row);
  EXPECT_EQ(e.Str("id"), "1093037");
  EXPECT_EQ(e.Str("json_schema"), "https://gamma-api.polymarket.com/schemas/Event.json");
  EXPECT_EQ(e.Str("ticker"), "btc-updown-15m-1790616600");
  EXPECT_EQ(e.Int("start_date"), 1'790'530'743 * kSecond + 844'892);
  EXPECT_EQ(e.Int("closed_time"), 1'790'617'587 * kSecond);
  EXPECT_DOUBLE_EQ(e.Dbl("volume"), 19533.326401000002);  // a number on events
  EXPECT_DOUBLE_EQ(e.Dbl("open_interest"), 16388.5626);
  EXPECT_EQ(e.Int("comment_count"), 0);
  EXPECT_TRUE(e.Bool("closed"));
  EXPECT_TRUE(e.IsNull("neg_risk_market_id"));
  EXPECT_EQ(e.List("market_ids"), (std::vector<std::string>{"5043310"}));
  EXPECT_EQ(e.List("market_condition_ids"),
            (std::vector<std::string>{
                "0xf6a64d2de1345a777be97e4540110a7db36a081ed4576e5182e7ccae5f3db41e"}));
  const auto tags = e.Json("tags");
  ASSERT_TRUE(tags.is_array());
  ASSERT_EQ(tags.size(), 7u);
  EXPECT_EQ(tags[1]["label"], "Crypto Prices");
  EXPECT_EQ(tags[1]["publishedAt"], "2024-02-12 22:36:40.783+00");
  const auto series = e.Json("series");
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(series[0]["commentCount"], 25857);
  EXPECT_EQ(e.Json("event_metadata")["priceToBeat"], 83884.31639475992);
  EXPECT_EQ(e.Str("version"), "v1");
  EXPECT_TRUE(e.IsNull("_extra"));
}

TEST(ParseGammaEvent, SingleObjectSample) {
  Parser parser;
  auto page = ParseGammaEvent(parser, ReadSample("gamma_event.json"), TestLineage(""));
  ASSERT_TRUE(page.ok()) << page.error();
  ASSERT_EQ(page->rows.size(), 1u);
  EXPECT_EQ(page->mistyped_fields, 0);
  ExpectBtcEvent(page->rows[0]);
}

TEST(ParseGammaEventsPage, ListSampleAndKeysetEnvelope) {
  Parser parser;
  const std::string list = ReadSample("gamma_events_list.json");
  auto bare = ParseGammaEventsPage(parser, list, TestLineage(std::string(kGammaEventsRoute)));
  ASSERT_TRUE(bare.ok()) << bare.error();
  ASSERT_EQ(bare->rows.size(), 1u);
  ExpectBtcEvent(bare->rows[0]);

  auto keyset = ParseGammaEventsPage(
      parser, R"({"next_cursor":"eyJpZCI6MTA5MzAzN30=","events":)" + list + "}", TestLineage(""));
  ASSERT_TRUE(keyset.ok()) << keyset.error();
  ASSERT_EQ(keyset->rows.size(), 1u);
  EXPECT_EQ(keyset->next_cursor, "eyJpZCI6MTA5MzAzN30=");
  ExpectBtcEvent(keyset->rows[0]);
}

TEST(ParseGammaEventsPage, EventWithoutNestedMarkets) {
  Parser parser;
  auto page = ParseGammaEventsPage(
      parser, R"({"events":[{"id":"1","title":"t"},{"id":"2","markets":[{"id":3},{"slug":"x"}]}]})",
      TestLineage(""));
  ASSERT_TRUE(page.ok()) << page.error();
  ASSERT_EQ(page->rows.size(), 2u);
  EXPECT_TRUE(RowView(GammaEventsSchema(), page->rows[0]).IsNull("market_ids"));
  const RowView two(GammaEventsSchema(), page->rows[1]);
  EXPECT_EQ(two.List("market_ids"), (std::vector<std::string>{"3", ""}));
  EXPECT_EQ(two.List("market_condition_ids"), (std::vector<std::string>{"", ""}));
}

TEST(ParseGammaTags, Sample) {
  Parser parser;
  auto page = ParseGammaTags(parser, ReadSample("gamma_tags.json"),
                             TestLineage(std::string(kGammaTagsRoute)));
  ASSERT_TRUE(page.ok()) << page.error();
  ASSERT_EQ(page->rows.size(), 5u);
  EXPECT_TRUE(page->skipped.empty());
  const RowView first(GammaCategoriesSchema(), page->rows[0]);
  EXPECT_EQ(first.Str("id"), "101259");
  EXPECT_EQ(first.Str("label"), "Health and Human Services");
  EXPECT_EQ(first.Str("slug"), "health-and-human-services");
  EXPECT_EQ(first.Int("created_at"), 1'731'527'914 * kSecond + 318'816);
  EXPECT_EQ(first.Int("updated_at"), 1'773'094'901 * kSecond + 828'275);
  EXPECT_FALSE(first.Bool("requires_translation"));
  EXPECT_TRUE(first.IsNull("force_show"));  // missing
  EXPECT_TRUE(first.IsNull("_extra"));
  const RowView summit(GammaCategoriesSchema(), page->rows[4]);
  EXPECT_EQ(summit.Str("label"), "Crypto Summit");
  EXPECT_FALSE(summit.Bool("force_show"));
  EXPECT_EQ(summit.Int("created_at"), 1'741'299'620 * kSecond + 53'250);
}

}  // namespace
}  // namespace polypipe::api
