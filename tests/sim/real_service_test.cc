// Behaviours of the real services that an older polysim got wrong (polymarket-api.md, "Where the
// simulator ... was wrong"), one section each, observed over HTTP.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tests/sim/process.h"
#include "tests/sim/sim_client.h"

namespace polysim::testing {
namespace {

using nlohmann::json;

constexpr int64_t kDay = 86'400;

std::string Cid(const json& m) {
  return m["condition_id"].get<std::string>();
}

// Every row of a v2 feed, newest first: `query` holds the filters, the pages are walked here.
std::vector<json> WholeFeed(SimClient& sim, const std::string& query) {
  std::vector<json> rows;
  const std::string path = "/data/v2/trades?limit=1000&" + query;
  std::string cursor;
  for (int page = 0; page < 10'000; ++page) {
    const json body = sim.Json(cursor.empty() ? path : path + "&cursor=" + cursor);
    if (!body.is_object()) break;
    for (const auto& t : body["data"]) rows.push_back(t);
    if (body["pagination"]["next_cursor"].is_null()) break;
    cursor = body["pagination"]["next_cursor"].get<std::string>();
  }
  return rows;
}

// Dust included: the fetch truth's `market_trades` describes.
std::vector<json> EveryFill(SimClient& sim, const std::string& cid) {
  return WholeFeed(sim, "condition=" + cid + "&filter_type=TOKENS&filter_amount=0");
}

// ---------------------------------------------------------------------------------------------
// CLOB switches enable_order_book off when a market closes (4.1).

// Gamma's enableOrderBook per condition id, from the market lists and from the markets nested in
// events; fails the test where the two disagree.
std::map<std::string, bool> GammaOrderBooks(SimClient& sim) {
  std::map<std::string, bool> books;
  for (const std::string list : {"markets", "events"}) {
    for (const std::string closed : {"false", "true"}) {
      std::string after;
      for (int page = 0; page < 1000; ++page) {
        const json body = sim.Json("/gamma/" + list + "/keyset?limit=100&closed=" + closed +
                                   (after.empty() ? "" : "&after_cursor=" + after));
        for (const auto& item : body[list]) {
          const json markets = list == "markets" ? json::array({item}) : item["markets"];
          for (const auto& m : markets) {
            const auto [it, added] = books.emplace(m["conditionId"].get<std::string>(),
                                                   m["enableOrderBook"].get<bool>());
            EXPECT_EQ(it->second, m["enableOrderBook"].get<bool>()) << it->first;
          }
        }
        if (!body.contains("next_cursor")) break;
        after = body["next_cursor"].get<std::string>();
      }
    }
  }
  return books;
}

TEST(QuirksClosedMarkets, BookIsSwitchedOffButHistoryAndGammaKeepIt) {
  SimClient sim;
  const json truth = sim.Truth();
  const json clob = sim.Json("/clob/markets")["data"];
  const auto gamma = GammaOrderBooks(sim);
  int closed_with_book = 0, without_book = 0, checked_history = 0;
  for (const auto& m : clob) {
    const std::string cid = Cid(m);
    const bool had_book = m["accepting_order_timestamp"].is_string();
    const bool closed = m["closed"].get<bool>();
    EXPECT_EQ(m["enable_order_book"].get<bool>(), had_book && !closed) << cid;
    if (gamma.count(cid)) {
      EXPECT_EQ(gamma.at(cid), had_book) << cid;
    }
    without_book += !had_book;
    if (!closed || !had_book || truth["market_trades"][cid].get<int64_t>() == 0) continue;
    ++closed_with_book;
    if (checked_history >= 5) continue;
    // The coarse series of the market's last 15 days is served.
    const auto fills = EveryFill(sim, cid);
    const int64_t last = fills.front()["timestamp"].get<int64_t>();
    const int64_t first = fills.back()["timestamp"].get<int64_t>();
    if (last - first < 2 * kDay) continue;  // too short to hold a point on the coarse grid
    const std::string window =
        "&startTs=" + std::to_string(last - 15 * kDay + 1) + "&endTs=" + std::to_string(last);
    const std::string token = m["tokens"][0]["token_id"].get<std::string>();
    size_t points = 0;
    for (const char* fidelity : {"720", "1440"}) {
      points += sim.Json("/clob/prices-history?market=" + token + window +
                         "&fidelity=" + fidelity)["history"]
                    .size();
    }
    EXPECT_GT(points, 0u) << cid << " closed with a book: its coarse history stays";
    ++checked_history;
  }
  EXPECT_GT(closed_with_book, 0);
  EXPECT_GT(checked_history, 0);
  EXPECT_GT(without_book, 0);
  EXPECT_EQ(without_book, truth["markets_without_book"].get<int>());
}

TEST(QuirksClosedMarkets, AMarketThatNeverHadABookHasNoHistory) {
  SimClient sim;
  const auto gamma = GammaOrderBooks(sim);
  const int64_t now = sim.Truth()["now"].get<int64_t>();
  int checked = 0;
  const json clob = sim.Json("/clob/markets")["data"];
  for (const auto& m : clob) {
    if (!m["accepting_order_timestamp"].is_null()) continue;
    ++checked;
    EXPECT_FALSE(m["enable_order_book"].get<bool>());
    if (gamma.count(Cid(m))) {
      EXPECT_FALSE(gamma.at(Cid(m)));
    }
    const std::string token = m["tokens"][0]["token_id"].get<std::string>();
    for (int64_t end = now; end > now - 60 * kDay; end -= 15 * kDay) {
      const std::string window =
          "&startTs=" + std::to_string(end - 15 * kDay) + "&endTs=" + std::to_string(end);
      for (const char* fidelity : {"60", "720", "1440"}) {
        EXPECT_TRUE(sim.Json("/clob/prices-history?market=" + token + window +
                             "&fidelity=" + fidelity)["history"]
                        .empty());
      }
    }
  }
  EXPECT_GT(checked, 0);
}

// ---------------------------------------------------------------------------------------------
// The trade feed reaches three years back (3.1).

// Rows as comparable texts.
std::multiset<std::string> Keys(const std::vector<json>& rows) {
  std::multiset<std::string> out;
  for (const auto& t : rows) out.insert(t.dump());
  return out;
}

// A 400 with the v2 error body, naming `parameter`.
void ExpectV2Error(SimClient& sim, const std::string& path, const std::string& parameter) {
  auto res = sim.Get(path);
  ASSERT_TRUE(res) << path;
  EXPECT_EQ(res->status, 400) << path;
  const json body = json::parse(res->body, nullptr, false);
  EXPECT_EQ(body.value("code", ""), "invalid_request") << res->body;
  EXPECT_EQ(body.value("parameter", ""), parameter) << res->body;
}

// The default universe, with a lighter heavy market (its 100,000 fills are not under test here).
ServerOptions DefaultUniverse() {
  ServerOptions o;
  o.universe.heavy_trades = 5'000;
  o.threads = 8;
  return o;
}

TEST(QuirksFeedWindow, TheDefaultUniverseHoldsMarketsOlderThanTheWindow) {
  Universe u(UniverseOptions{});
  const int64_t cutoff = u.FeedWindowStart();
  EXPECT_EQ(cutoff, u.now() - 1095 * kDay);
  int older = 0, closed_across = 0;
  for (const Market& m : u.markets()) {
    if (!m.in_clob || m.start >= cutoff) continue;
    ++older;
    const int64_t first_inside = u.FirstTradeSince(m, cutoff);
    if (u.Closed(m) && first_inside > 0 && first_inside < u.VisibleTrades(m)) ++closed_across;
  }
  EXPECT_GE(older, 5);
  EXPECT_GE(closed_across, 3) << "closed markets with fills on both sides of the window";
}

TEST(QuirksFeedWindow, AMarketOlderThanTheWindowServesExactlyItsFillsInside) {
  SimClient sim(DefaultUniverse());
  const json truth = sim.Truth();
  const int64_t cutoff = truth["feed_window_start"].get<int64_t>();
  EXPECT_EQ(cutoff, truth["now"].get<int64_t>() - 1095 * kDay);
  const json& older = truth["out_of_window_markets"];
  ASSERT_GE(older.size(), 5u);
  EXPECT_EQ(truth["markets_out_of_window"].get<size_t>(), older.size());
  int64_t outside_total = 0, across = 0;
  for (const auto& id : older) {
    const std::string cid = id.get<std::string>();
    const auto served = EveryFill(sim, cid);
    EXPECT_EQ(static_cast<int64_t>(served.size()), truth["market_trades"][cid].get<int64_t>());
    for (const auto& t : served) EXPECT_GE(t["timestamp"].get<int64_t>(), cutoff) << cid;
    // The legacy route still holds the whole tape: the feed is its part inside the window.
    const json tape = sim.Json("/data/trades?limit=10000&market=" + cid);
    std::multiset<std::string> inside;
    int64_t outside = 0;
    for (const auto& t : tape) {
      if (t["timestamp"].get<int64_t>() < cutoff) {
        ++outside;
      } else {
        inside.insert(t["transactionHash"].get<std::string>() + "@" + t["timestamp"].dump());
      }
    }
    std::multiset<std::string> got;
    for (const auto& t : served) {
      got.insert(t["transaction_hash"].get<std::string>() + "@" + t["timestamp"].dump());
    }
    EXPECT_EQ(got, inside) << cid;
    EXPECT_GT(outside, 0) << cid << " began before the window";
    EXPECT_EQ(outside, truth["market_trades_outside_window"][cid].get<int64_t>()) << cid;
    outside_total += outside;
    across += !served.empty();
  }
  EXPECT_GT(across, 0) << "some older market still trades inside the window";
  EXPECT_EQ(truth["market_trades_outside_window"].size(), older.size());
  EXPECT_EQ(outside_total, truth["trades_outside_window"].get<int64_t>());
  EXPECT_EQ(truth["trades_existing"].get<int64_t>(),
            truth["datasets"]["trades"].get<int64_t>() + outside_total);
}

TEST(QuirksFeedWindow, EventFeedsEndAtTheWindowAndAUserFeedReachesBackOnlyWithStart) {
  SimClient sim(DefaultUniverse());
  const json truth = sim.Truth();
  const int64_t cutoff = truth["feed_window_start"].get<int64_t>();
  // The oldest fill of the oldest market, from the legacy route's whole tape.
  std::string oldest_cid;
  json oldest;
  for (const auto& id : truth["out_of_window_markets"]) {
    const json tape = sim.Json("/data/trades?limit=10000&market=" + id.get<std::string>());
    if (!tape.empty() && (oldest.is_null() || tape.back()["timestamp"] < oldest["timestamp"])) {
      oldest = tape.back();
      oldest_cid = id.get<std::string>();
    }
  }
  ASSERT_FALSE(oldest.is_null());
  ASSERT_LT(oldest["timestamp"].get<int64_t>(), cutoff);

  const json market = sim.Json("/gamma/markets/keyset?closed=true&condition_ids=" + oldest_cid);
  if (!market["markets"].empty()) {
    const std::string event = market["markets"][0]["events"][0]["id"].get<std::string>();
    for (const auto& t : WholeFeed(sim, "event_id=" + event + "&filter_amount=0")) {
      EXPECT_GE(t["timestamp"].get<int64_t>(), cutoff);
    }
  }
  const std::string user = "user=" + oldest["proxyWallet"].get<std::string>() + "&filter_amount=0";
  for (const auto& t : WholeFeed(sim, user)) EXPECT_GE(t["timestamp"].get<int64_t>(), cutoff);
  bool found = false;
  for (const auto& t : WholeFeed(sim, user + "&start=1")) {
    found = found || (t["transaction_hash"] == oldest["transactionHash"] &&
                      t["timestamp"] == oldest["timestamp"]);
  }
  EXPECT_TRUE(found) << "start=1 is the user's full history";
  const auto bounded = WholeFeed(sim, user + "&start=1&end=" + std::to_string(cutoff - 1));
  ASSERT_FALSE(bounded.empty());
  for (const auto& t : bounded) EXPECT_LT(t["timestamp"].get<int64_t>(), cutoff);
  ExpectV2Error(sim, "/data/v2/trades?" + user + "&start=yesterday", "start");
}

// ---------------------------------------------------------------------------------------------
// Dust fills and the default size filter (3.1).

TEST(QuirksDust, TheDefaultFilterHidesFillsUnderOneHundredthOfAShare) {
  SimClient sim;
  const json truth = sim.Truth();
  int64_t all = 0, dust = 0;
  const json clob = sim.Json("/clob/markets")["data"];
  for (const auto& m : clob) {
    const std::string cid = Cid(m);
    const auto every = EveryFill(sim, cid);
    int64_t small = 0;
    std::multiset<std::string> big;
    for (const auto& t : every) {
      if (t["size"].get<double>() < 0.01) {
        ++small;
        EXPECT_GE(t["size"].get<double>(), 0.000001);
      } else {
        big.insert(t.dump());
      }
    }
    EXPECT_EQ(Keys(WholeFeed(sim, "condition=" + cid)), big) << cid;
    EXPECT_EQ(static_cast<int64_t>(every.size()), truth["market_trades"][cid].get<int64_t>());
    all += static_cast<int64_t>(every.size());
    dust += small;
  }
  EXPECT_EQ(all, truth["datasets"]["trades"].get<int64_t>());
  EXPECT_EQ(dust, truth["dust_trades"].get<int64_t>());
  EXPECT_GT(dust, all / 100) << "about 2% of fills are dust";
  EXPECT_LT(dust, all * 3 / 100);
}

TEST(QuirksDust, CashAndTokenFiltersCompareWithTheirAmount) {
  SimClient sim;
  const json clob = sim.Json("/clob/markets")["data"];
  std::string cid;
  for (const auto& m : clob) {
    if (EveryFill(sim, Cid(m)).size() > 200) cid = Cid(m);
    if (!cid.empty()) break;
  }
  ASSERT_FALSE(cid.empty());
  const auto every = EveryFill(sim, cid);
  std::multiset<std::string> cash, tokens;
  for (const auto& t : every) {
    const double size = t["size"].get<double>(), price = t["price"].get<double>();
    if (size * price >= 20) cash.insert(t.dump());
    if (size >= 50) tokens.insert(t.dump());
  }
  ASSERT_FALSE(cash.empty());
  ASSERT_LT(cash.size(), every.size());
  EXPECT_EQ(Keys(WholeFeed(sim, "condition=" + cid + "&filter_type=CASH&filter_amount=20")), cash);
  EXPECT_EQ(Keys(WholeFeed(sim, "condition=" + cid + "&filter_amount=50")), tokens);
  EXPECT_EQ(Keys(WholeFeed(sim, "condition=" + cid + "&filterType=TOKENS&filterAmount=50")),
            tokens);
}

TEST(QuirksDust, BadFilterValuesAre400AndCursorsAreBoundToTheFilter) {
  SimClient sim;
  const std::string cid = Cid(sim.Json("/clob/markets")["data"][0]);
  const std::string base = "/data/v2/trades?condition=" + cid;
  ExpectV2Error(sim, base + "&filter_type=SHARES", "filter_type");
  for (const char* amount : {"-1", "abc", "nan", "inf", "", "1e400", "0.5x"}) {
    ExpectV2Error(sim, base + "&filter_amount=" + amount, "filter_amount");
  }
  EXPECT_EQ(sim.Get(base + "&filter_type=CASH&filter_amount=0.5")->status, 200);
  const json page = sim.Json(base + "&limit=1");
  ASSERT_TRUE(page["pagination"]["has_more"].get<bool>());
  const std::string cursor = page["pagination"]["next_cursor"].get<std::string>();
  EXPECT_EQ(sim.Get(base + "&limit=1&cursor=" + cursor)->status, 200);
  EXPECT_EQ(sim.Get(base + "&limit=1&filter_amount=0.01&cursor=" + cursor)->status, 200);
  for (const char* other : {"&filter_amount=0", "&filter_type=CASH"}) {
    ExpectV2Error(sim, base + "&limit=1" + other + "&cursor=" + cursor, "cursor");
  }
}

// ---------------------------------------------------------------------------------------------
// Late fills (3.1, "Freshness").

TEST(QuirksLateFills, AppearBehindRowsAlreadyServedAndTheFinalSetEqualsTruth) {
  ServerOptions o = SimClient::DefaultOptions();
  o.universe.mean_trades = 200;
  o.universe.late_fills = 0.3;
  o.universe.late_fill_max_delay = 6 * 3600;  // long enough for a few to be pending at once
  SimClient sim(o);
  // The busiest open market.
  const json truth0 = sim.Truth();
  std::string cid;
  int64_t most = -1;
  const json clob = sim.Json("/clob/markets")["data"];
  for (const auto& m : clob) {
    const int64_t n = truth0["market_trades"][Cid(m)].get<int64_t>();
    if (!m["closed"].get<bool>() && n > most) {
      most = n;
      cid = Cid(m);
    }
  }
  ASSERT_FALSE(cid.empty());
  EXPECT_EQ(truth0["late_pending"], 0) << "the starting history is fully indexed";

  ASSERT_EQ(sim.Post("/__sim/advance?seconds=" + std::to_string(kDay), "")->status, 200);
  const json truth1 = sim.Truth();
  const auto first = EveryFill(sim, cid);
  EXPECT_EQ(static_cast<int64_t>(first.size()), truth1["market_trades"][cid].get<int64_t>());
  EXPECT_GT(truth1["late_pending"].get<int64_t>(), 0);
  ASSERT_FALSE(first.empty());
  const int64_t newest = first.front()["timestamp"].get<int64_t>();

  ASSERT_EQ(sim.Post("/__sim/advance?seconds=" + std::to_string(6 * 3600), "")->status, 200);
  const auto second = EveryFill(sim, cid);
  std::multiset<std::string> before = Keys(first), added;
  for (const auto& t : second) {
    auto it = before.find(t.dump());
    if (it != before.end()) {
      before.erase(it);
    } else {
      added.insert(t.dump());
    }
  }
  EXPECT_TRUE(before.empty()) << "rows once served stay served";
  int behind = 0;
  for (const auto& text : added) behind += json::parse(text)["timestamp"].get<int64_t>() < newest;
  EXPECT_GT(behind, 0) << "late fills appear behind the newest row already served";
  EXPECT_EQ(static_cast<int64_t>(second.size()), sim.Truth()["market_trades"][cid].get<int64_t>());
  for (size_t i = 1; i < second.size(); ++i) {
    EXPECT_LE(second[i]["timestamp"], second[i - 1]["timestamp"]) << "still newest first";
  }
}

// ---------------------------------------------------------------------------------------------
// gzip bodies for clients that accept them.

struct RawResponse {
  std::string head;  // status line and headers
  std::string body;
};

// One GET over a fresh connection, exactly as written: httplib's client would add its own
// Accept-Encoding and decompress.
std::optional<RawResponse> RawGet(int port, const std::string& path, const std::string& headers) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return std::nullopt;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string raw;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string request =
        "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + "Connection: close\r\n\r\n";
    if (send(fd, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size())) {
      char buf[65536];
      for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;)
        raw.append(buf, static_cast<size_t>(n));
    }
  }
  close(fd);
  const size_t split = raw.find("\r\n\r\n");
  if (split == std::string::npos) return std::nullopt;
  return RawResponse{raw.substr(0, split + 2), raw.substr(split + 4)};
}

