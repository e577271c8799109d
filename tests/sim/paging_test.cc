// Paging every polysim list to its end returns each row exactly once, the totals equal
// /__sim/truth, and the universe is a deterministic function of its seed.

#include <algorithm>
#include <ctime>
#include <map>
#include <set>

#include "tests/sim/sim_client.h"

namespace polysim::testing {
namespace {

using nlohmann::json;

int64_t ParseIsoSeconds(const std::string& text) {
  std::tm tm{};
  EXPECT_NE(strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm), nullptr) << text;
  return timegm(&tm);
}

std::vector<json> AllClobMarkets(SimClient& sim) {
  std::vector<json> out;
  std::string cursor = "MA==";
  for (int page = 0; cursor != "LTE=" && page < 10'000; ++page) {
    json body = sim.Json("/clob/markets?next_cursor=" + cursor);
    for (auto& m : body["data"]) out.push_back(m);
    cursor = body["next_cursor"].get<std::string>();
  }
  EXPECT_EQ(cursor, "LTE=");
  return out;
}

// Every trade of a feed (one or more comma-separated condition ids), newest first, dust fills
// included (as truth counts them).
std::vector<json> AllTrades(SimClient& sim, const std::string& conditions, int limit = 1000) {
  std::vector<json> out;
  std::string path = "/data/v2/trades?condition=" + conditions + "&limit=" + std::to_string(limit) +
                     "&filter_type=TOKENS&filter_amount=0";
  std::string cursor;
  for (int page = 0; page < 100'000; ++page) {
    json body = sim.Json(cursor.empty() ? path : path + "&cursor=" + cursor);
    for (auto& t : body["data"]) out.push_back(t);
    if (!body["pagination"]["has_more"].get<bool>()) {
      EXPECT_TRUE(body["pagination"]["next_cursor"].is_null());
      break;
    }
    cursor = body["pagination"]["next_cursor"].get<std::string>();
  }
  return out;
}

std::string RowKey(const json& t) {
  return t.dump();
}

ServerOptions SmallPages() {
  ServerOptions o = SimClient::DefaultOptions();
  o.serve.clob_page_size = 25;  // several CLOB pages without a huge universe
  return o;
}

TEST(Paging, ClobMarketListIsCompleteAndUnique) {
  SimClient sim(SmallPages());
  const json truth = sim.Truth();
  const auto markets = AllClobMarkets(sim);
  std::set<std::string> ids, tokens;
  for (const auto& m : markets) {
    ids.insert(m["condition_id"].get<std::string>());
    for (const auto& t : m["tokens"]) tokens.insert(t["token_id"].get<std::string>());
  }
  EXPECT_EQ(ids.size(), markets.size()) << "a market was listed twice";
  EXPECT_EQ(static_cast<int64_t>(markets.size()), truth["datasets"]["markets"].get<int64_t>());
  EXPECT_EQ(static_cast<int64_t>(tokens.size()), truth["datasets"]["market_tokens"].get<int64_t>());
}

TEST(Paging, TradeFeedsMatchTruthPerMarketAndKeepIdenticalFills) {
  SimClient sim;
  const json truth = sim.Truth();
  const auto markets = AllClobMarkets(sim);
  int64_t total = 0, repeated_fills = 0;
  std::set<std::string> wallets;
  for (const auto& m : markets) {
    const std::string cid = m["condition_id"].get<std::string>();
    const auto trades = AllTrades(sim, cid);
    EXPECT_EQ(static_cast<int64_t>(trades.size()), truth["market_trades"][cid].get<int64_t>())
        << cid;
    total += static_cast<int64_t>(trades.size());
    std::map<std::string, int> seen;
    for (size_t i = 0; i < trades.size(); ++i) {
      EXPECT_EQ(trades[i]["condition_id"], cid);
      if (i > 0) {
        EXPECT_LE(trades[i]["timestamp"], trades[i - 1]["timestamp"]) << "not newest first";
      }
      if (++seen[RowKey(trades[i])] > 1) ++repeated_fills;
      wallets.insert(trades[i]["proxy_wallet"].get<std::string>());
    }
  }
  EXPECT_EQ(total, truth["datasets"]["trades"].get<int64_t>());
  // Genuinely identical fills in one transaction exist and are all served.
  EXPECT_GT(repeated_fills, 0);

  // Leaderboard wallets are wallets that trade.
  for (const char* cat : {"OVERALL", "CRYPTO"}) {
    const json board = sim.Json(std::string("/data/v1/leaderboard?limit=50&category=") + cat);
    ASSERT_FALSE(board.empty());
    for (const auto& row : board) {
      EXPECT_TRUE(wallets.count(row["proxyWallet"].get<std::string>())) << row.dump();
    }
  }
}

TEST(Paging, SharedTradeFeedOfTwentyMarketsEqualsTheSingleFeeds) {
  SimClient sim;
  const auto markets = AllClobMarkets(sim);
  ASSERT_GE(markets.size(), 20u);
  std::string ids;
  std::multiset<std::string> single;
  for (int i = 0; i < 20; ++i) {
    const std::string cid = markets[i]["condition_id"].get<std::string>();
    ids += (i ? "," : "") + cid;
    for (const auto& t : AllTrades(sim, cid)) single.insert(RowKey(t));
  }
  const auto shared = AllTrades(sim, ids, 137);  // odd page size: pages cut across markets
  std::multiset<std::string> merged;
  for (size_t i = 0; i < shared.size(); ++i) {
    merged.insert(RowKey(shared[i]));
    if (i > 0) {
      EXPECT_LE(shared[i]["timestamp"], shared[i - 1]["timestamp"]);
    }
  }
  EXPECT_EQ(merged, single);
}

TEST(Paging, HeavyMarketHoldsMoreThanHundredThousandTrades) {
  ServerOptions o = SimClient::DefaultOptions();
  o.universe.heavy_trades = 120'000;
  SimClient sim(o);
  const json truth = sim.Truth();
  std::vector<int64_t> counts;
  std::string heavy;
  for (auto& [cid, n] : truth["market_trades"].items()) {
    counts.push_back(n.get<int64_t>());
    if (n.get<int64_t>() == 120'000) heavy = cid;
  }
  ASSERT_FALSE(heavy.empty());
  std::sort(counts.begin(), counts.end());
  EXPECT_LT(counts[counts.size() / 2], 100) << "the median market should be small";
  const auto trades = AllTrades(sim, heavy);
  EXPECT_EQ(trades.size(), 120'000u);
}

TEST(Paging, PriceHistoryWindowsMatchTruthAndLieWithinMarketLife) {
  SimClient sim;
  const json truth = sim.Truth();
  const int64_t now = truth["now"].get<int64_t>();
  const auto markets = AllClobMarkets(sim);
  int64_t checked = 0;
  for (const auto& m : markets) {
    const std::string cid = m["condition_id"].get<std::string>();
    const auto trades = AllTrades(sim, cid);
    if (trades.empty()) continue;
    const int64_t start = trades.back()["timestamp"].get<int64_t>();  // first trade = start
    const int64_t end = std::min(now, ParseIsoSeconds(m["end_date_iso"].get<std::string>()));
    for (const auto& tok : m["tokens"]) {
      const std::string token = tok["token_id"].get<std::string>();
      const int fidelity = truth["token_fidelity"][token].get<int>();
      int64_t points = 0;
      for (int64_t from = start; fidelity > 0 && from <= end; from += 15 * 86'400) {
        const int64_t to = std::min(end, from + 15 * 86'400 - 1);
        const json h =
            sim.Json("/clob/prices-history?market=" + token + "&startTs=" + std::to_string(from) +
                     "&endTs=" + std::to_string(to) + "&fidelity=" + std::to_string(fidelity));
        for (const auto& p : h["history"]) {
          EXPECT_GE(p["t"].get<int64_t>(), start);
          EXPECT_LE(p["t"].get<int64_t>(), end);
          EXPECT_GT(p["p"].get<double>(), 0.0);
          EXPECT_LT(p["p"].get<double>(), 1.0);
        }
        points += static_cast<int64_t>(h["history"].size());
      }
      EXPECT_EQ(points, truth["token_prices"][token].get<int64_t>()) << token;
      ++checked;
    }
  }
  EXPECT_GT(checked, 100);
}

TEST(Paging, LeaderboardBoardsMatchTruth) {
  SimClient sim;
  const json truth = sim.Truth();
  int64_t rows = 0;
  for (const char* c : {"OVERALL", "POLITICS", "SPORTS", "ESPORTS", "CRYPTO", "CULTURE", "MENTIONS",
                        "WEATHER", "ECONOMICS", "TECH", "FINANCE"}) {
    for (const char* p : {"DAY", "WEEK", "MONTH", "ALL"}) {
      for (const char* o : {"PNL", "VOL"}) {
        std::set<std::string> ranks;
        for (int offset = 0; offset <= 1000; offset += 50) {
          const json page =
              sim.Json(std::string("/data/v1/leaderboard?limit=50&category=") + c +
                       "&timePeriod=" + p + "&orderBy=" + o + "&offset=" + std::to_string(offset));
          for (const auto& row : page) ranks.insert(row["rank"].get<std::string>());
          rows += static_cast<int64_t>(page.size());
          if (page.size() < 50) break;
        }
        EXPECT_FALSE(ranks.empty());
      }
    }
  }
  EXPECT_EQ(rows, truth["datasets"]["leaderboard"].get<int64_t>());
}

template <typename F>
std::set<std::string> KeysetIds(SimClient& sim, const std::string& route, const char* key,
                                const std::string& closed, F on_page) {
  std::set<std::string> ids;
  std::string after;
  for (int page = 0; page < 10'000; ++page) {
    json body = sim.Json(route + "?limit=37&closed=" + closed +
                         (after.empty() ? "" : "&after_cursor=" + after));
    on_page(body);
    for (const auto& item : body[key]) {
      EXPECT_TRUE(ids.insert(item["id"].get<std::string>()).second) << "repeated id";
    }
    if (!body.contains("next_cursor")) break;
    after = body["next_cursor"].get<std::string>();
  }
  return ids;
}

TEST(Paging, GammaKeysetSweepsAndTagsMatchTruth) {
  SimClient sim;
  const json truth = sim.Truth();
  int64_t markets = 0, events = 0, closed_seen = 0;
  for (const std::string closed : {"false", "true"}) {
    markets += static_cast<int64_t>(
        KeysetIds(sim, "/gamma/markets/keyset", "markets", closed, [&](const json& page) {
          for (const auto& m : page["markets"]) {
            EXPECT_EQ(m["closed"].get<bool>(), closed == "true");
            closed_seen += m["closed"].get<bool>();
          }
        }).size());
    events += static_cast<int64_t>(
        KeysetIds(sim, "/gamma/events/keyset", "events", closed, [](const json&) {}).size());
  }
  EXPECT_GT(closed_seen, 0);
  EXPECT_EQ(markets, truth["datasets"]["gamma_markets"].get<int64_t>());
  EXPECT_EQ(events, truth["datasets"]["gamma_events"].get<int64_t>());
  std::set<std::string> tags;
  for (int offset = 0; offset < 10'000; offset += 7) {
    const json page = sim.Json("/gamma/tags?limit=7&offset=" + std::to_string(offset));
    for (const auto& t : page) tags.insert(t["id"].get<std::string>());
    if (page.empty()) break;
  }
  EXPECT_EQ(static_cast<int64_t>(tags.size()),
            truth["datasets"]["gamma_categories"].get<int64_t>());
}

std::vector<std::string> DeterminismPaths(SimClient& sim) {
  const json page = sim.Json("/clob/markets");
  const std::string cid = page["data"][3]["condition_id"].get<std::string>();
  const std::string token = page["data"][3]["tokens"][0]["token_id"].get<std::string>();
  const json trades = sim.Json("/data/v2/trades?limit=5&condition=" + cid);
  std::vector<std::string> paths = {
      "/clob/markets",
      "/clob/markets/" + cid,
      "/data/v2/trades?limit=5&condition=" + cid,
      "/data/trades?limit=50&market=" + cid,
      "/data/v1/leaderboard?limit=50&category=SPORTS",
      "/gamma/markets/keyset?limit=100&closed=true",
      "/gamma/events/keyset?limit=100",
      "/gamma/markets?limit=100&offset=20",
      "/gamma/tags?limit=100",
      "/clob/prices-history?market=" + token + "&interval=1w&fidelity=60",
      "/__sim/truth"};
  if (!trades["pagination"]["next_cursor"].is_null()) {
    paths.push_back("/data/v2/trades?limit=5&condition=" + cid +
                    "&cursor=" + trades["pagination"]["next_cursor"].get<std::string>());
  }
  return paths;
}

TEST(Determinism, SameSeedServesByteIdenticalResponses) {
  SimClient a, b;
  const auto paths = DeterminismPaths(a);
  ASSERT_GE(paths.size(), 12u);
  for (const auto& path : paths) {
    auto ra = a.Get(path);
    auto rb = b.Get(path);
    ASSERT_TRUE(ra && rb) << path;
    EXPECT_EQ(ra->status, 200) << path;
    EXPECT_EQ(ra->body, rb->body) << path;
  }
}

TEST(Determinism, DifferentSeedGivesDifferentUniverse) {
  ServerOptions other = SimClient::DefaultOptions();
  other.universe.seed = 2;
  SimClient a, b(other);
  const json ma = a.Json("/clob/markets"), mb = b.Json("/clob/markets");
  std::set<std::string> ids;
  for (const auto& m : ma["data"]) ids.insert(m["condition_id"].get<std::string>());
  int shared = 0;
  for (const auto& m : mb["data"]) shared += ids.count(m["condition_id"].get<std::string>());
  EXPECT_EQ(shared, 0);
  EXPECT_NE(a.Json("/__sim/truth?detail=false")["datasets"],
            b.Json("/__sim/truth?detail=false")["datasets"]);
}

}  // namespace
}  // namespace polysim::testing
