// Each quirk of the real APIs (polymarket-api.md) that polysim reproduces, one test apiece:
// cursor end markers, offset caps, clamps, window limits, defaults and timestamp formats.

#include <map>
#include <regex>
#include <set>

#include "tests/sim/sim_client.h"

namespace polysim::testing {
namespace {

using nlohmann::json;

struct Quirks : ::testing::Test {
  SimClient sim;
  json markets = sim.Json("/clob/markets")["data"];

  // A closed market reports enable_order_book false even if it had a book: whether it had one
  // shows in accepting_order_timestamp.
  const json& FindMarket(bool closed, bool order_book = true) {
    for (const auto& m : markets) {
      if (m["closed"] == closed && m["accepting_order_timestamp"].is_string() == order_book) {
        return m;
      }
    }
    ADD_FAILURE() << "no market with closed=" << closed;
    return markets[0];
  }
  std::string Cid(const json& m) { return m["condition_id"].get<std::string>(); }
  std::string Token(const json& m, int i = 0) {
    return m["tokens"][i]["token_id"].get<std::string>();
  }
  void ExpectError(const std::string& path, int status, const std::string& text) {
    auto res = sim.Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, status) << path;
    EXPECT_NE(res->body.find(text), std::string::npos) << path << " -> " << res->body;
  }
};

TEST(QuirksClob, PagesHoldOneThousandAndTheCursorEndsAtLte) {
  ServerOptions o = SimClient::DefaultOptions();
  o.universe.markets = 1100;
  o.universe.mean_trades = 2;
  SimClient sim(o);
  const json p1 = sim.Json("/clob/markets");
  EXPECT_EQ(p1["data"].size(), 1000u);
  EXPECT_EQ(p1["limit"], 1000);
  EXPECT_EQ(p1["count"], 1000);
  EXPECT_EQ(p1["next_cursor"], "MTAwMA==");  // base64("1000")
  const json p2 = sim.Json("/clob/markets?next_cursor=MTAwMA==");
  EXPECT_EQ(p2["next_cursor"], "LTE=");
  EXPECT_EQ(p1["data"].size() + p2["data"].size(),
            sim.Truth()["datasets"]["markets"].get<size_t>());
  // Sending the end marker back is an error, with the real text.
  auto res = sim.Get("/clob/markets?next_cursor=LTE=");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(json::parse(res->body)["error"], "next item should be greater than or equal to 0");
}

TEST_F(Quirks, ClobSingleMarketIsUnwrappedAndUnknownIs404) {
  const json one = sim.Json("/clob/markets/" + Cid(markets[0]));
  EXPECT_EQ(one, markets[0]);
  ExpectError("/clob/markets/0xdeadbeef", 404, "market not found");
}

TEST_F(Quirks, ResolvedMarketsHaveOneWinnerAndZeroOnePrices) {
  int resolved = 0;
  for (const auto& m : markets) {
    if (!m["closed"].get<bool>()) continue;
    ++resolved;
    int winners = 0;
    for (const auto& t : m["tokens"]) {
      winners += t["winner"].get<bool>();
      EXPECT_EQ(t["price"].get<double>(), t["winner"].get<bool>() ? 1.0 : 0.0);
    }
    EXPECT_EQ(winners, 1);
  }
  EXPECT_GT(resolved, 0);
  const json gamma = sim.Json("/gamma/markets/keyset?limit=100&closed=true");
  for (const auto& m : gamma["markets"]) {
    const json prices = json::parse(m["outcomePrices"].get<std::string>());
    std::multiset<std::string> got(prices.begin(), prices.end());
    EXPECT_EQ(got, (std::multiset<std::string>{"0", "1"})) << m["outcomePrices"];
  }
}

TEST_F(Quirks, NegRiskEventsGroupSeveralMarketsWithOneWinner) {
  int groups = 0;
  std::string after;
  for (int page = 0; page < 100; ++page) {
    const json body = sim.Json("/gamma/events/keyset?limit=100&closed=true" +
                               (after.empty() ? "" : "&after_cursor=" + after));
    for (const auto& e : body["events"]) {
      if (!e["negRisk"].get<bool>()) continue;
      ++groups;
      EXPECT_GE(e["markets"].size(), 2u);
      int yes = 0;
      for (const auto& m : e["markets"]) {
        EXPECT_EQ(m["negRiskMarketID"], e["negRiskMarketID"]);
        yes += json::parse(m["outcomePrices"].get<std::string>())[0] == "1";
      }
      EXPECT_LE(yes, 1);
    }
    if (!body.contains("next_cursor")) break;
    after = body["next_cursor"].get<std::string>();
  }
  const json open = sim.Json("/gamma/events/keyset?limit=100&closed=false");
  for (const auto& e : open["events"]) groups += e["negRisk"].get<bool>();
  EXPECT_GT(groups, 0) << "the universe should hold multi-outcome neg-risk events";
}

TEST_F(Quirks, V2TradesRefuseOffsetAndLimitsAboveOneThousand) {
  const std::string cid = Cid(markets[0]);
  ExpectError("/data/v2/trades?condition=" + cid + "&offset=10", 400,
              "\"code\":\"invalid_request\"");
  ExpectError("/data/v2/trades?condition=" + cid + "&limit=1001", 400,
              "limit must be between 0 and 1000");
  EXPECT_TRUE(sim.Json("/data/v2/trades?condition=" + cid + "&limit=1000").contains("pagination"));
  ExpectError("/data/v2/trades?condition=" + cid + "&cursor=bm90IGEgY3Vyc29y", 400, "cursor");
  std::string many;
  for (int i = 0; i < 21; ++i) many += (i ? "," : "") + Cid(markets[i]);
  ExpectError("/data/v2/trades?condition=" + many, 400, "at most 20");
}

TEST_F(Quirks, V2CursorIsBoundToItsFilters) {
  const json page =
      sim.Json("/data/v2/trades?limit=1&condition=" + Cid(markets[0]) + "," + Cid(markets[1]));
  ASSERT_TRUE(page["pagination"]["has_more"].get<bool>());
  const std::string cursor = page["pagination"]["next_cursor"].get<std::string>();
  ExpectError("/data/v2/trades?limit=1&condition=" + Cid(markets[0]) + "&cursor=" + cursor, 400,
              "invalid cursor");
}

TEST_F(Quirks, V1TradesAreCamelCaseBareArraysWithTheOffsetCap) {
  const std::string cid = Cid(markets[0]);
  const json list = sim.Json("/data/trades?limit=5&market=" + cid);
  ASSERT_TRUE(list.is_array());
  ASSERT_FALSE(list.empty());
  EXPECT_TRUE(list[0].contains("proxyWallet"));
  EXPECT_TRUE(list[0].contains("conditionId"));
  EXPECT_FALSE(list[0].contains("proxy_wallet"));
  EXPECT_EQ(sim.Get("/data/trades?market=" + cid + "&offset=10000")->status, 200);
  auto res = sim.Get("/data/trades?market=" + cid + "&offset=10001");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(res->body, R"({"error":"max historical trades offset of 10000 exceeded"})");
  ExpectError("/data/trades?market=" + cid + "&filterType=CASH", 400, "together");
}

TEST_F(Quirks, V2TradesAreSnakeCaseInAnEnvelope) {
  const json body = sim.Json("/data/v2/trades?limit=3&condition=" + Cid(markets[0]));
  ASSERT_TRUE(body.is_object());
  ASSERT_TRUE(body["data"].is_array());
  EXPECT_TRUE(body["data"][0].contains("proxy_wallet"));
  EXPECT_TRUE(body["data"][0].contains("transaction_hash"));
  EXPECT_EQ(body["pagination"]["offset"], 0);
}

TEST_F(Quirks, LeaderboardRankIsAStringLimitClampsAndOffsetIsCapped) {
  const json board = sim.Json("/data/v1/leaderboard?limit=500");
  ASSERT_TRUE(board.is_array());
  EXPECT_LE(board.size(), 50u);
  EXPECT_TRUE(board[0]["rank"].is_string());
  EXPECT_EQ(board[0]["rank"], "1");
  EXPECT_EQ(sim.Get("/data/v1/leaderboard?offset=1000")->status, 200);
  ExpectError("/data/v1/leaderboard?offset=1001", 400, "offset");
  // timePeriod defaults to DAY, not ALL: the two boards differ.
  EXPECT_EQ(sim.Json("/data/v1/leaderboard?limit=50"),
            sim.Json("/data/v1/leaderboard?limit=50&timePeriod=DAY"));
  EXPECT_NE(sim.Json("/data/v1/leaderboard?limit=50"),
            sim.Json("/data/v1/leaderboard?limit=50&timePeriod=ALL"));
}

TEST_F(Quirks, PriceWindowsOverFifteenDaysAreRefused) {
  const json open = FindMarket(false);
  const std::string base = "/clob/prices-history?market=" + Token(open) + "&fidelity=60";
  const int64_t now = sim.Truth()["now"].get<int64_t>();
  const int64_t day = 86'400;
  EXPECT_EQ(
      sim.Get(base + "&startTs=" + std::to_string(now - 15 * day) + "&endTs=" + std::to_string(now))
          ->status,
      200);
  ExpectError(
      base + "&startTs=" + std::to_string(now - 15 * day - 1) + "&endTs=" + std::to_string(now),
      400, "invalid filters: 'startTs' and 'endTs' interval is too long");
  // Milliseconds trip the same check.
  ExpectError(base + "&startTs=" + std::to_string((now - day) * 1000) +
                  "&endTs=" + std::to_string(now * 1000),
              400, "interval is too long");
  ExpectError("/clob/prices-history?startTs=1&endTs=2", 400,
              "invalid filters: the 'market' (asset id) is mandatory");
  ExpectError("/clob/prices-history?market=" + Token(open) + "&interval=1m&fidelity=5", 400,
              "invalid filters: minimum 'fidelity' for '1m' range is 10");
  EXPECT_FALSE(
      sim.Json("/clob/prices-history?market=" + Token(open) + "&interval=1w&fidelity=5")["history"]
          .empty());
}

TEST_F(Quirks, ResolvedMarketsHaveEmptyFineHistoryButCoarseData) {
  const json closed = FindMarket(true);
  const std::string token = Token(closed);
  // Find the market's life through its trades (oldest trade = start).
  const json trades = sim.Json("/data/trades?limit=10000&market=" + Cid(closed));
  ASSERT_FALSE(trades.empty());
  const int64_t start = trades.back()["timestamp"].get<int64_t>();
  const std::string window =
      "&startTs=" + std::to_string(start) + "&endTs=" + std::to_string(start + 15 * 86'400);
  for (int fidelity : {1, 60}) {
    EXPECT_TRUE(sim.Json("/clob/prices-history?market=" + token + window +
                         "&fidelity=" + std::to_string(fidelity))["history"]
                    .empty());
  }
  const json coarse = sim.Json("/clob/prices-history?market=" + token + window + "&fidelity=720");
  const json coarser = sim.Json("/clob/prices-history?market=" + token + window + "&fidelity=1440");
  EXPECT_FALSE(coarse["history"].empty() && coarser["history"].empty());
  EXPECT_TRUE(
      sim.Json("/clob/prices-history?market=" + token + "&interval=max")["history"].empty());
}

TEST_F(Quirks, BatchPriceHistoryTakesUpToTwentyTokens) {
  const json open = FindMarket(false);
  const int64_t now = sim.Truth()["now"].get<int64_t>();
  json req = {{"markets", {Token(open, 0), Token(open, 1)}},
              {"start_ts", now - 86'400},
              {"end_ts", now},
              {"fidelity", 60}};
  auto res = sim.Post("/clob/batch-prices-history", req.dump());
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const json body = json::parse(res->body);
  EXPECT_FALSE(body["history"][Token(open, 0)].empty());
  EXPECT_FALSE(body["history"][Token(open, 1)].empty());
  req["markets"] = json::array();
  for (int i = 0; i < 21; ++i) req["markets"].push_back(Token(markets[i]));
  res = sim.Post("/clob/batch-prices-history", req.dump());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  res = sim.Post("/clob/batch-prices-history", "{not json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
}

TEST_F(Quirks, GammaClosedDefaultsToFalse) {
  const json plain = sim.Json("/gamma/markets/keyset?limit=100");
  ASSERT_FALSE(plain["markets"].empty());
  for (const auto& m : plain["markets"]) EXPECT_FALSE(m["closed"].get<bool>());
  const json closed = sim.Json("/gamma/markets/keyset?limit=100&closed=true");
  ASSERT_FALSE(closed["markets"].empty());
  for (const auto& m : closed["markets"]) EXPECT_TRUE(m["closed"].get<bool>());
  for (const auto& m : sim.Json("/gamma/markets?limit=100")) EXPECT_FALSE(m["closed"].get<bool>());
}

TEST(QuirksGamma, LimitIsClampedToOneHundred) {
  ServerOptions o = SimClient::DefaultOptions();
  o.universe.markets = 600;
  o.universe.mean_trades = 2;
  SimClient sim(o);
  EXPECT_EQ(sim.Json("/gamma/markets?limit=500&closed=true").size(), 100u);
  const json keyset = sim.Json("/gamma/events/keyset?limit=1000&closed=true");
  EXPECT_EQ(keyset["events"].size(), 100u);
}

TEST_F(Quirks, GammaKeysetPagesOnlyWithAfterCursor) {
  const json p1 = sim.Json("/gamma/markets/keyset?limit=10&closed=true");
  ASSERT_TRUE(p1.contains("next_cursor"));
  const std::string cursor = p1["next_cursor"].get<std::string>();
  // `cursor` and `next_cursor` are silently ignored: page 1 again.
  EXPECT_EQ(sim.Json("/gamma/markets/keyset?limit=10&closed=true&cursor=" + cursor), p1);
  EXPECT_EQ(sim.Json("/gamma/markets/keyset?limit=10&closed=true&next_cursor=" + cursor), p1);
  const json p2 = sim.Json("/gamma/markets/keyset?limit=10&closed=true&after_cursor=" + cursor);
  EXPECT_NE(p2["markets"][0]["id"], p1["markets"][0]["id"]);
  // The last page carries no next_cursor at all.
  const json all = sim.Json("/gamma/markets/keyset?limit=100&closed=true");
  std::string after = cursor;
  json page = p2;
  for (int i = 0; i < 1000 && page.contains("next_cursor"); ++i) {
    page = sim.Json("/gamma/markets/keyset?limit=10&closed=true&after_cursor=" +
                    page["next_cursor"].get<std::string>());
  }
  EXPECT_FALSE(page.contains("next_cursor"));
  ExpectError("/gamma/markets/keyset?limit=10&offset=20", 422, "validation error");
}

TEST_F(Quirks, GammaOffsetListsAreDeprecatedAndCapped) {
  auto res = sim.Get("/gamma/markets?limit=10&offset=0");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->get_header_value("deprecation"), "true");
  EXPECT_NE(res->get_header_value("warning").find("/markets/keyset"), std::string::npos);
  EXPECT_EQ(sim.Get("/gamma/markets?offset=2000")->status, 200);
  ExpectError("/gamma/markets?offset=2001", 422,
              "offset too large, use /markets/keyset for deeper pagination");
  ExpectError("/gamma/events?offset=2001", 422, "use /events/keyset");
}

TEST_F(Quirks, GammaTooManyConditionIdsGetTheCloudflareBlockPage) {
  std::string query = "/gamma/markets/keyset?limit=100";
  for (int i = 0; i < 41; ++i) query += "&condition_ids=" + Cid(markets[i]);
  auto res = sim.Get(query);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403);
  EXPECT_NE(res->get_header_value("Content-Type").find("text/html"), std::string::npos);
  EXPECT_NE(res->body.find("Attention Required! | Cloudflare"), std::string::npos);
}

TEST_F(Quirks, TimestampFormatsFollowTheRealServices) {
  const std::regex millis(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
  const std::regex micros(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)");
  const std::regex seconds(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)");
  const std::regex pg(R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+00)");
  const std::regex date(R"(\d{4}-\d\d-\d\d)");
  const json closed = sim.Json("/gamma/markets/keyset?limit=5&closed=true")["markets"];
  ASSERT_FALSE(closed.empty());
  for (const auto& m : closed) {
    EXPECT_TRUE(std::regex_match(m["startDate"].get<std::string>(), millis)) << m["startDate"];
    EXPECT_TRUE(std::regex_match(m["createdAt"].get<std::string>(), micros)) << m["createdAt"];
    EXPECT_TRUE(std::regex_match(m["closedTime"].get<std::string>(), pg)) << m["closedTime"];
    EXPECT_TRUE(std::regex_match(m["endDate"].get<std::string>(), seconds)) << m["endDate"];
    EXPECT_TRUE(std::regex_match(m["endDateIso"].get<std::string>(), date)) << m["endDateIso"];
  }
  EXPECT_TRUE(std::regex_match(markets[0]["end_date_iso"].get<std::string>(), seconds));
  const json trade = sim.Json("/data/v2/trades?limit=1&condition=" + Cid(markets[0]))["data"][0];
  EXPECT_TRUE(trade["timestamp"].is_number_integer());
}

TEST_F(Quirks, AdvancingTheClockAddsNewestTradesAndClosesMarkets) {
  const json before = sim.Truth();
  const int64_t now = before["now"].get<int64_t>();
  const std::string cid = Cid(FindMarket(false));
  const json newest = sim.Json("/data/v2/trades?limit=1&condition=" + cid)["data"][0];
  auto res = sim.Post("/__sim/advance?seconds=" + std::to_string(400 * 86'400), "");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  const json after = sim.Truth();
  EXPECT_EQ(after["now"].get<int64_t>(), now + 400 * 86'400);
  EXPECT_GT(after["datasets"]["trades"].get<int64_t>(),
            before["datasets"]["trades"].get<int64_t>());
  EXPECT_GE(after["market_trades"][cid].get<int64_t>(),
            before["market_trades"][cid].get<int64_t>());
  // Older trades keep their place: the previous newest trade is still in the tape.
  const json tape = sim.Json("/data/trades?limit=10000&market=" + cid);
  bool kept = false;
  for (const auto& t : tape) {
    kept = kept || (t["transactionHash"] == newest["transaction_hash"] &&
                    t["timestamp"] == newest["timestamp"]);
  }
  EXPECT_TRUE(kept) << "the previous newest trade vanished";
  int closed_before = 0, closed_after = 0;
  for (const auto& m : markets) closed_before += m["closed"].get<bool>();
  const json now_listed = sim.Json("/clob/markets");
  for (const auto& m : now_listed["data"]) closed_after += m["closed"].get<bool>();
  EXPECT_GT(closed_after, closed_before) << "markets whose end passed should close";
}

// A client learns a market's volume tier from Gamma's volumeNum only, so truth gives a market
// Gamma does not list the ordinary fidelity, however much it traded.
TEST(Truth, FidelityOfAMarketMissingFromGammaIsTheOrdinaryOne) {
  UniverseOptions options;
  options.seed = 11;
  options.markets = 400;
  options.mean_trades = 150;
  options.heavy_markets = 2;
  options.heavy_trades = 40'000;
  options.history_days = 30;
  Universe u(options);
  const PriceSettings settings;
  int unlisted_high_volume = 0;
  for (const Market& m : u.markets()) {
    if (!m.order_book || u.Closed(m)) continue;
    const bool high = m.volume >= settings.high_volume_threshold;
    const int want = high && m.in_gamma ? settings.high_volume_fidelity : settings.fidelity;
    EXPECT_EQ(u.TruthFidelity(m, settings), want) << m.condition_id;
    if (high && !m.in_gamma) ++unlisted_high_volume;
  }
  EXPECT_GT(unlisted_high_volume, 0) << "the universe no longer holds the case under test";
}

}  // namespace
}  // namespace polysim::testing

namespace polysim::testing {
namespace {

TEST_F(Quirks, IdsAgreeAcrossClobGammaAndTheDataApi) {
  std::map<std::string, json> clob;
  for (const auto& m : markets) clob[Cid(m)] = m;
  int matched = 0;
  for (const std::string closed : {"false", "true"}) {
    const json page = sim.Json("/gamma/markets/keyset?limit=100&closed=" + closed);
    for (const auto& g : page["markets"]) {
      auto it = clob.find(g["conditionId"].get<std::string>());
      if (it == clob.end()) continue;  // some markets are listed by Gamma only
      ++matched;
      const json tokens = json::parse(g["clobTokenIds"].get<std::string>());
      const json outcomes = json::parse(g["outcomes"].get<std::string>());
      ASSERT_EQ(tokens.size(), it->second["tokens"].size());
      for (size_t i = 0; i < tokens.size(); ++i) {
        EXPECT_EQ(tokens[i], it->second["tokens"][i]["token_id"]);
        EXPECT_EQ(outcomes[i], it->second["tokens"][i]["outcome"]);
      }
      EXPECT_EQ(g["closed"], it->second["closed"]);
      EXPECT_EQ(g["questionID"], it->second["question_id"]);
    }
  }
  EXPECT_GT(matched, 50);
  // Trades name the market's own tokens and outcomes.
  for (int i = 0; i < 10; ++i) {
    const json body = sim.Json("/data/v2/trades?limit=100&condition=" + Cid(markets[i]));
    for (const auto& t : body["data"]) {
      const int o = t["outcome_index"].get<int>();
      EXPECT_EQ(t["token_id"], markets[i]["tokens"][o]["token_id"]);
      EXPECT_EQ(t["outcome"], markets[i]["tokens"][o]["outcome"]);
    }
  }
}

}  // namespace
}  // namespace polysim::testing

// Leaderboard ties and boards that shift between two pages of one sweep (polymarket-api.md 3.3).
namespace polysim::testing {
namespace {

using nlohmann::json;

// A universe whose boards run past 100 rows, so that some of them shift.
ServerOptions BigBoards() {
  ServerOptions o = SimClient::DefaultOptions();
  o.universe.markets = 1500;
  o.universe.mean_trades = 1;
  o.universe.heavy_markets = 0;
  return o;
}

// Every row of one board as a sweep in pages of 50 gets them.
json SweepBoard(SimClient& sim, int category, int period, int order) {
  json rows = json::array();
  for (int offset = 0; offset <= 1000; offset += kBoardPageRows) {
    const json page =
        sim.Json(std::string("/data/v1/leaderboard?limit=50&category=") +
                 kBoardCategories[category] + "&timePeriod=" + kBoardPeriods[period] +
                 "&orderBy=" + kBoardOrders[order] + "&offset=" + std::to_string(offset));
    for (const auto& row : page) rows.push_back(row);
    if (page.size() < static_cast<size_t>(kBoardPageRows)) break;
  }
  return rows;
}

int Rank(const json& row) {
  return std::stoi(row["rank"].get<std::string>());
}

template <typename F>
void ForEachBoard(F visit) {
  for (int c = 0; c < static_cast<int>(kBoardCategories.size()); ++c) {
    for (int p = 0; p < static_cast<int>(kBoardPeriods.size()); ++p) {
      for (int o = 0; o < static_cast<int>(kBoardOrders.size()); ++o) visit(c, p, o);
    }
  }
}

TEST(QuirksBoard, TiedTradersShareARankAndTheRankAfterThemSkips) {
  SimClient sim;
  int ties = 0, skips = 0;
  ForEachBoard([&](int c, int p, int o) {
    const json rows = SweepBoard(sim, c, p, o);
    const std::string value = o == 0 ? "pnl" : "vol";  // what the board is ordered by
    for (size_t i = 1; i < rows.size(); ++i) {
      const double above = rows[i - 1][value].get<double>();
      if (Rank(rows[i]) == Rank(rows[i - 1])) {
        ++ties;
        EXPECT_EQ(rows[i][value].get<double>(), above) << "a shared rank is an equal value";
        EXPECT_NE(rows[i]["proxyWallet"], rows[i - 1]["proxyWallet"]);
      } else {
        EXPECT_EQ(Rank(rows[i]), static_cast<int>(i) + 1) << "the rank after a tie skips";
        EXPECT_LT(rows[i][value].get<double>(), above);
        skips += Rank(rows[i]) > Rank(rows[i - 1]) + 1;
      }
    }
  });
  EXPECT_GT(ties, 0);
  EXPECT_GT(skips, 0);
  EXPECT_EQ(ties, sim.Json("/__sim/truth?detail=false")["leaderboard_ties"].get<int>());
}

TEST(QuirksBoard, AShiftedBoardServesOneWalletTwiceAndOneNever) {
  SimClient sim(BigBoards());
  const Universe& u = sim.server().universe();
  int shifted = 0;
  ForEachBoard([&](int c, int p, int o) {
    if (!u.BoardShifted(c, p, o)) return;
    ++shifted;
    const json rows = SweepBoard(sim, c, p, o);
    ASSERT_EQ(rows.size(), static_cast<size_t>(u.BoardSize(c, p))) << "pages keep their size";
    // The second page starts with the first page's last wallet, one rank further down.
    EXPECT_EQ(rows[49]["proxyWallet"], rows[50]["proxyWallet"]);
    EXPECT_EQ(Rank(rows[50]), Rank(rows[49]) + 1);
    std::set<std::string> served;
    for (const auto& row : rows) served.insert(row["proxyWallet"].get<std::string>());
    EXPECT_EQ(served.size(), rows.size() - 1);
    EXPECT_EQ(served.count(u.wallets()[u.BoardEntry(c, p, o, 99).wallet].address), 0u)
        << "the wallet pushed past the second page is never served";
    // The third page is the board as it was.
    EXPECT_EQ(Rank(rows[100]), u.BoardEntry(c, p, o, 100).rank);
    EXPECT_EQ(rows[100]["proxyWallet"], u.wallets()[u.BoardEntry(c, p, o, 100).wallet].address);
  });
  EXPECT_GT(shifted, 0) << "the universe no longer holds a shifted board";
}

TEST(QuirksBoard, TruthCountsTheTiesRepeatsAndUnservedWalletsOfASweep) {
  SimClient sim(BigBoards());
  const Universe& u = sim.server().universe();
  int64_t rows = 0, ties = 0, repeats = 0, unserved = 0;
  ForEachBoard([&](int c, int p, int o) {
    const json board = SweepBoard(sim, c, p, o);
    std::set<std::string> served;
    for (size_t i = 0; i < board.size(); ++i) {
      ties += i > 0 && Rank(board[i]) == Rank(board[i - 1]);
      repeats += !served.insert(board[i]["proxyWallet"].get<std::string>()).second;
    }
    for (int r = 0; r < u.BoardSize(c, p); ++r) {
      unserved += served.count(u.wallets()[u.BoardEntry(c, p, o, r).wallet].address) == 0;
    }
    rows += static_cast<int64_t>(board.size());
  });
  const json truth = sim.Json("/__sim/truth?detail=false");
  EXPECT_EQ(rows, truth["datasets"]["leaderboard"].get<int64_t>());
  EXPECT_EQ(ties, truth["leaderboard_ties"].get<int64_t>());
  EXPECT_EQ(repeats, truth["leaderboard_repeats"].get<int64_t>());
  EXPECT_EQ(unserved, truth["leaderboard_unserved"].get<int64_t>());
  EXPECT_GT(ties, 0);
  EXPECT_GT(repeats, 0);
  EXPECT_EQ(unserved, repeats);
}

}  // namespace
}  // namespace polysim::testing
