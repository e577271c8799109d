// Bad input never crashes a parser: broken bodies are errors for the whole page, bad objects are
// skips with a reason, unexpected optional values are NULL and kept in _extra.

#include <gtest/gtest.h>

#include <random>

#include "api/clob_api.h"
#include "api/data_api.h"
#include "api/gamma_api.h"
#include "tests/api/fixture.h"

namespace polypipe::api {
namespace {

using testing::ReadSample;
using testing::RowView;
using testing::TestLineage;

// A valid v2 trade with `patch` spliced in before the closing brace (or replacing it all).
std::string Trade(const std::string& patch = "") {
  std::string t =
      R"({"proxy_wallet":"0xw","side":"SELL","token_id":"123","condition_id":"0xc","size":2.5,)"
      R"("price":0.25,"timestamp":1700000000,"outcome_index":1,"transaction_hash":"0xh")";
  if (!patch.empty()) t += "," + patch;
  return t + "}";
}

std::string Page(const std::vector<std::string>& trades) {
  std::string body = R"({"data":[)";
  for (size_t i = 0; i < trades.size(); ++i) body += (i ? "," : "") + trades[i];
  return body + R"(],"pagination":{"has_more":false,"next_cursor":null}})";
}

Result<TradesPage> Parse(Parser& parser, const std::string& body) {
  return ParseTradesPage(parser, body, TestLineage("data:/v2/trades"));
}

TEST(Malformed, MissingRequiredFieldSkipsTheObjectOnly) {
  Parser parser;
  std::string no_hash = Trade();
  no_hash.replace(no_hash.find(R"(,"transaction_hash":"0xh")"), 25, "");
  auto page = Parse(parser, Page({Trade(), no_hash, Trade()}));
  ASSERT_TRUE(page.ok()) << page.error();
  EXPECT_EQ(page->rows.size(), 2u);
  ASSERT_EQ(page->skipped.size(), 1u);
  EXPECT_EQ(page->skipped[0].reason, "trades: missing required field 'transaction_hash'");
  EXPECT_EQ(page->skipped[0].raw, no_hash);
}

TEST(Malformed, RequiredFieldOfTheWrongTypeOrEmptySkips) {
  Parser parser;
  for (const std::string& bad :
       {std::string(R"("price":"abc")"), std::string(R"("price":null)"),
        std::string(R"("timestamp":"soon")"), std::string(R"("timestamp":1.5)"),
        std::string(R"("size":[1])"), std::string(R"("token_id":true)"),
        std::string(R"("token_id":"")"), std::string(R"("side":{"a":1})"),
        std::string(R"("size":1e400)")}) {
    auto page = Parse(parser, Page({Trade(bad)}));  // the later duplicate key wins
    ASSERT_TRUE(page.ok()) << bad << ": " << page.error();
    EXPECT_TRUE(page->rows.empty()) << bad;
    ASSERT_EQ(page->skipped.size(), 1u) << bad;
    EXPECT_EQ(page->skipped[0].reason.rfind("trades: ", 0), 0u) << page->skipped[0].reason;
  }
}

TEST(Malformed, OptionalFieldOfTheWrongTypeIsNullAndKept) {
  Parser parser;
  auto page = Parse(parser, Page({Trade(R"("outcome_index":"second","title":7,"bio":null)")}));
  ASSERT_TRUE(page.ok()) << page.error();
  ASSERT_EQ(page->rows.size(), 1u);
  EXPECT_EQ(page->mistyped_fields, 1);
  const RowView t(TradesSchema(), page->rows[0]);
  EXPECT_TRUE(t.IsNull("outcome_index"));
  EXPECT_EQ(t.Str("title"), "7");  // a number where text belongs: its digits
  EXPECT_TRUE(t.IsNull("bio"));
  EXPECT_EQ(t.Str("_extra"), R"({"outcome_index":"second"})");
}

TEST(Malformed, NumbersAsStringsAndOtherSpellings) {
  Parser parser;
  auto page = Parse(
      parser,
      Page({Trade(R"("size":"12.5","price":"0.5","timestamp":"1700000001","outcome_index":2.0)")}));
  ASSERT_TRUE(page.ok()) << page.error();
  ASSERT_EQ(page->rows.size(), 1u);
  const RowView t(TradesSchema(), page->rows[0]);
  EXPECT_DOUBLE_EQ(t.Dbl("size"), 12.5);
  EXPECT_DOUBLE_EQ(t.Dbl("price"), 0.5);
  EXPECT_EQ(t.Int("timestamp"), 1700000001);
  EXPECT_EQ(t.Int("outcome_index"), 2);
}

TEST(Malformed, HugeNumbersAndLongIdsStayExact) {
  Parser parser;
  const std::string id200(200, '7');
  auto page = Parse(parser, Page({Trade(R"("token_id":)" + id200 + R"(,"outcome_index":1e400)"),
                                  Trade(R"("token_id":")" + id200 + R"(")"),
                                  Trade(R"("outcome_index":99999999999999999999999)")}));
  ASSERT_TRUE(page.ok()) << page.error();
  ASSERT_EQ(page->rows.size(), 3u);
  const RowView as_number(TradesSchema(), page->rows[0]);
  EXPECT_EQ(as_number.Str("token_id"), id200);  // the raw token, never a double
  EXPECT_TRUE(as_number.IsNull("outcome_index"));
  EXPECT_EQ(as_number.Str("_extra"), R"({"outcome_index":1e400})");
  EXPECT_EQ(RowView(TradesSchema(), page->rows[1]).Str("token_id"), id200);
  EXPECT_EQ(RowView(TradesSchema(), page->rows[2]).Str("_extra"),
            R"({"outcome_index":99999999999999999999999})");
  EXPECT_EQ(page->mistyped_fields, 2);

  auto prices = ParsePricesHistory(parser, R"({"history":[{"t":1,"p":1e308},{"t":2,"p":-1e400}]})",
                                   "1", 1, TestLineage(""));
  ASSERT_TRUE(prices.ok()) << prices.error();
  EXPECT_EQ(prices->rows.size(), 1u);
  EXPECT_EQ(prices->skipped.size(), 1u);
}

TEST(Malformed, UnicodeAndEscapesRoundTrip) {
  Parser parser;
  const std::string title = R"("title":"caf\u00e9 \"quoted\"\n\\ \ud83d\ude00 \u0001 /\/")";
  auto page = Parse(
      parser, Page({Trade(title + R"(,"new_field":{"k\u00e9y":"\u00e9\t","n":[1,2.50,-0]})")}));
  ASSERT_TRUE(page.ok()) << page.error();
  ASSERT_EQ(page->rows.size(), 1u);
  const RowView t(TradesSchema(), page->rows[0]);
  EXPECT_EQ(t.Str("title"), "caf\xc3\xa9 \"quoted\"\n\\ \xf0\x9f\x98\x80 \x01 //");
  const auto extra = t.Json("_extra");
  ASSERT_TRUE(extra.is_object()) << t.Str("_extra");
  EXPECT_EQ(extra["new_field"]["k\xc3\xa9y"], "\xc3\xa9\t");
  EXPECT_EQ(t.Str("_extra"), "{\"new_field\":{\"k\xc3\xa9y\":\"\xc3\xa9\\t\",\"n\":[1,2.50,-0]}}");
}

TEST(Malformed, UnknownFieldsLandInExtra) {
  Parser parser;
  auto page = Parse(
      parser,
      Page(
          {Trade(R"("fee_usdc": 0.01 , "maker": {"wallet": "0xm", "legs": [1, 2]}, "tag":null)")}));
  ASSERT_TRUE(page.ok()) << page.error();
  ASSERT_EQ(page->rows.size(), 1u);
  EXPECT_EQ(page->mistyped_fields, 0);
  EXPECT_EQ(RowView(TradesSchema(), page->rows[0]).Str("_extra"),
            R"({"fee_usdc":0.01,"maker":{"wallet":"0xm","legs":[1,2]},"tag":null})");
}

TEST(Malformed, DuplicateKeysDoNotCrash) {
  Parser parser;
  auto page = Parse(parser, Page({Trade(R"("price":0.75,"price":0.5,"zz":1,"zz":2)")}));
  ASSERT_TRUE(page.ok()) << page.error();
  ASSERT_EQ(page->rows.size(), 1u);
  const RowView t(TradesSchema(), page->rows[0]);
  EXPECT_DOUBLE_EQ(t.Dbl("price"), 0.5);
  EXPECT_EQ(t.Str("_extra"), R"({"zz":1,"zz":2})");
}

TEST(Malformed, ElementsThatAreNotObjectsAreSkipped) {
  Parser parser;
  auto page = Parse(parser, Page({"1", Trade(), R"("text")", "null", "[1,2]"}));
  ASSERT_TRUE(page.ok()) << page.error();
  EXPECT_EQ(page->rows.size(), 1u);
  ASSERT_EQ(page->skipped.size(), 4u);
  EXPECT_EQ(page->skipped[0].reason, "trades: expected a JSON object, got a number");
  EXPECT_EQ(page->skipped[0].raw, "1");
  EXPECT_EQ(page->skipped[1].raw, R"("text")");
  EXPECT_EQ(page->skipped[3].raw, "[1,2]");
}

TEST(Malformed, BrokenBodiesAreErrors) {
  Parser parser;
  const std::string good = Page({Trade(), Trade()});
  for (const std::string& bad :
       std::vector<std::string>{"",
                                "   ",
                                "not json",
                                "error code: 1015",
                                "<!DOCTYPE html><html><title>Oops</title>",
                                "[]",
                                "null",
                                "42",
                                R"("data")",
                                R"({"pagination":{"has_more":false}})",
                                R"({"data":{"a":1}})",
                                R"({"data":[],"pagination":[]})",
                                R"({"data":[],"pagination":{"has_more":"yes"}})",
                                good + "x",
                                good + "{}",
                                Page({Trade(R"("title":tru)")}),
                                Page({Trade(R"("title":nul)")}),
                                Page({Trade(R"("x":[1,2)")}),
                                Page({Trade(R"("size":-)")}),
                                Page({Trade(R"("size":01)")}),
                                Page({Trade(R"("x":{"y":fals})")}),
                                Page({Trade(R"("x":"bad \q escape")")}),
                                "{\"data\":[\"\xff\xfe\"]}"}) {
    auto page = Parse(parser, bad);
    EXPECT_FALSE(page.ok()) << bad;
    if (!page.ok()) {
      EXPECT_EQ(page.error().find('\n'), std::string::npos) << page.error();
      EXPECT_EQ(page.error().rfind("data:/v2/trades: ", 0), 0u) << page.error();
    }
  }
  auto html = Parse(parser, "<!DOCTYPE html><html><title>Attention Required!</title>");
  ASSERT_FALSE(html.ok());
  EXPECT_NE(html.error().find("HTML page \"Attention Required!\""), std::string::npos)
      << html.error();
}

TEST(Malformed, EveryTruncationOfASampleIsAnError) {
  const std::string body = ReadSample("data_v2_trades.json");
  const size_t end = body.find_last_not_of(" \n\r\t");
  Parser parser;
  for (size_t n = 0; n <= end; ++n) {
    auto page = Parse(parser, body.substr(0, n));
    EXPECT_FALSE(page.ok()) << "prefix of " << n << " bytes parsed";
  }
  EXPECT_TRUE(Parse(parser, body.substr(0, end + 1)).ok());
}

TEST(Malformed, JsonInStringsThatAreNotLists) {
  Parser parser;
  auto page = ParseGammaMarketsPage(
      parser,
      R"([{"id":"1","outcomes":"[\"Yes\", \"No\"","outcomePrices":"","clobTokenIds":null,)"
      R"("umaResolutionStatuses":"{\"a\":1}","shortOutcomes":"[\"Y\"] x"},)"
      R"({"id":"2","outcomes":["Yes","No"],"outcomePrices":"[0.5, 0.5]","clobTokenIds":"[]"}])",
      TestLineage(""));
  ASSERT_TRUE(page.ok()) << page.error();
  ASSERT_EQ(page->rows.size(), 2u);
  const RowView one(GammaMarketsSchema(), page->rows[0]);
  EXPECT_TRUE(one.IsNull("outcomes"));
  EXPECT_TRUE(one.IsNull("outcome_prices"));  // "" is absent, not mistyped
  EXPECT_TRUE(one.IsNull("clob_token_ids"));
  EXPECT_TRUE(one.IsNull("uma_resolution_statuses"));
  EXPECT_TRUE(one.IsNull("short_outcomes"));
  EXPECT_EQ(page->mistyped_fields, 3);
  const auto extra = one.Json("_extra");
  EXPECT_EQ(extra["outcomes"], "[\"Yes\", \"No\"");
  EXPECT_EQ(extra["umaResolutionStatuses"], "{\"a\":1}");
  const RowView two(GammaMarketsSchema(), page->rows[1]);
  EXPECT_EQ(two.List("outcomes"), (std::vector<std::string>{"Yes", "No"}));  // a real array
  EXPECT_EQ(two.List("outcome_prices"), (std::vector<std::string>{"0.5", "0.5"}));
  EXPECT_TRUE(two.List("clob_token_ids").empty());
  EXPECT_TRUE(two.IsNull("_extra"));
}