std::string Gunzip(const std::string& in) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 16) != Z_OK) return "";
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  std::string out;
  char buf[65536];
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
  }
  inflateEnd(&z);
  return rc == Z_STREAM_END ? out : "";
}

bool HasHeader(const std::string& head, const std::string& line) {
  std::string lower = head;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower.find("\r\n" + line + "\r\n") != std::string::npos;
}

TEST(QuirksGzip, JsonIsGzippedOnlyForClientsThatAcceptIt) {
  SimClient sim;
  const std::string cid = Cid(sim.Json("/clob/markets")["data"][0]);
  for (const std::string& path :
       {std::string("/clob/markets"), "/data/v2/trades?limit=500&condition=" + cid,
        std::string("/gamma/markets/keyset?limit=50"), std::string("/__sim/truth")}) {
    const auto plain = RawGet(sim.port(), path, "");
    ASSERT_TRUE(plain) << path;
    EXPECT_FALSE(HasHeader(plain->head, "content-encoding: gzip")) << path;
    const json body = json::parse(plain->body, nullptr, false);
    ASSERT_FALSE(body.is_discarded()) << path << ": plain JSON without Accept-Encoding";

    const auto packed = RawGet(sim.port(), path, "Accept-Encoding: br, gzip, deflate\r\n");
    ASSERT_TRUE(packed) << path;
    EXPECT_TRUE(HasHeader(packed->head, "content-encoding: gzip")) << packed->head;
    EXPECT_LT(packed->body.size(), plain->body.size()) << path;
    EXPECT_EQ(json::parse(Gunzip(packed->body), nullptr, false), body) << path;

    const auto refused = RawGet(sim.port(), path, "Accept-Encoding: gzip;q=0, br\r\n");
    ASSERT_TRUE(refused) << path;
    EXPECT_FALSE(HasHeader(refused->head, "content-encoding: gzip")) << path;
    EXPECT_FALSE(HasHeader(refused->head, "content-encoding: br")) << path;
    EXPECT_EQ(json::parse(refused->body, nullptr, false), body) << path;
  }
  // Not JSON: the HTML block page goes out as it is.
  std::string query = "/gamma/markets/keyset?limit=1";
  for (int i = 0; i < 41; ++i) query += "&condition_ids=" + cid;
  const auto html = RawGet(sim.port(), query, "Accept-Encoding: gzip\r\n");
  ASSERT_TRUE(html);
  EXPECT_NE(html->body.find("Attention Required! | Cloudflare"), std::string::npos);

  // --no-gzip (loopback benchmarks): plain JSON whatever the client accepts.
  ServerOptions plain_only = SimClient::DefaultOptions();
  plain_only.gzip = false;
  SimClient quiet(plain_only);
  const auto plain = RawGet(quiet.port(), "/clob/markets", "Accept-Encoding: gzip\r\n");
  ASSERT_TRUE(plain);
  EXPECT_FALSE(HasHeader(plain->head, "content-encoding: gzip")) << plain->head;
  EXPECT_FALSE(json::parse(plain->body, nullptr, false).is_discarded());
}

