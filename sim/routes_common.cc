// Helpers shared by the route files, and the /__sim/truth route.

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <unordered_set>
#include <vector>

#include "sim/hostile.h"
#include "sim/json_writer.h"
#include "sim/routes.h"

namespace polysim {

std::string SimRequest::Get(const std::string& key, const std::string& fallback) const {
  auto it = params.find(key);
  return it == params.end() ? fallback : it->second;
}

std::vector<std::string> SimRequest::GetAll(const std::string& key) const {
  std::vector<std::string> out;
  auto [lo, hi] = params.equal_range(key);
  for (auto it = lo; it != hi; ++it) out.push_back(it->second);
  return out;
}

namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
}

std::string Base64Encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t v = (static_cast<uint8_t>(in[i]) << 16) |
                       (static_cast<uint8_t>(in[i + 1]) << 8) | static_cast<uint8_t>(in[i + 2]);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i + 1 == in.size()) {
    const uint32_t v = static_cast<uint8_t>(in[i]) << 16;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    const uint32_t v = (static_cast<uint8_t>(in[i]) << 16) | (static_cast<uint8_t>(in[i + 1]) << 8);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::optional<std::string> Base64Decode(std::string_view in) {
  if (in.size() % 4 != 0) return std::nullopt;
  std::string out;
  uint32_t v = 0;
  int bits = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '=') {
      if (i + 2 < in.size()) return std::nullopt;
      break;
    }
    const char* p = std::char_traits<char>::find(kAlphabet, 64, c);
    if (p == nullptr) return std::nullopt;
    v = (v << 6) | static_cast<uint32_t>(p - kAlphabet);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((v >> bits) & 0xff));
    }
  }
  return out;
}

std::optional<int64_t> ParseInt(const std::string& text) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