TEST(Malformed, OptionalTimestampsAndBooleans) {
  Parser parser;
  auto page = ParseGammaMarketsPage(
      parser,
      R"([{"id":"1","closedTime":"","endDate":"next week","startDate":1700000000,)"
      R"("createdAt":1700000000123,"active":"true","closed":0}])",
      TestLineage(""));
  ASSERT_TRUE(page.ok()) << page.error();
  ASSERT_EQ(page->rows.size(), 1u);
  const RowView m(GammaMarketsSchema(), page->rows[0]);
  EXPECT_TRUE(m.IsNull("closed_time"));
  EXPECT_TRUE(m.IsNull("end_date"));
  EXPECT_EQ(m.Int("start_date"), 1'700'000'000'000'000);  // unix seconds
  EXPECT_EQ(m.Int("created_at"), 1'700'000'000'123'000);  // unix milliseconds
  EXPECT_TRUE(m.IsNull("active"));
  EXPECT_TRUE(m.IsNull("closed"));
  EXPECT_EQ(page->mistyped_fields, 3);
  EXPECT_EQ(m.Str("_extra"), R"({"endDate":"next week","active":"true","closed":0})");
}

TEST(Malformed, RandomCorruptionOfEverySampleNeverCrashes) {
  const std::vector<std::string> samples = {
      "data_v2_trades.json", "data_v1_trades.json",      "clob_markets_page.json",
      "clob_market.json",    "clob_prices_history.json", "gamma_markets_list.json",
      "gamma_market.json",   "gamma_event.json",         "gamma_events_list.json",
      "gamma_tags.json",     "data_leaderboard_v1.json"};
  std::mt19937 rng(20260928);
  const std::string alphabet = "{}[]\":,\\0123456789eE.-+ tfnulrsa\xc3\xff";
  Parser parser;
  int ok = 0, errors = 0;
  for (const std::string& name : samples) {
    const std::string sample = ReadSample(name);
    for (int round = 0; round < 150; ++round) {
      std::string body = sample;
      const int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits; ++e) {
        const size_t at = rng() % body.size();
        switch (rng() % 3) {
          case 0:
            body[at] = alphabet[rng() % alphabet.size()];
            break;
          case 1:
            body.erase(at, 1 + rng() % 8);
            break;
          default:
            body.insert(at, 1, alphabet[rng() % alphabet.size()]);
        }
      }
      const Lineage lineage = TestLineage("fuzz");
      bool parsed = false;
      auto check = [&](const bronze::Schema& schema, const auto& result, auto rows_of) {
        if (!result.ok()) return;
        parsed = true;
        EXPECT_EQ(testing::CheckRows(schema, rows_of(*result)), 0) << name << ": " << body;
      };
      auto rows = [](const auto& page) { return page.rows; };
      check(TradesSchema(), ParseTradesPage(parser, body, lineage), rows);
      check(TradesSchema(), ParseTradesV1Page(parser, body, lineage), rows);
      check(ClobMarketsSchema(), ParseClobMarketsPage(parser, body, lineage),
            [](const ClobMarketsPage& p) { return p.markets.rows; });
      check(MarketTokensSchema(), ParseClobMarket(parser, body, lineage),
            [](const ClobMarketsPage& p) { return p.tokens.rows; });
      check(PricesSchema(), ParsePricesHistory(parser, body, "1", 1, lineage), rows);
      check(PricesSchema(), ParseBatchPricesHistory(parser, body, 1, lineage), rows);
      check(GammaMarketsSchema(), ParseGammaMarketsPage(parser, body, lineage), rows);
      check(GammaMarketsSchema(), ParseGammaMarket(parser, body, lineage), rows);
      check(GammaEventsSchema(), ParseGammaEventsPage(parser, body, lineage), rows);
      check(GammaEventsSchema(), ParseGammaEvent(parser, body, lineage), rows);
      check(GammaCategoriesSchema(), ParseGammaTags(parser, body, lineage), rows);
      check(LeaderboardSchema(), ParseLeaderboardPage(parser, body, 0, "", "", "", lineage), rows);
      (parsed ? ok : errors)++;
    }
  }
  EXPECT_GT(errors, 0);
  std::cout << "corrupted bodies: " << ok << " still parsed, " << errors << " rejected\n";
}

}  // namespace
}  // namespace polypipe::api
