// CLOB routes: the market list with tokens, and price history (single and batch).

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "sim/hostile.h"
#include "sim/json_writer.h"
#include "sim/routes.h"

namespace polysim {
namespace {

constexpr int64_t kMaxWindow = 15 * 86'400;

SimResponse ClobError(int status, std::string_view message) {
  std::string body;
  JsonWriter(body).BeginObject().Field("error", message).EndObject();
  return JsonResponse(status, std::move(body));
}

void WriteClobMarket(const Universe& u, const Market& m, JsonWriter& w) {
  const bool closed = u.Closed(m);
  const bool sports = m.outcomes[0] != "Yes" && m.outcomes[0] != "Up";
  w.BeginObject();
  // The book is switched off when a market closes, while accepting_order_timestamp (below) and
  // Gamma's enableOrderBook keep saying it had one (polymarket-api.md 4.1).
  w.Field("enable_order_book", m.order_book && !closed);
  w.Field("active", true);
  w.Field("closed", closed);
  w.Field("archived", closed && m.end < u.now() - 180 * 86'400);
  w.Field("accepting_orders", m.order_book && !closed);
  w.Key("accepting_order_timestamp");
  if (m.order_book)
    w.String(IsoSeconds(m.created + 3600));
  else
    w.Null();
  w.Field("minimum_order_size", 5);
  w.Field("minimum_tick_size", m.index % 4 == 0 ? 0.001 : 0.01);
  w.Field("condition_id", m.condition_id);
  w.Field("question_id", m.question_id);
  const int hostile = HostileMarketKind(u, m.index);
  if (hostile >= 0) {
    const std::string_view kind = kHostileMarketKinds[hostile].name;
    if (kind == "duplicate_keys") w.Field("question", "decoy").Field("closed", closed);
    w.Field("question", HostileMarketQuestion(m, hostile));
    w.Field("description", kind == "path_slug" ? HostileNulText(m.index) + HostileQuoteText(m.index)
                                               : m.description);
    w.Field("market_slug", kind == "path_slug" ? HostilePathText(m.index) : m.slug);
  } else {
    w.Field("question", m.question);
    w.Field("description", m.description);
    w.Field("market_slug", m.slug);
  }
  w.Field("end_date_iso", IsoSeconds(m.end));
  w.Key("game_start_time");
  if (sports)
    w.String(IsoSeconds(m.end - 3 * 3600));
  else
    w.Null();
  w.Field("seconds_delay", sports ? 3 : 0);
  w.Field("fpmm", m.order_book ? std::string() : "0x" + m.condition_id.substr(2, 40));
  w.Field("maker_base_fee", 1000);
  w.Field("taker_base_fee", 1000);
  w.Field("notifications_enabled", true);
  w.Field("neg_risk", m.neg_risk);
  w.Field("neg_risk_market_id", m.neg_risk_market_id);
  w.Field("neg_risk_request_id", m.neg_risk ? "0x" + m.question_id.substr(2, 62) + "aa" : "");
  w.Key("rewards").BeginObject();
  w.Key("rates");
  if (closed) {
    w.Null();
  } else {
    w.BeginArray().BeginObject();
    w.Field("asset_address", "0xc011a7e12a19f7b1f670d46f03b03f3342e82dfb");
    w.Field("rewards_daily_rate", 0.001);
    w.EndObject().EndArray();
  }
  w.Field("min_size", 50);
  w.Field("max_spread", 4.5);
  w.EndObject();
  w.Field("is_50_50_outcome", false);
  w.Key("tokens").BeginArray();
  for (int o = 0; o < 2; ++o) {
    w.BeginObject();
    w.Field("token_id", m.token_ids[o]);
    w.Field("outcome", m.outcomes[o]);
    w.Field("price", u.TokenPrice(m, o));
    w.Field("winner", closed && o == m.winner);
    w.EndObject();
  }
  w.EndArray();
  w.Key("tags").BeginArray();
  for (int t : m.tags) w.String(u.tags()[t].label);
  w.EndArray();
  w.EndObject();
}

void WriteHistory(const std::vector<std::pair<int64_t, double>>& points, JsonWriter& w) {
  w.BeginArray();
  for (const auto& [t, p] : points) w.BeginObject().Field("t", t).Field("p", p).EndObject();
  w.EndArray();
}

// A validated price-history query: a time range and a fidelity, or an error response.
struct PriceQuery {
  int64_t from = 0, to = 0;
  int fidelity = 1;
  bool whole_life = false;  // interval=max|all
  std::optional<SimResponse> error;
};

PriceQuery ParsePriceQuery(const Universe& u, const std::string& start, const std::string& end,
                           const std::string& fidelity, const std::string& interval) {
  PriceQuery q;
  if (!fidelity.empty()) {
    auto f = ParseInt(fidelity);
    if (!f || *f < 1 || *f > 1'000'000) {
      q.error = ClobError(400, "invalid filters: 'fidelity' must be a positive integer");
      return q;
    }
    q.fidelity = static_cast<int>(*f);
  }
  if (!interval.empty()) {
    static const std::vector<std::tuple<std::string, int64_t, int>> kIntervals = {
        {"1h", 3600, 1},
        {"6h", 6 * 3600, 1},
        {"1d", 86'400, 1},
        {"1w", 7 * 86'400, 5},
        {"1m", 30 * 86'400, 10}};
    if (interval == "max" || interval == "all") {
      q.whole_life = true;
      q.to = u.now();
      return q;
    }
    for (const auto& [name, seconds, min_fidelity] : kIntervals) {
      if (name != interval) continue;
      if (q.fidelity < min_fidelity) {
        q.error =
            ClobError(400, fmt::format("invalid filters: minimum 'fidelity' for '{}' range is {}",
                                       name, min_fidelity));
        return q;
      }
      q.to = u.now();
      q.from = q.to - seconds;
      return q;
    }
    q.error = ClobError(400, "invalid filters: 'interval' is not valid");
    return q;
  }
  auto s = ParseInt(start);
  auto e = ParseInt(end);
  if (!s || !e) {
    q.error = ClobError(400, "invalid filters: 'startTs' and 'endTs' or 'interval' are required");
    return q;
  }
  if (*e - *s > kMaxWindow) {
    q.error = ClobError(400, "invalid filters: 'startTs' and 'endTs' interval is too long");
    return q;
  }
  q.from = *s;
  q.to = *e;
  return q;
}

std::vector<std::pair<int64_t, double>> Points(const Universe& u, std::string_view token,
                                               const PriceQuery& q) {
  auto [mi, outcome] = u.FindToken(token);
  if (mi < 0) return {};
  const MarketRecord& m = u.market_record(mi);
  if (q.whole_life) {
    if (u.Closed(m)) return {};  // interval=max is empty for resolved markets
    return u.PricePoints(m, outcome, m.start, q.to, q.fidelity);
  }
  return u.PricePoints(m, outcome, q.from, q.to, q.fidelity);
}

}  // namespace

SimResponse ClobMarkets(const Universe& u, const ServeOptions& o, const SimRequest& r) {
  const std::string cursor = r.Get("next_cursor");
  int64_t offset = 0;
  if (cursor == "LTE=") return ClobError(400, "next item should be greater than or equal to 0");
  if (!cursor.empty()) {
    auto decoded = Base64Decode(cursor);
    std::optional<int64_t> n;
    if (decoded) n = ParseInt(decoded->rfind("id:", 0) == 0 ? decoded->substr(3) : *decoded);
    if (!n || *n < 0) return ClobError(400, "invalid next_cursor");
    offset = *n;
  }
  // The list skips markets the CLOB does not know; offsets count listed markets only.
  std::string body;
  JsonWriter w(body);
  w.BeginObject();
  w.Key("data").BeginArray();
  const int64_t listed = u.clob_market_count();
  const int64_t count = std::clamp<int64_t>(listed - offset, 0, o.clob_page_size);
  const bool more = offset + count < listed;
  for (int64_t k = offset; k < offset + count; ++k) {
    WriteClobMarket(u, u.market(u.clob_market(static_cast<int>(k))), w);
  }
  w.EndArray();
  w.Field("next_cursor", more ? Base64Encode(std::to_string(offset + count)) : "LTE=");
  w.Field("limit", o.clob_page_size);
  w.Field("count", count);
  w.EndObject();
  return JsonResponse(200, std::move(body));
}

SimResponse ClobMarket(const Universe& u, const SimRequest&, const std::string& condition_id) {
  const int mi = u.FindMarket(condition_id);
  if (mi < 0 || !u.market_record(mi).in_clob) return ClobError(404, "market not found");
  std::string body;
  JsonWriter w(body);
  WriteClobMarket(u, u.market(mi), w);
  return JsonResponse(200, std::move(body));
}

SimResponse ClobPricesHistory(const Universe& u, const SimRequest& r) {
  const std::string token = r.Get("market");
  if (token.empty()) return ClobError(400, "invalid filters: the 'market' (asset id) is mandatory");
  PriceQuery q =
      ParsePriceQuery(u, r.Get("startTs"), r.Get("endTs"), r.Get("fidelity"), r.Get("interval"));
  if (q.error) return *q.error;
  std::string body;
  JsonWriter w(body);
  w.BeginObject().Key("history");
  WriteHistory(Points(u, token, q), w);
  w.EndObject();
  return JsonResponse(200, std::move(body));
}

SimResponse ClobBatchPricesHistory(const Universe& u, const SimRequest& r) {
  const nlohmann::json req = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (!req.is_object()) return ClobError(400, "invalid body: expected a JSON object");
  auto markets = req.find("markets");
  if (markets == req.end() || !markets->is_array() || markets->empty()) {
    return ClobError(400, "invalid filters: the 'markets' (asset ids) are mandatory");
  }
  if (markets->size() > 20)
    return ClobError(400, "invalid filters: at most 20 markets per request");
  auto text = [&](const char* key) -> std::string {
    auto it = req.find(key);
    if (it == req.end()) return "";
    if (it->is_number_integer()) return std::to_string(it->get<int64_t>());
    if (it->is_string()) return it->get<std::string>();
    return "invalid";
  };
  PriceQuery q =
      ParsePriceQuery(u, text("start_ts"), text("end_ts"), text("fidelity"), text("interval"));
  if (q.error) return *q.error;
  std::string body;
  JsonWriter w(body);
  w.BeginObject().Key("history").BeginObject();
  for (const auto& token : *markets) {
    if (!token.is_string()) return ClobError(400, "invalid filters: asset ids must be strings");
    const auto id = token.get<std::string>();
    w.Key(id);
    WriteHistory(Points(u, id, q), w);
  }
  w.EndObject().EndObject();
  return JsonResponse(200, std::move(body));
}

}  // namespace polysim
