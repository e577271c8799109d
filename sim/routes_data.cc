// Data API routes: the v2 trade tape (cursor paged), the legacy v1 trade list (offset paged, with
// its historical offset cap) and the leaderboard.

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <queue>
#include <set>
#include <unordered_map>

#include "sim/hostile.h"
#include "sim/json_writer.h"
#include "sim/routes.h"

namespace polysim {
namespace {

// Position in the merged tape; newest first means larger keys come first.
struct TapeKey {
  int64_t ts = 0;
  int market = 0;
  int64_t index = 0;
  auto operator<=>(const TapeKey&) const = default;
};

// The part of the tape a request may see: fills stamped in [since, until].
struct TapeRange {
  int64_t since = INT64_MIN;
  int64_t until = INT64_MAX;
};

// The visible trades of several markets in `range`, merged newest first, starting strictly
// after `after`. Pending late fills are skipped.
class Tape {
 public:
  Tape(const Universe& u, const std::vector<int>& markets, const TapeRange& range,
       const std::optional<TapeKey>& after)
      : u_(u) {
    for (int mi : markets) {
      const MarketRecord& m = u.market_record(mi);
      int64_t pos =
          after ? u.PositionBefore(m, after->ts, after->market, after->index) : u.StampedTrades(m);
      if (range.until != INT64_MAX) pos = std::min(pos, u.FirstTradeSince(m, range.until + 1));
      // Each tape is sorted by timestamp: the oldest fill in range is a lower bound.
      const int64_t floor = range.since == INT64_MIN ? 0 : u.FirstTradeSince(m, range.since);
      Push(mi, pos - 1, floor);
    }
  }

  bool Empty() const { return heap_.empty(); }

  TapeKey Pop() {
    const Entry e = heap_.top();
    heap_.pop();
    Push(e.key.market, e.key.index - 1, e.floor);
    return e.key;
  }

 private:
  struct Entry {
    TapeKey key;
    int64_t floor = 0;  // oldest index of the market's tape this walk may reach
    bool operator<(const Entry& other) const { return key < other.key; }
  };

  // Queues the market's newest visible trade at or below `index`, if it is within the floor.
  void Push(int market, int64_t index, int64_t floor) {
    const MarketRecord& m = u_.market_record(market);
    while (index >= floor && u_.Pending(m, index)) --index;
    if (index >= floor)
      heap_.push(Entry{TapeKey{u_.TradeTimestamp(m, index), market, index}, floor});
  }

