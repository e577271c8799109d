// polysim's output, fetched over loopback, parses with zero skips and zero stray fields on every
// route the pipeline uses, and complete sweeps match the simulator's ground truth.

#include <gtest/gtest.h>

#include <set>

#include "api/clob_api.h"
#include "api/data_api.h"
#include "api/error_body.h"
#include "api/gamma_api.h"
#include "tests/api/fixture.h"
#include "tests/sim/sim_client.h"

namespace polypipe::api {
namespace {

using api::testing::CheckRows;
using api::testing::RowView;

constexpr int kMaxPages = 200;  // bounds every paging loop

class PolysimParse : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { sim_ = new polysim::testing::SimClient(); }
  static void TearDownTestSuite() {
    delete sim_;
    sim_ = nullptr;
  }

  // GET that must answer 200; returns the body.
  std::string Get(const std::string& path) {
    auto res = sim_->Get(path);
    if (!res) {
      ADD_FAILURE() << path << ": transport error";
      return "";
    }
    EXPECT_EQ(res->status, 200) << path << ": " << DescribeErrorBody(res->body);
    return res->body;
  }
  std::string Base(const std::string& service) { return "/" + service; }
  Lineage L(std::string_view route) { return Lineage{1, "sim", std::string(route)}; }

  // Zero skips, zero mistyped fields, well-formed rows, and no unknown fields.
  void ExpectClean(const bronze::Schema& schema, const RowPage& page, const std::string& what) {
    EXPECT_TRUE(page.skipped.empty())
        << what << ": " << (page.skipped.empty() ? "" : page.skipped[0].reason);
    EXPECT_EQ(page.mistyped_fields, 0) << what;
    EXPECT_EQ(CheckRows(schema, page.rows), 0) << what;
    for (const auto& row : page.rows) {
      const RowView r(schema, row);
      if (!r.IsNull("_extra")) {
        ADD_FAILURE() << what << ": unknown fields " << r.Str("_extra");
        break;
      }
    }
  }