// ---------------------------------------------------------------------------------------------
// One unit of work blocked for good: --fault-403-match.

TEST(TrafficFault403Match, EveryRequestNamingTheTextGetsTheBlockPageAfterAdmission) {
  SimClient probe;
  const json clob = probe.Json("/clob/markets")["data"];
  const std::string blocked = Cid(clob[0]), other = Cid(clob[1]);
  const std::string token = clob[0]["tokens"][0]["token_id"].get<std::string>();

  ServerOptions o = SimClient::DefaultOptions();
  o.traffic.faults.html_403_matches = {blocked, token};
  o.traffic.mode = LimitMode::kRejectJson;
  o.traffic.rules = {{"/data/v2/trades", 4, 60}};
  SimClient sim(o);
  for (int i = 0; i < 3; ++i) {
    auto res = sim.Get("/data/v2/trades?condition=" + blocked);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 403);
    EXPECT_NE(res->body.find("Attention Required! | Cloudflare"), std::string::npos);
  }
  EXPECT_EQ(sim.Get("/data/v2/trades?condition=" + other)->status, 200);
  // Blocked requests were admitted first: they count against the rate limit.
  EXPECT_EQ(sim.Get("/data/v2/trades?condition=" + blocked)->status, 429);
  EXPECT_EQ(sim.Get("/clob/prices-history?interval=1d&market=" + token)->status, 403);
  const json batch = {{"markets", {token}}, {"interval", "1d"}, {"fidelity", 60}};
  EXPECT_EQ(sim.Post("/clob/batch-prices-history", batch.dump())->status, 403);
  EXPECT_EQ(sim.Get("/__sim/truth?detail=" + blocked)->status, 200) << "control routes are exempt";
  const json stats = sim.Json("/__sim/stats");
  EXPECT_EQ(stats["routes"]["/data/v2/trades"]["faults"]["html_403"], 3);
  EXPECT_EQ(stats["routes"]["/clob/batch-prices-history"]["faults"]["html_403"], 1);
}

