// Gamma routes: keyset and (deprecated) offset lists of markets and events, and tags.
// Gamma's quirks live here: JSON lists inside strings, string volumes on markets, `closed`
// defaulting to false, limits clamped to 100, `after_cursor` as the only cursor parameter.

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "sim/json_writer.h"
#include "sim/routes.h"

namespace polysim {
namespace {

constexpr int kMaxLimit = 100;

SimResponse GammaError(int status, std::string_view type, std::string_view message) {
  std::string body;
  JsonWriter(body).BeginObject().Field("type", type).Field("error", message).EndObject();
  return JsonResponse(status, std::move(body));
}

std::string JsonList(const std::array<std::string, 2>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ", ";
    AppendJsonString(out, items[i]);
  }
  return out + "]";
}

std::string Decimal(double v) {
  return fmt::format("{}", v);
}

int Micros(const Universe& u, uint64_t key) {
  return static_cast<int>(Hash(u.seed(), key) % 1'000'000);
}

bool IsRecurring(const Market& m) {
  return m.outcomes[0] == "Up";
}

void WriteTagObject(const Universe& u, const Tag& t, bool in_tags_route, JsonWriter& w) {
  w.BeginObject();
  w.Field("id", std::to_string(t.id));
  w.Field("label", t.label);
  w.Field("slug", t.slug);
  if (t.id % 3 != 0) w.Field("forceShow", t.force_show);
  if (t.id % 4 == 1) w.Field("publishedAt", PgTimestamp(t.created + 120));
  w.Field("createdAt", IsoMicros(t.created, Micros(u, t.id)));
  w.Field("updatedAt", IsoMicros(t.updated, Micros(u, t.id + 1)));
  if (in_tags_route) {
    w.Field("requiresTranslation", false);
  } else if (t.id % 2 == 0) {
    w.Field("isCarousel", false);
  }
  w.EndObject();
}

struct EventFacts {
  bool closed = true;
  int64_t start = 0, end = 0, created = 0, closed_time = 0;
  double volume = 0, liquidity = 0;
};

EventFacts Facts(const Universe& u, const EventRecord& e) {
  EventFacts f;
  f.start = INT64_MAX;
  for (int mi = e.first_market; mi < e.end_market(); ++mi) {
    const MarketRecord& m = u.market_record(mi);
    f.closed = f.closed && u.Closed(m);
    f.start = std::min(f.start, m.start);
    f.end = std::max(f.end, m.end);
    f.volume += m.volume;
    f.liquidity += m.liquidity;
  }
  f.created = f.start - 600;
  f.closed_time = f.end + 87;
  return f;
}

// The event fields shared by /events objects and the `events` array inside a market; `image`
// is written only when not empty (the nested form carries it).
void WriteEventCore(const Universe& u, const Event& e, const EventFacts& f,
                    const std::string& image, JsonWriter& w) {
  w.Field("id", std::to_string(e.id));
  w.Field("ticker", e.ticker);
  w.Field("slug", e.slug);
  w.Field("title", e.title);
  w.Field("description", e.description);
  w.Field("resolutionSource", "");
  w.Field("startDate", IsoMicros(f.start, Micros(u, e.id)));
  w.Field("creationDate", IsoMicros(f.created, Micros(u, e.id + 1)));
  w.Field("endDate", IsoSeconds(f.end));
  if (!image.empty()) {
    w.Field("image", image);
    w.Field("icon", image);
  }
  w.Field("active", true);
  w.Field("closed", f.closed);
  w.Field("archived", false);
  w.Field("new", false);
  w.Field("featured", e.neg_risk);
  w.Field("restricted", true);
  w.Field("liquidity", f.liquidity);
  w.Field("volume", f.volume);
  w.Field("openInterest", std::round(f.liquidity * 7.3 * 1e4) / 1e4);
  w.Field("createdAt", IsoMicros(f.created, Micros(u, e.id + 2)));
  w.Field("updatedAt", IsoMicros(std::min(f.end, u.now()), Micros(u, e.id + 3)));
  w.Field("volume24hr", f.closed ? 0.0 : f.volume / 365);
  w.Field("volume1wk", f.closed ? 0.0 : f.volume / 52);
  w.Field("volume1mo", f.closed ? 0.0 : f.volume / 12);
  w.Field("volume1yr", f.volume);
  w.Field("enableOrderBook", u.market_record(e.first_market).order_book);
  w.Field("negRisk", e.neg_risk);
  if (e.neg_risk) w.Field("negRiskMarketID", e.neg_risk_market_id);
  w.Field("commentCount", static_cast<int64_t>(Hash(u.seed(), e.id) % 800));
}

void WriteGammaMarket(const Universe& u, const Market& m, bool in_event, JsonWriter& w);

void WriteGammaEvent(const Universe& u, const Event& e, bool include_markets, JsonWriter& w) {
  const EventFacts f = Facts(u, e);
  const bool recurring = !e.neg_risk && IsRecurring(u.market(e.first_market));
  w.BeginObject();
  w.Field("$schema", "https://gamma-api.polymarket.com/schemas/Event.json");
  WriteEventCore(u, e, f, /*image=*/"", w);
  if (include_markets) {
    w.Key("markets").BeginArray();
    for (int mi = e.first_market; mi < e.end_market(); ++mi) {
      if (u.market_record(mi).in_gamma) WriteGammaMarket(u, u.market(mi), /*in_event=*/true, w);
    }
    w.EndArray();
  }
  w.Key("series").BeginArray();
  if (recurring) {
    w.BeginObject();
    w.Field("id", std::to_string(10'000 + e.index % 97));
    w.Field("ticker", "up-or-down-recurring");
    w.Field("slug", "up-or-down-recurring");
    w.Field("title", "Up or Down (recurring)");
    w.Field("seriesType", "single");
    w.Field("recurrence", "15m");
    w.Field("active", true);
    w.Field("closed", false);
    w.Field("archived", false);
    w.Field("createdAt", IsoMicros(u.now() - 400 * 86'400, 765536));
    w.Field("updatedAt", IsoMicros(u.now() - 3600, 276648));
    w.Field("volume24hr", 2811884.358569);
    w.Field("volume", f.volume);
    w.Field("liquidity", 647074.9355);
    w.Field("commentCount", 25857);
    w.EndObject();
  }
  w.EndArray();
  w.Key("tags").BeginArray();
  for (int t : e.tags) WriteTagObject(u, u.tags()[t], /*in_tags_route=*/false, w);
  w.EndArray();
  w.Field("cyom", false);
  if (f.closed) w.Field("closedTime", IsoSeconds(f.closed_time));
  w.Field("showAllOutcomes", true);
  w.Field("showMarketImages", true);
  if (f.closed) w.Field("automaticallyResolved", true);
  w.Field("enableNegRisk", e.neg_risk);
  w.Field("automaticallyActive", true);
  w.Field("startTime", IsoSeconds(f.end - 900));
  w.Field("seriesSlug", recurring ? "up-or-down-recurring" : "");
  w.Field("negRiskAugmented", e.neg_risk);
  w.Field("pendingDeployment", false);
  w.Field("deploying", false);
  w.Key("eventMetadata").BeginObject();
  if (recurring) {
    w.Field("priceToBeat", 83884.31639475992 + e.index);
    if (f.closed) w.Field("finalPrice", 83972.53784826923 + e.index);
  } else {
    w.Field("context_description", fmt::format("Trader sentiment on {}.", e.title));
    w.Field("context_requires_regen", false);
  }
  w.EndObject();
  w.Field("version", "v1");
  w.EndObject();
}

void WriteGammaMarket(const Universe& u, const Market& m, bool in_event, JsonWriter& w) {
  const bool closed = u.Closed(m);
  const Event e = u.event(m.event);
  std::array<std::string, 2> prices;
  for (int o = 0; o < 2; ++o) prices[o] = Decimal(u.TokenPrice(m, o));
  const double last = u.TokenPrice(m, 0);
  const std::string image = fmt::format("https://images.example/market-{}.png", m.index);
  const int64_t updated = std::min(m.end + 1800, u.now());

  w.BeginObject();
  w.Field("id", std::to_string(m.gamma_id));
  w.Field("question", m.question);
  w.Field("conditionId", m.condition_id);
  w.Field("slug", m.slug);
  w.Field("resolutionSource", "");
  w.Field("endDate", IsoSeconds(m.end));
  w.Field("liquidity", Decimal(m.liquidity));
  w.Field("startDate", IsoMillis(m.start, static_cast<int>(Hash(u.seed(), m.gamma_id) % 1000)));
  w.Field("image", image);
  w.Field("icon", image);
  w.Field("description", m.description);
  w.Field("outcomes", JsonList(m.outcomes));
  w.Field("outcomePrices", JsonList(prices));
  w.Field("volume", Decimal(m.volume));
  w.Field("active", true);
  w.Field("closed", closed);
  w.Field("marketMakerAddress", "");
  w.Field("createdAt", IsoMicros(m.created, Micros(u, m.gamma_id)));
  w.Field("updatedAt", IsoMicros(updated, Micros(u, m.gamma_id + 1)));
  if (closed) w.Field("closedTime", PgTimestamp(m.end + 87));
  w.Field("new", false);
  w.Field("featured", false);
  w.Field("submitted_by", "0x91430CaD2d3975766499717fA0D66A78D814E5c5");
  w.Field("archived", false);
  w.Field("resolvedBy", "0x2F5e3684cb1F318ec51b00Edba38d79Ac2c0aA9d");
  w.Field("restricted", true);
  w.Field("groupItemTitle", m.group_item_title);
  w.Field("groupItemThreshold", "0");
  w.Field("questionID", m.question_id);
  if (closed) w.Field("umaEndDate", IsoMicros(m.end + 60, Micros(u, m.gamma_id + 2)));
  w.Field("enableOrderBook", m.order_book);
  w.Field("orderPriceMinTickSize", m.index % 4 == 0 ? 0.001 : 0.01);
  w.Field("orderMinSize", 5);
  if (closed) w.Field("umaResolutionStatus", "resolved");
  w.Field("volumeNum", m.volume);
  w.Field("liquidityNum", m.liquidity);
  w.Field("endDateIso", IsoDate(m.end));
  w.Field("startDateIso", IsoDate(m.start));
  w.Field("hasReviewedDates", true);
  w.Field("volume24hr", closed ? 0.0 : m.volume / 365);
  w.Field("volume1wk", closed ? 0.0 : m.volume / 52);
  w.Field("volume1mo", closed ? 0.0 : m.volume / 12);
  w.Field("volume1yr", m.volume);
  w.Field("clobTokenIds", JsonList(m.token_ids));
  w.Field("umaBond", "25000");
  w.Field("umaReward", "10");
  w.Field("volume24hrClob", closed ? 0.0 : m.volume / 365);
  w.Field("volume1wkClob", closed ? 0.0 : m.volume / 52);
  w.Field("volume1moClob", closed ? 0.0 : m.volume / 12);
  w.Field("volume1yrClob", m.volume);
  w.Field("volumeClob", m.volume);
  w.Field("liquidityClob", m.liquidity);
  w.Field("makerBaseFee", 1000);
  w.Field("takerBaseFee", 1000);
  w.Field("customLiveness", 0);
  w.Field("acceptingOrders", m.order_book && !closed);
  w.Field("negRisk", m.neg_risk);
  w.Field("negRiskMarketID", m.neg_risk_market_id);
  w.Field("negRiskRequestID", m.neg_risk ? "0x" + m.question_id.substr(2, 62) + "aa" : "");
  if (!in_event) {
    const EventFacts f = Facts(u, e);
    w.Key("events").BeginArray().BeginObject();
    WriteEventCore(u, e, f, image, w);
    w.Field("cyom", false);
    w.Field("showAllOutcomes", true);
    w.Field("showMarketImages", true);
    w.Field("enableNegRisk", e.neg_risk);
    w.Field("automaticallyActive", true);
    w.Field("startTime", IsoSeconds(f.end - 900));
    w.Field("negRiskAugmented", e.neg_risk);
    w.Field("pendingDeployment", false);
    w.Field("deploying", false);
    w.Key("eventMetadata").BeginObject();
    w.Field("context_description", fmt::format("Trader sentiment on {}.", e.title));
    w.Field("context_requires_regen", false);
    w.EndObject();
    w.EndObject().EndArray();
  }
  w.Field("ready", false);
  w.Field("funded", false);
  w.Field("acceptingOrdersTimestamp", IsoSeconds(m.created + 3600));
  w.Field("cyom", false);
  w.Field("competitive", closed ? 0.0 : 0.9332221243635133);
  w.Field("pagerDutyNotificationEnabled", false);
  w.Field("approved", true);
  w.Key("clobRewards").BeginArray();
  if (!closed) {
    w.BeginObject();
    w.Field("id", std::to_string(300'000 + m.index));
    w.Field("conditionId", m.condition_id);
    w.Field("assetAddress", "0xc011a7e12a19f7b1f670d46f03b03f3342e82dfb");
    w.Field("rewardsAmount", 0);
    w.Field("rewardsDailyRate", 0.001);
    w.Field("startDate", IsoDate(m.start));
    w.Field("endDate", "2500-12-31");
    w.EndObject();
  }
  w.EndArray();
  w.Field("rewardsMinSize", 0);
  w.Field("rewardsMaxSpread", 0);
  w.Field("spread", closed ? 1.0 : 0.001);
  w.Field("oneWeekPriceChange", closed ? 0.0 : -0.019);
  w.Field("oneMonthPriceChange", closed ? 0.0 : -0.008);
  w.Field("lastTradePrice", last);
  w.Field("bestBid", closed ? 0.0 : std::max(0.0, last - 0.001));
  w.Field("bestAsk", closed ? 1.0 : std::min(1.0, last + 0.001));
  w.Field("automaticallyActive", true);
  w.Field("clearBookOnStart", true);
  w.Field("seriesColor", "");
  w.Field("showGmpSeries", false);
  w.Field("showGmpOutcome", false);
  w.Field("manualActivation", false);
  w.Field("negRiskOther", false);
  w.Field("umaResolutionStatuses", closed ? "[\"proposed\", \"resolved\"]" : "[]");
  w.Field("pendingDeployment", false);
  w.Field("deploying", false);
  w.Field("deployingTimestamp", IsoMicros(m.created - 60, Micros(u, m.gamma_id + 3)));
  w.Field("rfqEnabled", false);
  w.Field("holdingRewardsEnabled", !closed);
  w.Field("feesEnabled", true);
  w.Field("requiresTranslation", false);
  w.Field("feeType", e.neg_risk ? "politics_fees" : "crypto_fees");
  w.Key("feeSchedule").BeginObject();
  w.Field("exponent", 1).Field("rate", 0.04).Field("takerOnly", true).Field("rebateRate", 0.25);
  w.EndObject();
  w.EndObject();
}

// Parses the `limit` and `closed` parameters shared by the list routes.
struct ListQuery {
  int limit = 20;
  bool closed = false;
  std::optional<SimResponse> error;
};

ListQuery ParseListQuery(const SimRequest& r) {
  ListQuery q;
  if (r.Has("limit")) {
    auto v = ParseInt(r.Get("limit"));
    if (!v || *v < 0) {
      q.error = GammaError(422, "validation error", "limit must be a non-negative integer");
      return q;
    }
    q.limit = static_cast<int>(std::min<int64_t>(*v, kMaxLimit));  // silently clamped
  }
  const std::string closed = r.Get("closed", "false");
  if (closed != "true" && closed != "false") {
    q.error = GammaError(422, "validation error", "closed must be true or false");
    return q;
  }
  q.closed = closed == "true";
  return q;
}

// Which markets a Gamma market list returns.
class MarketFilter {
 public:
  MarketFilter(const Universe& u, const std::vector<std::string>& condition_ids, bool closed)
      : u_(u), by_id_(!condition_ids.empty()), closed_(closed) {
    for (const auto& id : condition_ids) {
      if (const int mi = u.FindMarket(id); mi >= 0) wanted_.push_back(mi);
    }
    std::sort(wanted_.begin(), wanted_.end());
  }
  bool operator()(int i) const {
    const MarketRecord& m = u_.market_record(i);
    if (!m.in_gamma || u_.Closed(m) != closed_) return false;
    return !by_id_ || std::binary_search(wanted_.begin(), wanted_.end(), i);
  }

 private:
  const Universe& u_;
  bool by_id_;
  bool closed_;
  std::vector<int> wanted_;  // markets the condition ids name, sorted
};

struct EventFilter {
  const Universe& u;
  bool closed;
  bool operator()(int i) const { return Facts(u, u.event_record(i)).closed == closed; }
};

std::string KeysetCursor(int64_t id) {
  return Base64Encode(fmt::format("{{\"id\":{}}}", id));
}

std::optional<int64_t> DecodeKeysetCursor(const std::string& text) {
  auto raw = Base64Decode(text);
  if (!raw || raw->size() < 8 || raw->rfind("{\"id\":", 0) != 0 || raw->back() != '}') {
    return std::nullopt;
  }
  return ParseInt(raw->substr(6, raw->size() - 7));
}

// Items are indices 0..count-1 in id order; `include` selects those the query asks for.
template <typename Include, typename IdOf, typename WriteItem>
SimResponse Keyset(const SimRequest& r, const char* key, int count, Include include, int limit,
                   IdOf id_of, WriteItem write_item) {
  // Only `after_cursor` pages; `cursor` and `next_cursor` are silently ignored.
  int begin = 0;
  if (r.Has("after_cursor")) {
    auto after = DecodeKeysetCursor(r.Get("after_cursor"));
    if (!after) return GammaError(422, "validation error", "invalid after_cursor");
    int lo = 0, hi = count;
    while (lo < hi) {
      const int mid = lo + (hi - lo) / 2;
      if (id_of(mid) <= *after)
        lo = mid + 1;
      else
        hi = mid;
    }
    begin = lo;
  }
  std::string body;
  JsonWriter w(body);
  w.BeginObject().Key(key).BeginArray();
  int written = 0, last = -1;
  bool more = false;
  for (int i = begin; i < count; ++i) {
    if (!include(i)) continue;
    if (written == limit) {
      more = true;
      break;
    }
    write_item(i, w);
    ++written;
    last = i;
  }
  w.EndArray();
  if (more && last >= 0) w.Field("next_cursor", KeysetCursor(id_of(last)));
  w.EndObject();
  return JsonResponse(200, std::move(body));
}

// Items are indices 0..count-1 in id order; `include` selects those the query asks for.
template <typename Include, typename WriteItem>
SimResponse OffsetList(const ServeOptions& o, const SimRequest& r, int count, Include include,
                       int limit, const char* successor, WriteItem write_item) {
  auto offset = ParseInt(r.Get("offset", "0"));
  if (!offset || *offset < 0)
    return GammaError(422, "validation error", "offset must be a non-negative integer");
  if (*offset > o.gamma_offset_cap) {
    return GammaError(422, "validation error",
                      fmt::format("offset too large, use {} for deeper pagination", successor));
  }
  std::string body;
  JsonWriter w(body);
  w.BeginArray();
  // The selected items at positions [offset, offset + limit).
  int64_t position = 0;
  for (int i = 0; i < count && position < *offset + limit; ++i) {
    if (!include(i)) continue;
    if (position++ >= *offset) write_item(i, w);
  }
  w.EndArray();
  SimResponse resp = JsonResponse(200, std::move(body));
  resp.headers = {{"deprecation", "true"},
                  {"sunset", "Thu, 31 Dec 2026 23:59:59 GMT"},
                  {"warning", fmt::format("299 - \"use {}\"", successor)}};
  return resp;
}

}  // namespace

SimResponse GammaMarketsKeyset(const Universe& u, const ServeOptions& o, const SimRequest& r) {
  if (r.Has("offset")) {
    return GammaError(422, "validation error",
                      "offset is not supported by keyset pagination, use after_cursor");
  }
  if (static_cast<int>(r.GetAll("condition_ids").size()) > o.gamma_max_condition_ids) {
    return CloudflareBlockPage();
  }
  ListQuery q = ParseListQuery(r);
  if (q.error) return *q.error;
  return Keyset(
      r, "markets", u.market_count(), MarketFilter(u, r.GetAll("condition_ids"), q.closed), q.limit,
      [&](int i) { return u.market_record(i).gamma_id; },
      [&](int i, JsonWriter& w) { WriteGammaMarket(u, u.market(i), /*in_event=*/false, w); });
}

SimResponse GammaEventsKeyset(const Universe& u, const ServeOptions&, const SimRequest& r) {
  if (r.Has("offset")) {
    return GammaError(422, "validation error",
                      "offset is not supported by keyset pagination, use after_cursor");
  }
  ListQuery q = ParseListQuery(r);
  if (q.error) return *q.error;
  const bool with_markets = r.Get("include_markets", "true") != "false";
  return Keyset(
      r, "events", u.event_count(), EventFilter{u, q.closed}, q.limit,
      [&](int i) { return u.event_record(i).id; },
      [&](int i, JsonWriter& w) { WriteGammaEvent(u, u.event(i), with_markets, w); });
}

SimResponse GammaMarketsOffset(const Universe& u, const ServeOptions& o, const SimRequest& r) {
  if (static_cast<int>(r.GetAll("condition_ids").size()) > o.gamma_max_condition_ids) {
    return CloudflareBlockPage();
  }
  ListQuery q = ParseListQuery(r);
  if (q.error) return *q.error;
  return OffsetList(o, r, u.market_count(), MarketFilter(u, r.GetAll("condition_ids"), q.closed),
                    q.limit, "/markets/keyset", [&](int i, JsonWriter& w) {
                      WriteGammaMarket(u, u.market(i), /*in_event=*/false, w);
                    });
}

SimResponse GammaEventsOffset(const Universe& u, const ServeOptions& o, const SimRequest& r) {
  ListQuery q = ParseListQuery(r);
  if (q.error) return *q.error;
  const bool with_markets = r.Get("include_markets", "true") != "false";
  return OffsetList(o, r, u.event_count(), EventFilter{u, q.closed}, q.limit, "/events/keyset",
                    [&](int i, JsonWriter& w) { WriteGammaEvent(u, u.event(i), with_markets, w); });
}

SimResponse GammaTags(const Universe& u, const SimRequest& r) {
  auto limit = ParseInt(r.Get("limit", "100"));
  auto offset = ParseInt(r.Get("offset", "0"));
  if (!limit || *limit < 0 || !offset || *offset < 0) {
    return GammaError(422, "validation error", "limit and offset must be non-negative integers");
  }
  std::string body;
  JsonWriter w(body);
  w.BeginArray();
  const int64_t n = static_cast<int64_t>(u.tags().size());
  for (int64_t i = *offset; i < n && i < *offset + std::min<int64_t>(*limit, 1000); ++i) {
    WriteTagObject(u, u.tags()[i], /*in_tags_route=*/true, w);
  }
  w.EndArray();
  return JsonResponse(200, std::move(body));
}

}  // namespace polysim