  static polysim::testing::SimClient* sim_;
  Parser parser_;
};

polysim::testing::SimClient* PolysimParse::sim_ = nullptr;

TEST_F(PolysimParse, ClobMarketListToTheEnd) {
  const auto truth = sim_->Truth();
  std::string cursor;
  int64_t markets = 0, tokens = 0;
  int pages = 0;
  for (; pages < kMaxPages; ++pages) {
    auto page = ParseClobMarketsPage(parser_, Get(ClobMarketsUrl(Base("clob"), cursor)),
                                     L(kClobMarketsRoute));
    ASSERT_TRUE(page.ok()) << page.error();
    ExpectClean(ClobMarketsSchema(), page->markets, "markets");
    ExpectClean(MarketTokensSchema(), page->tokens, "market_tokens");
    markets += static_cast<int64_t>(page->markets.rows.size());
    tokens += static_cast<int64_t>(page->tokens.rows.size());
    if (page->end) break;
    cursor = page->next_cursor;
  }
  EXPECT_LT(pages, kMaxPages);
  EXPECT_EQ(markets, truth["datasets"]["markets"].get<int64_t>());
  EXPECT_EQ(tokens, truth["datasets"]["market_tokens"].get<int64_t>());
}

TEST_F(PolysimParse, TradesOfTheBusiestMarketToTheEnd) {
  const auto truth = sim_->Truth();
  std::string busiest;
  int64_t expected = -1;
  for (const auto& [cid, n] : truth["market_trades"].items()) {
    if (n.get<int64_t>() > expected) {
      expected = n.get<int64_t>();
      busiest = cid;
    }
  }
  ASSERT_GT(expected, 1000) << "the feed should need several pages";
  std::string cursor;
  int64_t rows = 0, newest_first_violations = 0, last_ts = INT64_MAX;
  int pages = 0;
  for (; pages < kMaxPages; ++pages) {
    auto page = ParseTradesPage(parser_, Get(TradesUrl(Base("data"), {busiest}, 1000, cursor)),
                                L(kTradesRoute));
    ASSERT_TRUE(page.ok()) << page.error();
    ExpectClean(TradesSchema(), *page, "trades");
    for (const auto& row : page->rows) {
      const RowView t(TradesSchema(), row);
      EXPECT_EQ(t.Str("condition_id"), busiest);
      if (t.Int("timestamp") > last_ts) ++newest_first_violations;
      last_ts = t.Int("timestamp");
      EXPECT_TRUE(t.IsNull("fill_seq"));
    }
    rows += static_cast<int64_t>(page->rows.size());
    if (!page->has_more) break;
    cursor = *page->next_cursor;
  }
  EXPECT_LT(pages, kMaxPages);
  EXPECT_EQ(rows, expected);
  EXPECT_EQ(newest_first_violations, 0);
}

TEST_F(PolysimParse, TradesOfSeveralMarketsAndTheV1Adapter) {
  const auto truth = sim_->Truth();
  std::vector<std::string> ids;
  for (const auto& [cid, n] : truth["market_trades"].items()) {
    if (ids.size() < 20) ids.push_back(cid);
  }
  auto page = ParseTradesPage(parser_, Get(TradesUrl(Base("data"), ids, 500)), L(kTradesRoute));
  ASSERT_TRUE(page.ok()) << page.error();
  ExpectClean(TradesSchema(), *page, "trades");
  EXPECT_FALSE(page->rows.empty());
  const std::set<std::string> asked(ids.begin(), ids.end());
  for (const auto& row : page->rows) {
    EXPECT_TRUE(asked.count(RowView(TradesSchema(), row).Str("condition_id")));
  }
  auto v1 =
      ParseTradesV1Page(parser_, Get(TradesV1Url(Base("data"), ids, 500, 0)), L(kTradesV1Route));
  ASSERT_TRUE(v1.ok()) << v1.error();
  ExpectClean(TradesSchema(), *v1, "trades v1");
  ASSERT_EQ(v1->rows.size(), page->rows.size());
  for (int c = 0; c < TradesSchema().Index("fill_seq"); ++c) {
    EXPECT_EQ(v1->rows.front()[c], page->rows.front()[c]) << TradesSchema().columns[c].name;
  }
}

TEST_F(PolysimParse, LeaderboardPages) {
  std::set<int64_t> ranks;
  std::set<std::pair<int64_t, std::string>> ranked_wallets;
  int64_t rows = 0, missing_x = 0;
  for (int offset = 0; offset <= 100; offset += kLeaderboardPageSize) {
    auto page = ParseLeaderboardPage(
        parser_, Get(LeaderboardUrl(Base("data"), "OVERALL", "ALL", "VOL", 50, offset)), 99,
        "OVERALL", "ALL", "VOL", L(kLeaderboardRoute));
    ASSERT_TRUE(page.ok()) << page.error();
    ExpectClean(LeaderboardSchema(), *page, "leaderboard");
    for (const auto& row : page->rows) {
      const RowView r(LeaderboardSchema(), row);
      ranks.insert(r.Int("rank"));
      ranked_wallets.emplace(r.Int("rank"), r.Str("proxy_wallet"));
      missing_x += r.IsNull("x_username");
      EXPECT_EQ(r.Str("category"), "OVERALL");
      EXPECT_EQ(r.Int("snapshot_ts"), 99);
      ++rows;
    }
  }
  ASSERT_GE(rows, 20);
  // Tied traders share a rank, and every one of them is kept.
  EXPECT_EQ(static_cast<int64_t>(ranked_wallets.size()), rows);
  EXPECT_LT(static_cast<int64_t>(ranks.size()), rows) << "polysim's boards hold ties";
  EXPECT_EQ(*ranks.begin(), 1);
  EXPECT_LE(*ranks.rbegin(), rows);
  EXPECT_GT(missing_x, 0) << "polysim omits xUsername for some wallets";
}

TEST_F(PolysimParse, PriceHistorySingleAndBatch) {
  const auto truth = sim_->Truth();
  const int64_t now = truth["now"].get<int64_t>();
  auto markets =
      ParseClobMarketsPage(parser_, Get(ClobMarketsUrl(Base("clob"))), L(kClobMarketsRoute));
  ASSERT_TRUE(markets.ok()) << markets.error();
  std::vector<std::string> tokens;
  for (const auto& row : markets->tokens.rows) {
    tokens.push_back(RowView(MarketTokensSchema(), row).Str("token_id"));
  }
  ASSERT_GE(tokens.size(), 20u);

  int64_t points = 0;
  for (size_t i = 0; i < tokens.size() && points == 0; ++i) {
    auto page = ParsePricesHistory(
        parser_,
        Get(PricesHistoryUrl(Base("clob"), tokens[i], now - kMaxPriceWindowSeconds, now, 60)),
        tokens[i], 60, L(kPricesHistoryRoute));
    ASSERT_TRUE(page.ok()) << page.error();
    ExpectClean(PricesSchema(), *page, "prices");
    for (const auto& row : page->rows) {
      const RowView p(PricesSchema(), row);
      EXPECT_EQ(p.Str("token_id"), tokens[i]);
      EXPECT_GE(p.Dbl("price"), 0.0);
      EXPECT_LE(p.Dbl("price"), 1.0);
    }
    points += static_cast<int64_t>(page->rows.size());
  }
  EXPECT_GT(points, 0) << "some token traded in the last 15 days";

  const std::vector<std::string> batch(tokens.begin(), tokens.begin() + kMaxBatchPriceTokens);
  auto res = sim_->Post("/clob/batch-prices-history",
                        BatchPricesBody(batch, now - kMaxPriceWindowSeconds, now, 720));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  auto page = ParseBatchPricesHistory(parser_, res->body, 720, L(kBatchPricesRoute));
  ASSERT_TRUE(page.ok()) << page.error();
  ExpectClean(PricesSchema(), *page, "batch prices");
  const std::set<std::string> asked(batch.begin(), batch.end());
  for (const auto& row : page->rows) {
    EXPECT_TRUE(asked.count(RowView(PricesSchema(), row).Str("token_id")));
    EXPECT_EQ(RowView(PricesSchema(), row).Int("fidelity"), 720);
  }
}

TEST_F(PolysimParse, GammaKeysetSweepsMatchTruth) {
  const auto truth = sim_->Truth();
  int64_t markets = 0, events = 0;
  for (const bool closed : {false, true}) {
    std::set<std::string> cursors;
    std::optional<std::string> cursor;
    int pages = 0;
    for (; pages < kMaxPages; ++pages) {
      auto page = ParseGammaMarketsPage(
          parser_, Get(GammaMarketsKeysetUrl(Base("gamma"), closed, 100, cursor.value_or(""))),
          L(kGammaMarketsRoute));
      ASSERT_TRUE(page.ok()) << page.error();
      ExpectClean(GammaMarketsSchema(), *page, "gamma_markets");
      for (const auto& row : page->rows) {
        const RowView m(GammaMarketsSchema(), row);
        EXPECT_EQ(m.Bool("closed"), closed);
        EXPECT_EQ(m.List("clob_token_ids").size(), 2u);
        EXPECT_EQ(m.List("outcomes").size(), 2u);
        EXPECT_EQ(m.IsNull("closed_time"), !closed);
      }
      markets += static_cast<int64_t>(page->rows.size());
      cursor = page->next_cursor;
      if (!cursor) break;
      ASSERT_TRUE(cursors.insert(*cursor).second) << "repeated cursor";
    }
    EXPECT_LT(pages, kMaxPages);

    cursor.reset();
    for (pages = 0; pages < kMaxPages; ++pages) {
      auto page = ParseGammaEventsPage(
          parser_, Get(GammaEventsKeysetUrl(Base("gamma"), closed, 100, cursor.value_or(""))),
          L(kGammaEventsRoute));
      ASSERT_TRUE(page.ok()) << page.error();
      ExpectClean(GammaEventsSchema(), *page, "gamma_events");
      for (const auto& row : page->rows) {
        const RowView e(GammaEventsSchema(), row);
        EXPECT_EQ(e.List("market_ids").size(), e.List("market_condition_ids").size());
      }
      events += static_cast<int64_t>(page->rows.size());
      cursor = page->next_cursor;
      if (!cursor) break;
    }
    EXPECT_LT(pages, kMaxPages);
  }
  EXPECT_EQ(markets, truth["datasets"]["gamma_markets"].get<int64_t>());
  EXPECT_EQ(events, truth["datasets"]["gamma_events"].get<int64_t>());
}

TEST_F(PolysimParse, GammaOffsetListsAndTags) {
  const auto truth = sim_->Truth();
  auto markets = ParseGammaMarketsPage(parser_, Get("/gamma/markets?limit=100&closed=true"),
                                       L("gamma:/markets"));
  ASSERT_TRUE(markets.ok()) << markets.error();
  ExpectClean(GammaMarketsSchema(), *markets, "gamma_markets (offset list)");
  EXPECT_FALSE(markets->rows.empty());
  auto events = ParseGammaEventsPage(parser_, Get("/gamma/events?limit=100&closed=false"),
                                     L("gamma:/events"));
  ASSERT_TRUE(events.ok()) << events.error();
  ExpectClean(GammaEventsSchema(), *events, "gamma_events (offset list)");

  int64_t tags = 0;
  for (int64_t offset = 0, pages = 0; pages < kMaxPages; ++pages, offset += kGammaTagsPageSize) {
    auto page = ParseGammaTags(
        parser_, Get(GammaTagsUrl(Base("gamma"), kGammaTagsPageSize, offset)), L(kGammaTagsRoute));
    ASSERT_TRUE(page.ok()) << page.error();
    ExpectClean(GammaCategoriesSchema(), *page, "gamma_categories");
    if (page->rows.empty()) break;
    tags += static_cast<int64_t>(page->rows.size());
  }
  EXPECT_EQ(tags, truth["datasets"]["gamma_categories"].get<int64_t>());
}

TEST_F(PolysimParse, RefusalsAreErrorsWithTheServersWords) {
  auto lte = sim_->Get(ClobMarketsUrl(Base("clob"), kClobEndCursor));
  ASSERT_TRUE(lte);
  EXPECT_EQ(lte->status, 400);
  auto page = ParseClobMarketsPage(parser_, lte->body, L(kClobMarketsRoute));
  ASSERT_FALSE(page.ok());
  EXPECT_NE(page.error().find("next item should be greater than or equal to 0"), std::string::npos)
      << page.error();

  auto offset = sim_->Get("/gamma/markets/keyset?offset=10");
  ASSERT_TRUE(offset);
  auto gamma = ParseGammaMarketsPage(parser_, offset->body, L(kGammaMarketsRoute));
  ASSERT_FALSE(gamma.ok());
  EXPECT_NE(gamma.error().find("validation error"), std::string::npos) << gamma.error();

  std::string many = "/gamma/markets/keyset?closed=true";
  for (int i = 0; i < 41; ++i) many += "&condition_ids=0x" + std::to_string(i);
  auto blocked = sim_->Get(many);
  ASSERT_TRUE(blocked);
  EXPECT_EQ(blocked->status, 403);
  EXPECT_EQ(DescribeErrorBody(blocked->body), "HTML page \"Attention Required! | Cloudflare\"");

  auto trades = sim_->Get("/data/v2/trades?condition=0x1&offset=5");
  ASSERT_TRUE(trades);
  auto tp = ParseTradesPage(parser_, trades->body, L(kTradesRoute));
  ASSERT_FALSE(tp.ok());
  EXPECT_NE(tp.error().find("invalid_request"), std::string::npos) << tp.error();
}

}  // namespace
}  // namespace polypipe::api