  const Universe& u_;
  std::priority_queue<Entry> heap_;
};

SimResponse V2Error(const SimRequest& r, int status, std::string_view code,
                    std::string_view message, std::string_view parameter = {}) {
  std::string body;
  JsonWriter w(body);
  w.BeginObject().Field("error", message).Field("code", code).Field("retryable", false);
  w.Field("trace_id", TraceId(r));
  if (!parameter.empty()) w.Field("parameter", parameter);
  w.EndObject();
  return JsonResponse(status, std::move(body));
}

SimResponse V1Error(int status, std::string_view message) {
  std::string body;
  JsonWriter(body).BeginObject().Field("error", message).EndObject();
  return JsonResponse(status, std::move(body));
}

std::vector<std::string> SplitCommas(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find(',', start);
    const size_t end = comma == std::string::npos ? text.size() : comma;
    if (end > start) out.push_back(text.substr(start, end - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// Market indices for a list of condition ids; unknown ids match nothing.
std::vector<int> MarketsFor(const Universe& u, const std::vector<std::string>& ids) {
  std::set<int> found;
  for (const auto& id : ids) {
    const int mi = u.FindMarket(id);
    if (mi >= 0) found.insert(mi);
  }
  return {found.begin(), found.end()};
}

struct TradeFilter {
  std::string side;      // "", "BUY", "SELL"
  std::string user;      // lower-case wallet or ""
  int user_wallet = -1;  // the wallet `user` names, -1 when none does
  // The v2 size filter: fills under `amount` shares (TOKENS) or dollars (CASH) are left out.
  bool cash = false;
  double amount = 0;
  void SetUser(const Universe& u, std::string address) {
    user = std::move(address);
    user_wallet = user.empty() ? -1 : u.FindWallet(user);
  }
  bool Match(const Trade& t) const {
    if (!side.empty() && (side == "BUY") != t.buy) return false;
    if (!user.empty() && t.wallet != user_wallet) return false;
    if ((cash ? t.size * t.price : t.size) < amount) return false;
    return true;
  }
};

// Writes trades as the Data API does (v2's snake_case or v1's camelCase keys). The members that
// depend only on the market and outcome are encoded once per market and page, not per trade.
class TradeWriter {
 public:
  TradeWriter(const Universe& u, bool v2) : u_(u), v2_(v2) {}

  void Write(const Trade& t, JsonWriter& w) {
    const Wallet& wal = WalletOf(t.wallet);
    const MarketText& text = TextOf(t.market);
    w.BeginObject();
    w.Field(v2_ ? "proxy_wallet" : "proxyWallet", wal.address);
    w.Field("side", t.buy ? "BUY" : "SELL");
    w.Members(text.ids[t.outcome_index]);
    w.Field("size", t.size);
    w.Field("price", t.price);
    w.Field("timestamp", t.timestamp);
    w.Members(text.about);
    w.Members(text.outcome[t.outcome_index]);
    w.Field("name", wal.name);
    w.Field("pseudonym", wal.pseudonym);
    w.Field("bio", "");
    w.Field(v2_ ? "profile_image" : "profileImage", wal.profile_image);
    w.Field(v2_ ? "profile_image_optimized" : "profileImageOptimized", "");
    w.Field(v2_ ? "transaction_hash" : "transactionHash", t.transaction_hash);
    w.EndObject();
  }

 private:
  struct MarketText {
    std::array<std::string, 2> ids;      // token id and condition id, per outcome
    std::string about;                   // title, slug, icon, event slug
    std::array<std::string, 2> outcome;  // outcome and outcome index, per outcome
  };

  // Encodes members with a JsonWriter inside a throwaway object, then drops the braces.
  template <typename Fill>
  static std::string Encode(Fill fill) {
    std::string json;
    JsonWriter w(json);
    w.BeginObject();
    fill(w);
    w.EndObject();
    return json.substr(1, json.size() - 2);
  }

  // Wallets are built on demand; a page's trades come from few of them.
  const Wallet& WalletOf(int wallet) {
    auto [it, added] = wallets_.try_emplace(wallet);
    if (added) it->second = u_.wallet(wallet);
    return it->second;
  }

  const MarketText& TextOf(int market) {
    auto [it, added] = cache_.try_emplace(market);
    if (!added) return it->second;
    const Market m = u_.market(market);
    const Event e = u_.event(m.event);
    MarketText& text = it->second;
    for (int o = 0; o < 2; ++o) {
      text.ids[o] = Encode([&](JsonWriter& w) {
        w.Field(v2_ ? "token_id" : "asset", m.token_ids[o]);
        w.Field(v2_ ? "condition_id" : "conditionId", m.condition_id);
      });
      text.outcome[o] = Encode([&](JsonWriter& w) {
        w.Field("outcome", m.outcomes[o]);
        w.Field(v2_ ? "outcome_index" : "outcomeIndex", o);
      });
    }
    text.about = Encode([&](JsonWriter& w) {
      w.Field("title", m.question);
      w.Field("slug", m.slug);
      w.Field("icon", fmt::format("https://images.example/market-{}.png", m.index));
      w.Field(v2_ ? "event_slug" : "eventSlug", e.slug);
    });
    return text;
  }

  const Universe& u_;
  const bool v2_;
  std::unordered_map<int, MarketText> cache_;
  std::unordered_map<int, Wallet> wallets_;
};

// The requested time bounds (`start`, `end`; 0 when not given), honoured with `user` only.
struct TimeBounds {
  int64_t start = 0, end = 0;
};

uint64_t FilterHash(const std::vector<int>& markets, const TradeFilter& f, bool taker_only,
                    const TimeBounds& bounds) {
  uint64_t h = Hash(0xf117e5, markets.size(), taker_only);
  for (int m : markets) h = Hash(h, static_cast<uint64_t>(m));
  h = Hash(h, std::hash<std::string>{}(f.side), std::hash<std::string>{}(f.user));
  h = Hash(h, f.cash, std::bit_cast<uint64_t>(f.amount));
  // The requested bounds, not the feed window: the window moves with the clock, and a cursor
  // must survive that.
  return Hash(h, static_cast<uint64_t>(bounds.start), static_cast<uint64_t>(bounds.end));
}

std::string CursorSignature(const Universe& u, uint64_t filter, const TapeKey& k) {
  return fmt::format("{:016x}{:016x}", Hash(u.seed(), filter, static_cast<uint64_t>(k.ts)),
                     Hash(filter, static_cast<uint64_t>(k.market), static_cast<uint64_t>(k.index)));
}

std::string EncodeCursor(const Universe& u, uint64_t filter, int limit, const TapeKey& k) {
  std::string json;
  JsonWriter w(json);
  w.BeginObject().Key("data").BeginObject().Field("type", "trades").Key("params").BeginObject();
  w.Field("l", limit).Field("ts", k.ts).Field("m", k.market).Field("j", k.index);
  w.EndObject().EndObject().Field("sig", CursorSignature(u, filter, k)).EndObject();
  return Base64Encode(json);
}

std::optional<TapeKey> DecodeCursor(const Universe& u, uint64_t filter, const std::string& text) {
  auto raw = Base64Decode(text);
  if (!raw) return std::nullopt;
  const auto j = nlohmann::json::parse(*raw, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  try {
    const auto& p = j.at("data").at("params");
    TapeKey k{p.at("ts").get<int64_t>(), p.at("m").get<int>(), p.at("j").get<int64_t>()};
    if (j.at("sig").get<std::string>() != CursorSignature(u, filter, k)) return std::nullopt;
    if (k.market < 0 || k.market >= u.market_count()) return std::nullopt;
    return k;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

bool ParseBool(const std::string& text, bool fallback) {
  if (text == "true") return true;
  if (text == "false") return false;
  return fallback;
}

// A finite non-negative decimal number; nullopt on anything else.
std::optional<double> ParseAmount(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(v) || v < 0) return std::nullopt;
  return v;
}

// Reads `filter_type` and `filter_amount` (camelCase aliases too) into `filter`. Without them
// the real service hides fills under 0.01 shares. Returns the 400 for an invalid value.
std::optional<SimResponse> ParseSizeFilter(const SimRequest& r, TradeFilter& filter) {
  const std::string type = r.Get("filter_type", r.Get("filterType", "TOKENS"));
  if (type != "TOKENS" && type != "CASH") {
    return V2Error(r, 400, "invalid_request", "filter_type must be CASH or TOKENS", "filter_type");
  }
  filter.cash = type == "CASH";
  filter.amount = 0.01;
  if (r.Has("filter_amount") || r.Has("filterAmount")) {
    const auto amount = ParseAmount(r.Get("filter_amount", r.Get("filterAmount")));
    if (!amount) {
      return V2Error(r, 400, "invalid_request", "filter_amount must be a non-negative number",
                     "filter_amount");
    }
    filter.amount = *amount;
  }
  return std::nullopt;
}

// Reads `start` and `end` (unix seconds, 0 = not given). Returns the 400 for an invalid value.
std::optional<SimResponse> ParseTimeBounds(const SimRequest& r, TimeBounds& bounds) {
  for (auto [key, field] : {std::pair{"start", &bounds.start}, std::pair{"end", &bounds.end}}) {
    if (!r.Has(key)) continue;
    const auto v = ParseInt(r.Get(key));
    if (!v || *v < 0) {
      return V2Error(r, 400, "invalid_request",
                     fmt::format("{} must be a non-negative integer (unix seconds)", key), key);
    }
    *field = *v;
  }
  return std::nullopt;
}

// The part of the tape a request sees. The `condition`, `event_id` and `user` shapes reach back
// feed_window_days only (no error: the feed just ends); `start`/`end` move the bounds, with
// `user` only.
TapeRange RangeFor(const Universe& u, const TradeFilter& filter, const TimeBounds& bounds) {
  TapeRange range;
  range.since = u.FeedWindowStart();
  if (filter.user.empty()) return range;
  if (bounds.start > 0) range.since = bounds.start;
  if (bounds.end > 0) range.until = bounds.end;
  return range;
}

}  // namespace

SimResponse DataTradesV2(const Universe& u, const SimRequest& r) {
  if (r.Has("offset")) {
    return V2Error(r, 400, "invalid_request",
                   "Failed to deserialize query string: unknown field `offset`, cursor paging only",
                   "offset");
  }
  int limit = 100;
  if (r.Has("limit")) {
    auto v = ParseInt(r.Get("limit"));
    if (!v || *v < 0 || *v > 1000) {
      return V2Error(r, 400, "invalid_request",
                     "Failed to deserialize query string: limit: limit must be between 0 and 1000",
                     "limit");
    }
    limit = static_cast<int>(*v);
  }
  TradeFilter filter;
  filter.side = r.Get("side");
  if (!filter.side.empty() && filter.side != "BUY" && filter.side != "SELL") {
    return V2Error(r, 400, "invalid_request", "side must be BUY or SELL", "side");
  }
  std::string user = r.Get("user");
  std::transform(user.begin(), user.end(), user.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  filter.SetUser(u, std::move(user));
  const bool taker_only = ParseBool(r.Get("taker_only", r.Get("takerOnly", "true")), true);
  if (auto error = ParseSizeFilter(r, filter)) return *error;
  TimeBounds bounds;
  if (auto error = ParseTimeBounds(r, bounds)) return *error;

  std::vector<std::string> ids = SplitCommas(r.Get("condition", r.Get("condition_id")));
  if (ids.size() > 20) {
    return V2Error(r, 400, "invalid_request", "at most 20 condition ids per request", "condition");
  }
  std::vector<int> markets = MarketsFor(u, ids);
  if (r.Has("event_id")) {
    auto id = ParseInt(r.Get("event_id"));
    if (!id) return V2Error(r, 400, "invalid_request", "event_id must be an integer", "event_id");
    if (const int event = u.FindEvent(*id); event >= 0) {
      const EventRecord e = u.event_record(event);
      for (int mi = e.first_market; mi < e.end_market(); ++mi) markets.push_back(mi);
    }
    std::sort(markets.begin(), markets.end());
    markets.erase(std::unique(markets.begin(), markets.end()), markets.end());
  }
  if (ids.empty() && !r.Has("event_id")) {
    if (filter.user.empty()) {
      return V2Error(r, 400, "invalid_request", "one of condition, event_id or user is required");
    }
    for (int mi = 0; mi < u.market_count(); ++mi) markets.push_back(mi);
  }

  const uint64_t fhash = FilterHash(markets, filter, taker_only, bounds);
  std::optional<TapeKey> after;
  if (r.Has("cursor")) {
    after = DecodeCursor(u, fhash, r.Get("cursor"));
    if (!after) return V2Error(r, 400, "invalid_request", "invalid cursor", "cursor");
  }

  Tape tape(u, markets, RangeFor(u, filter, bounds), after);
  TradeWriter writer(u, /*v2=*/true);
  std::string body;
  body.reserve(static_cast<size_t>(limit) * 720 + 256);
  JsonWriter w(body);
  w.BeginObject().Key("data").BeginArray();
  int emitted = 0;
  TapeKey last{};
  // Bound the work a filtered page may do, as the real service bounds its scans.
  int64_t scanned = 0;
  constexpr int64_t kScanLimit = 200'000;
  while (emitted < limit && !tape.Empty() && scanned < kScanLimit) {
    const TapeKey k = tape.Pop();
    ++scanned;
    last = k;
    const Trade t = u.MakeTrade(u.market_record(k.market), k.index);
    if (!filter.Match(t)) continue;
    if (const int kind = HostileTradeKind(u, k.market, k.index); kind >= 0) {
      WriteHostileTrade(u, t, kind, w);
    } else {
      writer.Write(t, w);
    }
    ++emitted;
  }
  const bool has_more = !tape.Empty() && scanned > 0;
  w.EndArray();
  w.Key("pagination").BeginObject();
  w.Field("limit", limit).Field("offset", 0).Field("has_more", has_more);
  w.Key("next_cursor");
  if (has_more)
    w.String(EncodeCursor(u, fhash, limit, last));
  else
    w.Null();
  w.EndObject().EndObject();
  return JsonResponse(200, std::move(body));
}

SimResponse DataTradesV1(const Universe& u, const ServeOptions& o, const SimRequest& r) {
  auto limit = ParseInt(r.Get("limit", "100"));
  auto offset = ParseInt(r.Get("offset", "0"));
  if (!limit || *limit < 0) return V1Error(400, "invalid limit");
  if (!offset || *offset < 0) return V1Error(400, "invalid offset");
  if (*offset > o.v1_offset_cap) {
    return V1Error(400,
                   fmt::format("max historical trades offset of {} exceeded", o.v1_offset_cap));
  }
  if (r.Has("filterType") != r.Has("filterAmount")) {
    return V1Error(400, "filterType and filterAmount must be provided together");
  }
  const int64_t page = std::min<int64_t>(*limit, 10'000);
  TradeFilter filter;
  filter.side = r.Get("side");
  filter.SetUser(u, r.Get("user"));
  std::vector<int> markets = MarketsFor(u, SplitCommas(r.Get("market")));
  if (!r.Has("market")) {
    if (filter.user.empty()) return V1Error(400, "market or user is required");
    for (int mi = 0; mi < u.market_count(); ++mi) markets.push_back(mi);
  }
  // The retired v1 route predates the feed window: its whole tape (bounded by the offset cap).
  Tape tape(u, markets, TapeRange{}, std::nullopt);
  TradeWriter writer(u, /*v2=*/false);
  std::string body;
  JsonWriter w(body);
  w.BeginArray();
  int64_t matched = 0, emitted = 0;
  while (emitted < page && !tape.Empty()) {
    const TapeKey k = tape.Pop();
    const Trade t = u.MakeTrade(u.market_record(k.market), k.index);
    if (!filter.Match(t)) continue;
    if (matched++ < *offset) continue;
    writer.Write(t, w);
    ++emitted;
  }
  w.EndArray();
  return JsonResponse(200, std::move(body));
}

SimResponse DataLeaderboard(const Universe& u, const SimRequest& r) {
  auto index_of = [](const auto& list, std::string value) -> int {
    std::transform(value.begin(), value.end(), value.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    for (size_t i = 0; i < list.size(); ++i) {
      if (value == list[i]) return static_cast<int>(i);
    }
    return -1;
  };
  const int category = index_of(kBoardCategories, r.Get("category", "OVERALL"));
  const int period = index_of(kBoardPeriods, r.Get("timePeriod", "DAY"));
  const int order = index_of(kBoardOrders, r.Get("orderBy", "PNL"));
  if (category < 0) return V1Error(400, "invalid category");
  if (period < 0) return V1Error(400, "invalid timePeriod");
  if (order < 0) return V1Error(400, "invalid orderBy");
  auto limit = ParseInt(r.Get("limit", "25"));
  auto offset = ParseInt(r.Get("offset", "0"));
  if (!limit || *limit < 1) return V1Error(400, "limit must be between 1 and 50");
  if (!offset || *offset < 0 || *offset > 1000) {
    return V1Error(400, "offset must be between 0 and 1000");
  }
  const int64_t take = std::min<int64_t>(*limit, 50);  // larger limits are silently clamped
  const std::string user = r.Get("user");
  const int size = u.BoardSize(category, period);
  if (const char* broken = BrokenBoardPageKind(u, category, period, order, *offset);
      broken && user.empty()) {
    return JsonResponse(200, BrokenBoardBody(broken));
  }

  // A shifted board moves between a sweep's first two pages: only the page at that offset
  // shows it (a sweep of 50-row pages then sees what SweptBoardRow describes).
  const bool shifted_page = user.empty() && *offset == kBoardShiftOffset;

  std::string body;
  JsonWriter w(body);
  w.BeginArray();
  for (int64_t i = user.empty() ? *offset : 0, n = 0; i < size && n < take; ++i) {
    const BoardRow row = shifted_page
                             ? u.SweptBoardRow(category, period, order, static_cast<int>(i))
                             : u.BoardEntry(category, period, order, static_cast<int>(i));
    if (!user.empty() && u.WalletAddress(row.wallet) != user) continue;
    const Wallet wal = u.wallet(row.wallet);
    ++n;
    if (const int kind = HostileBoardKind(u, category, period, order, row.rank0); kind >= 0) {
      WriteHostileBoardRow(wal, row, kind, w);
      continue;
    }
    w.BeginObject();
    w.Field("rank", std::to_string(row.rank));
    w.Field("proxyWallet", wal.address);
    w.Field("userName", wal.name);
    if (row.wallet % 7 != 3) w.Field("xUsername", wal.x_username);
    if (row.wallet % 5 != 2) w.Field("verifiedBadge", wal.has_badge);
    w.Field("vol", row.vol);
    w.Field("pnl", row.pnl);
    if (row.wallet % 6 != 1) w.Field("profileImage", wal.profile_image);
    w.EndObject();
  }
  w.EndArray();
  return JsonResponse(200, std::move(body));
}

}  // namespace polysim