// ---------------------------------------------------------------------------------------------
// The flags that switch these behaviours, on the polysim binary.

TEST(QuirksFlags, WindowLateFillsAndBlockTextAreSetFromTheCommandLine) {
  const fs::path dir = TempDir("polysim-real-flags");
  const fs::path port_file = dir / "port";
  Process p = Spawn({POLYSIM_BINARY, "--port", "0", "--port-file", port_file.string(), "--markets",
                     "60", "--history-days", "120", "--feed-window-days", "30", "--late-fills",
                     "0.5", "--late-fill-delay", "7200", "--fault-403-match", "0xnothing",
                     "--fault-403-match", "limit=7"},
                    (dir / "log").string());
  const int port = WaitForPortFile(port_file);
  ASSERT_GT(port, 0) << "polysim did not report its port";
  httplib::Client client("127.0.0.1", port);
  ASSERT_EQ(client.Post("/__sim/advance?seconds=86400", "", "text/plain")->status, 200);
  const json truth = json::parse(client.Get("/__sim/truth?detail=false")->body);
  EXPECT_EQ(truth["feed_window_start"].get<int64_t>(), truth["now"].get<int64_t>() - 30 * kDay);
  EXPECT_GT(truth["markets_out_of_window"].get<int64_t>(), 0);
  EXPECT_GT(truth["late_pending"].get<int64_t>(), 0);
  EXPECT_EQ(client.Get("/clob/markets?limit=7")->status, 403);
  EXPECT_EQ(client.Get("/clob/markets?limit=8")->status, 200);
  ASSERT_EQ(kill(p.pid, SIGTERM), 0);
  EXPECT_EQ(p.Wait(10), 0);
  fs::remove_all(dir);
  EXPECT_EQ(RunToEnd({POLYSIM_BINARY, "--late-fill-delay", "10"}).code, 2);
  EXPECT_EQ(RunToEnd({POLYSIM_BINARY, "--late-fills", "1.5"}).code, 2);
}

// A client judges the trade feed's three-year reach by the server's clock: every answer's Date
// header is the universe's, and moves with it.
TEST(QuirksDate, EveryAnswerCarriesTheUniverseClock) {
  SimClient sim;
  auto res = sim.Get("/clob/markets");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->get_header_value("Date"), "Thu, 01 Oct 2026 00:00:00 GMT");
  ASSERT_EQ(sim.Post("/__sim/advance?seconds=90061", "")->status, 200);
  res = sim.Get("/data/v2/trades?condition=0x00");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->get_header_value("Date"), "Fri, 02 Oct 2026 01:01:01 GMT");
}

}  // namespace
}  // namespace polysim::testing