SimResponse JsonResponse(int status, std::string body) {
  SimResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

std::string TraceId(const SimRequest& r) {
  uint64_t h = Hash(0x7ace, std::hash<std::string>{}(r.path));
  for (const auto& [k, v] : r.params) {
    h = Hash(h, std::hash<std::string>{}(k), std::hash<std::string>{}(v));
  }
  return fmt::format("{:016x}{:016x}", h, Mix(h));
}

SimResponse CloudflareBlockPage() {
  SimResponse r;
  r.status = 403;
  r.content_type = "text/html; charset=UTF-8";
  r.body =
      "<!DOCTYPE html>\n<html lang=\"en-US\">\n<head>\n<title>Attention Required! | "
      "Cloudflare</title>\n<meta charset=\"UTF-8\" />\n</head>\n<body>\n<div id=\"cf-wrapper\">\n"
      "<h1 data-translate=\"block_headline\">Sorry, you have been blocked</h1>\n"
      "<h2 class=\"cf-subheadline\">You are unable to access polymarket.com</h2>\n"
      "<p>This website is using a security service to protect itself from online attacks.</p>\n"
      "</div>\n</body>\n</html>\n";
  return r;
}

namespace {

// What a complete sweep of the boards in pages of 50 sees besides its rows: rows showing the rank
// of the row before (ties), rows whose wallet the board already served (a shifted board repeats
// one) and positions never served (the one a shift pushed past its page).
struct BoardQuirks {
  int64_t ties = 0, repeats = 0, unserved = 0;
};

void CountBoardQuirks(const Universe& u, int category, int period, int order, BoardQuirks& q) {
  const int size = u.BoardSize(category, period);
  std::vector<bool> shown(static_cast<size_t>(size));
  std::unordered_set<int> wallets;
  int previous_rank = 0;
  for (int i = 0; i < size; ++i) {
    const BoardRow row = u.SweptBoardRow(category, period, order, i);
    if (i > 0 && row.rank == previous_rank) ++q.ties;
    previous_rank = row.rank;
    if (!wallets.insert(row.wallet).second) ++q.repeats;
    shown[static_cast<size_t>(row.rank0)] = true;
  }
  q.unserved += std::count(shown.begin(), shown.end(), false);
}

BoardQuirks CountBoardQuirks(const Universe& u) {
  BoardQuirks q;
  for (size_t c = 0; c < kBoardCategories.size(); ++c) {
    for (size_t p = 0; p < kBoardPeriods.size(); ++p) {
      for (size_t o = 0; o < kBoardOrders.size(); ++o) {
        CountBoardQuirks(u, static_cast<int>(c), static_cast<int>(p), static_cast<int>(o), q);
      }
    }
  }
  return q;
}

// The "hostile" member of /__sim/truth: every planted record with its kind and outcome, rows
// skipped per dataset, rows lost to broken pages, and the rows a complete fetch keeps.
void WriteHostileTruth(const Universe& u, int64_t trades, int64_t board, int64_t markets,
                       JsonWriter& w) {
  int64_t trade_skips = 0, board_skips = 0, board_lost = 0;
  std::map<std::string, int64_t> kinds;
  w.Key("hostile").BeginObject();
  w.Field("rate", u.options().hostile_rate);
  w.Field("broken_pages", u.options().hostile_pages);
  w.Key("planted").BeginArray();
  auto outcome = [](HostileOutcome o) { return o == HostileOutcome::kKept ? "kept" : "skipped"; };
  for (int listed = 0; listed < u.clob_market_count(); ++listed) {
    const MarketRecord& m = u.market_record(u.clob_market(listed));
    if (const int kind = HostileMarketKind(u, m.index); kind >= 0) {
      const HostileKind& k = kHostileMarketKinds[kind];
      ++kinds[std::string("markets.") + k.name];
      w.BeginObject().Field("dataset", "markets").Field("condition_id", u.ConditionId(m.index));
      w.Field("kind", k.name).Field("field", k.field).Field("outcome", outcome(k.outcome));
      w.EndObject();
    }
    // The trades a complete fetch is served: inside the feed window and not pending.
    const int64_t stamped = u.StampedTrades(m);
    for (int64_t i = u.FirstTradeSince(m, u.FeedWindowStart()); i < stamped; ++i) {
      const int kind = HostileTradeKind(u, m.index, i);
      if (kind < 0 || u.Pending(m, i)) continue;
      const HostileKind& k = kHostileTradeKinds[kind];
      if (k.outcome == HostileOutcome::kSkipped) ++trade_skips;
      ++kinds[std::string("trades.") + k.name];
      const Trade t = u.MakeTrade(m, i);
      w.BeginObject().Field("dataset", "trades").Field("market", m.index).Field("index", i);
      w.Field("transaction_hash", t.transaction_hash);
      w.Field("kind", k.name).Field("field", k.field).Field("outcome", outcome(k.outcome));
      w.EndObject();
    }
  }
  for (size_t c = 0; c < kBoardCategories.size(); ++c) {
    for (size_t p = 0; p < kBoardPeriods.size(); ++p) {
      const int size = u.BoardSize(static_cast<int>(c), static_cast<int>(p));
      for (size_t o = 0; o < kBoardOrders.size(); ++o) {
        if (BrokenBoardPageKind(u, static_cast<int>(c), static_cast<int>(p), static_cast<int>(o),
                                0)) {
          board_lost += size;  // the board's first page never parses: none of it is kept
          continue;
        }
        // Rows as a sweep is served them: a shifted board shows one position twice, one never.
        for (int i = 0; i < size; ++i) {
          const int rank0 =
              u.SweptBoardRow(static_cast<int>(c), static_cast<int>(p), static_cast<int>(o), i)
                  .rank0;
          const int kind = HostileBoardKind(u, static_cast<int>(c), static_cast<int>(p),
                                            static_cast<int>(o), rank0);
          if (kind < 0) continue;
          const HostileKind& k = kHostileBoardKinds[kind];
          if (k.outcome == HostileOutcome::kSkipped) ++board_skips;
          ++kinds[std::string("leaderboard.") + k.name];
          w.BeginObject().Field("dataset", "leaderboard").Field("category", kBoardCategories[c]);
          w.Field("time_period", kBoardPeriods[p]).Field("order_by", kBoardOrders[o]);
          w.Field("rank0", rank0).Field("kind", k.name).Field("field", k.field);
          w.Field("outcome", outcome(k.outcome)).EndObject();
        }
      }
    }
  }
  w.EndArray();
  w.Key("broken_pages").BeginArray();
  if (u.options().hostile_pages) {
    for (const BrokenBoardPage& p : kBrokenBoardPages) {
      w.BeginObject().Field("route", "/data/v1/leaderboard").Field("kind", p.kind);
      w.Field("category", kBoardCategories[p.category])
          .Field("time_period", kBoardPeriods[p.period]);
      w.Field("order_by", kBoardOrders[0]).Field("offset", 0).EndObject();
    }
  }
  w.EndArray();
  w.Key("kinds").BeginObject();
  for (const auto& [name, n] : kinds) w.Field(name, n);
  w.EndObject();
  w.Key("skipped").BeginObject().Field("trades", trade_skips).Field("leaderboard", board_skips);
  w.EndObject();
  w.Key("lost").BeginObject().Field("leaderboard", board_lost).EndObject();
  w.Key("kept").BeginObject();
  w.Field("markets", markets).Field("trades", trades - trade_skips);
  w.Field("leaderboard", board - board_skips - board_lost);
  w.EndObject();
  w.EndObject();
}

// The trade feed's reach for one CLOB-listed market: what a complete fetch sending
// filter_amount=0 is served (fills inside the feed window, dust included, pending late fills not
// yet), and what exists beyond it.
struct MarketTrades {
  int64_t served = 0;   // visible fills inside the window
  int64_t outside = 0;  // visible fills older than the window
  int64_t pending = 0;  // late fills not indexed yet, either side of the window
  int64_t dust = 0;     // served fills under 0.01 shares
};

MarketTrades CountTrades(const Universe& u, const MarketRecord& m, int64_t cutoff) {
  const int64_t stamped = u.StampedTrades(m);
  const int64_t first = std::min(u.FirstTradeSince(m, cutoff), stamped);
  const int64_t pending_inside = u.PendingIn(m, first, stamped);
  const int64_t pending_outside = u.PendingIn(m, 0, first);
  MarketTrades t;
  t.served = stamped - first - pending_inside;
  t.outside = first - pending_outside;
  t.pending = pending_inside + pending_outside;
  t.dust = u.DustIn(m, first, stamped);
  return t;
}

// Price points a complete fetch gets of each token of `m` (both tokens have as many).
int64_t CountPoints(const Universe& u, const MarketRecord& m, int fidelity) {
  return fidelity == 0 ? 0 : u.PricePointCount(m, m.start, std::min(m.end, u.now()), fidelity);
}

// Calls visit(m) for every market the CLOB lists, in market order.
template <typename Visit>
void ForEachListed(const Universe& u, Visit visit) {
  for (int k = 0; k < u.clob_market_count(); ++k) visit(u.market_record(u.clob_market(k)));
}

// Sums over the CLOB-listed markets, for `datasets` and the trade feed's totals.
struct TruthTotals {
  int64_t markets = 0, tokens = 0, trades = 0, points = 0, gamma_markets = 0;
  int64_t existing = 0, outside = 0, pending = 0, dust = 0;
  int64_t out_of_window_markets = 0, without_book = 0;
};

TruthTotals SumTruth(const Universe& u, const PriceSettings& prices, int64_t cutoff) {
  TruthTotals t;
  for (int i = 0; i < u.market_count(); ++i) t.gamma_markets += u.market_record(i).in_gamma;
  ForEachListed(u, [&](const MarketRecord& m) {
    ++t.markets;
    t.tokens += 2;
    const MarketTrades c = CountTrades(u, m, cutoff);
    t.trades += c.served;
    t.existing += c.served + c.outside;
    t.outside += c.outside;
    t.pending += c.pending;
    t.dust += c.dust;
    t.points += 2 * CountPoints(u, m, u.TruthFidelity(m, prices));
    if (!m.order_book) ++t.without_book;
    if (m.start < cutoff) ++t.out_of_window_markets;
  });
  return t;
}

}  // namespace

// The per-item members are written straight into the body, one pass over the markets each, so a
// universe of 1.5M markets (3M tokens) costs no copy of them; the totals come from a pass of their
// own before.
SimResponse Truth(const Universe& u, const SimRequest& r) {
  PriceSettings prices;
  if (auto v = ParseInt(r.Get("fidelity"))) prices.fidelity = static_cast<int>(*v);
  if (auto v = ParseInt(r.Get("high_volume_fidelity")))
    prices.high_volume_fidelity = static_cast<int>(*v);
  if (auto v = ParseInt(r.Get("high_volume_threshold")))
    prices.high_volume_threshold = static_cast<double>(*v);
  const bool detail = r.Get("detail", "true") != "false";
  const int64_t cutoff = u.FeedWindowStart();
  const TruthTotals totals = SumTruth(u, prices, cutoff);
  int64_t board = 0;
  for (size_t c = 0; c < kBoardCategories.size(); ++c) {
    for (size_t p = 0; p < kBoardPeriods.size(); ++p) {
      board += static_cast<int64_t>(kBoardOrders.size()) *
               u.BoardSize(static_cast<int>(c), static_cast<int>(p));
    }
  }

  std::string body;
  // The per-item members take about 500 bytes per listed market: room for them up front spares
  // the copies of a growing body (pages never written cost no memory).
  if (detail) body.reserve(static_cast<size_t>(totals.markets) * 520 + 4096);
  JsonWriter w(body);
  w.BeginObject();
  w.Field("seed", static_cast<int64_t>(u.seed()));
  w.Field("now", u.now());
  w.Key("datasets").BeginObject();
  w.Field("markets", totals.markets);
  w.Field("market_tokens", totals.tokens);
  w.Field("trades", totals.trades);
  w.Field("prices", totals.points);
  w.Field("leaderboard", board);
  w.Field("gamma_markets", totals.gamma_markets);
  w.Field("gamma_events", static_cast<int64_t>(u.event_count()));
  w.Field("gamma_categories", static_cast<int64_t>(u.tags().size()));
  w.EndObject();
  // Beside `datasets` (which counts Bronze rows): what the kept board rows contain.
  const BoardQuirks quirks = CountBoardQuirks(u);
  w.Field("leaderboard_ties", quirks.ties);
  w.Field("leaderboard_repeats", quirks.repeats);
  w.Field("leaderboard_unserved", quirks.unserved);
  w.Key("price_settings").BeginObject();
  w.Field("fidelity", prices.fidelity);
  w.Field("high_volume_fidelity", prices.high_volume_fidelity);
  w.Field("high_volume_threshold", prices.high_volume_threshold);
  w.Key("ladder").BeginArray();
  for (int f : prices.ladder) w.Int(f);
  w.EndArray();
  w.EndObject();
  if (detail) {
    w.Key("market_trades").BeginObject();
    ForEachListed(u, [&](const MarketRecord& m) {
      w.Field(u.ConditionId(m.index), CountTrades(u, m, cutoff).served);
    });
    w.EndObject();
    w.Key("token_prices").BeginObject();
    ForEachListed(u, [&](const MarketRecord& m) {
      const int64_t count = CountPoints(u, m, u.TruthFidelity(m, prices));
      for (int o = 0; o < 2; ++o) w.Field(u.TokenId(m.index, o), count);
    });
    w.EndObject();
    w.Key("token_fidelity").BeginObject();
    ForEachListed(u, [&](const MarketRecord& m) {
      const int fidelity = u.TruthFidelity(m, prices);
      for (int o = 0; o < 2; ++o) w.Field(u.TokenId(m.index, o), fidelity);
    });
    w.EndObject();
  }
  w.Field("feed_window_start", cutoff);
  w.Field("trades_existing", totals.existing);
  w.Field("trades_outside_window", totals.outside);
  w.Field("markets_out_of_window", totals.out_of_window_markets);
  w.Field("dust_trades", totals.dust);
  w.Field("late_pending", totals.pending);
  w.Field("markets_without_book", totals.without_book);
  if (detail) {
    w.Key("market_trades_outside_window").BeginObject();
    ForEachListed(u, [&](const MarketRecord& m) {
      const int64_t outside = CountTrades(u, m, cutoff).outside;
      if (outside > 0) w.Field(u.ConditionId(m.index), outside);
    });
    w.EndObject();
    w.Key("out_of_window_markets").BeginArray();
    ForEachListed(u, [&](const MarketRecord& m) {
      if (m.start < cutoff) w.String(u.ConditionId(m.index));
    });
    w.EndArray();
  }
  if (u.options().hostile_rate > 0 || u.options().hostile_pages) {
    WriteHostileTruth(u, totals.trades, board, totals.markets, w);
  }
  w.EndObject();
  return JsonResponse(200, std::move(body));
}

}  // namespace polysim
