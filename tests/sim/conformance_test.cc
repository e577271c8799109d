// Conformance of every polysim route to the real API: the keys and JSON types of each simulated
// object must match the captured responses in tests/fixtures/api-samples (plus documented fields).

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/sim/sim_client.h"

namespace polysim::testing {
namespace {

using nlohmann::json;

// ---------------------------------------------------------------------------------------------
// Object kinds. Every object a route returns, at any depth, belongs to one kind; the samples of a
// kind define its shape.

constexpr char kClobPage[] = "CLOB /markets page";
constexpr char kClobMarket[] = "CLOB market";
constexpr char kClobToken[] = "CLOB tokens[] item";
constexpr char kClobRewards[] = "CLOB rewards";
constexpr char kClobRate[] = "CLOB rewards.rates[] item";
constexpr char kPriceHistory[] = "prices-history envelope";
constexpr char kPricePoint[] = "prices-history point";
constexpr char kV2Page[] = "v2 trades envelope";
constexpr char kV2Pagination[] = "v2 pagination";
constexpr char kV2Trade[] = "v2 trade";
constexpr char kV1Trade[] = "v1 trade";
constexpr char kBoardRow[] = "leaderboard row";
constexpr char kGammaMarket[] = "Gamma market";
constexpr char kGammaMarketEvent[] = "Gamma market events[] item";
constexpr char kGammaClobReward[] = "Gamma market clobRewards[] item";
constexpr char kGammaFeeSchedule[] = "Gamma market feeSchedule";
constexpr char kGammaEvent[] = "Gamma event";
constexpr char kGammaEventMetadata[] = "Gamma eventMetadata";
constexpr char kGammaSeries[] = "Gamma event series[] item";
constexpr char kGammaEventTag[] = "Gamma event tags[] item";
constexpr char kGammaTag[] = "Gamma /tags item";
constexpr char kGammaMarketsKeyset[] = "Gamma /markets/keyset page";
constexpr char kGammaEventsKeyset[] = "Gamma /events/keyset page";

// JSON type classes as the rules compare them: integers and floats are both numbers.
enum class Type { kNull, kString, kNumber, kBool, kArray, kObject };

Type TypeOf(const json& v) {
  if (v.is_string()) return Type::kString;
  if (v.is_number()) return Type::kNumber;
  if (v.is_boolean()) return Type::kBool;
  if (v.is_array()) return Type::kArray;
  if (v.is_object()) return Type::kObject;
  return Type::kNull;
}

std::string Name(Type t) {
  switch (t) {
    case Type::kNull:
      return "null";
    case Type::kString:
      return "string";
    case Type::kNumber:
      return "number";
    case Type::kBool:
      return "bool";
    case Type::kArray:
      return "array";
    case Type::kObject:
      return "object";
  }
  return "?";
}

std::string Names(const std::set<Type>& types) {
  std::string out;
  for (Type t : types) out += (out.empty() ? "" : "|") + Name(t);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Walkers: hand every object of a response body to a visitor, tagged with its kind. The same
// walkers read the samples and the simulated bodies, so both sides are cut into kinds alike.

using Visitor =
    std::function<void(const std::string& kind, const json& object, const std::string& where)>;

// Visits v[key] as `kind` when it is an object.
void Child(const json& v, const char* key, const std::string& where, const char* kind,
           const Visitor& visit) {
  if (!v.is_object()) return;
  auto it = v.find(key);
  if (it != v.end() && it->is_object()) visit(kind, *it, where + "." + key);
}

// Calls f(item, where) for each element of v (an array) or of v[key].
template <typename F>
void Each(const json& v, const std::string& where, F f) {
  if (!v.is_array()) return;
  for (size_t i = 0; i < v.size(); ++i) f(v[i], where + "[" + std::to_string(i) + "]");
}
template <typename F>
void Each(const json& v, const char* key, const std::string& where, F f) {
  if (!v.is_object()) return;
  auto it = v.find(key);
  if (it != v.end()) Each(*it, where + "." + key, f);
}

void WalkClobMarket(const json& m, const std::string& where, const Visitor& visit) {
  visit(kClobMarket, m, where);
  Child(m, "rewards", where, kClobRewards, visit);
  if (m.is_object() && m.contains("rewards")) {
    Each(m["rewards"], "rates", where + ".rewards",
         [&](const json& r, const std::string& w) { visit(kClobRate, r, w); });
  }
  Each(m, "tokens", where, [&](const json& t, const std::string& w) { visit(kClobToken, t, w); });
}

void WalkClobPage(const json& page, const std::string& where, const Visitor& visit) {
  visit(kClobPage, page, where);
  Each(page, "data", where,
       [&](const json& m, const std::string& w) { WalkClobMarket(m, w, visit); });
}

void WalkPriceHistory(const json& body, const std::string& where, const Visitor& visit) {
  visit(kPriceHistory, body, where);
  Each(body, "history", where,
       [&](const json& p, const std::string& w) { visit(kPricePoint, p, w); });
}

void WalkV2Page(const json& body, const std::string& where, const Visitor& visit) {
  visit(kV2Page, body, where);
  Child(body, "pagination", where, kV2Pagination, visit);
  Each(body, "data", where, [&](const json& t, const std::string& w) { visit(kV2Trade, t, w); });
}

void WalkV1Trades(const json& body, const std::string& where, const Visitor& visit) {
  Each(body, where, [&](const json& t, const std::string& w) { visit(kV1Trade, t, w); });
}

void WalkBoard(const json& body, const std::string& where, const Visitor& visit) {
  Each(body, where, [&](const json& r, const std::string& w) { visit(kBoardRow, r, w); });
}

void WalkGammaMarket(const json& m, const std::string& where, const Visitor& visit) {
  visit(kGammaMarket, m, where);
  Each(m, "events", where, [&](const json& e, const std::string& w) {
    visit(kGammaMarketEvent, e, w);
    Child(e, "eventMetadata", w, kGammaEventMetadata, visit);
  });
  Each(m, "clobRewards", where,
       [&](const json& r, const std::string& w) { visit(kGammaClobReward, r, w); });
  Child(m, "feeSchedule", where, kGammaFeeSchedule, visit);
}

void WalkGammaEvent(const json& e, const std::string& where, const Visitor& visit) {
  visit(kGammaEvent, e, where);
  Each(e, "markets", where,
       [&](const json& m, const std::string& w) { WalkGammaMarket(m, w, visit); });
  Each(e, "series", where, [&](const json& s, const std::string& w) { visit(kGammaSeries, s, w); });
  Each(e, "tags", where, [&](const json& t, const std::string& w) { visit(kGammaEventTag, t, w); });
  Child(e, "eventMetadata", where, kGammaEventMetadata, visit);
}

void WalkGammaMarkets(const json& list, const std::string& where, const Visitor& visit) {
  Each(list, where, [&](const json& m, const std::string& w) { WalkGammaMarket(m, w, visit); });
}

void WalkGammaEvents(const json& list, const std::string& where, const Visitor& visit) {
  Each(list, where, [&](const json& e, const std::string& w) { WalkGammaEvent(e, w, visit); });
}

void WalkGammaTags(const json& list, const std::string& where, const Visitor& visit) {
  Each(list, where, [&](const json& t, const std::string& w) { visit(kGammaTag, t, w); });
}

// ---------------------------------------------------------------------------------------------
// What the samples do not say. Every entry weakens the check, so each one cites
// ../shared/polymarket-api.md (or sample evidence) and the list stays short.

struct KindRules {
  // Allowlist: keys no sample of the kind holds but the API documents, with their type.
  std::map<std::string, Type> documented;
  // Keys the API documents as nullable although no sample holds null.
  std::set<std::string> nullable;
  // Keys every sample holds that the API documents as sometimes missing.
  std::set<std::string> optional;
  // Keys that exist once the object is closed: required when `closed` is true, else optional.
  std::set<std::string> closed_only;
  // Keys the documentation says are always there (for kinds with no or few samples).
  std::set<std::string> required;
  // A kind describing the same entity elsewhere: a key is only required if it is also in every
  // sample of that kind, so one captured object does not make its topic-specific fields required.
  std::string same_entity_as;
};

std::map<std::string, KindRules> Rules() {
  std::map<std::string, KindRules> r;
  // §4.1: `end_date_iso (string|null)`, `game_start_time (string|null)`,
  // `accepting_order_timestamp (string|null)`.
  r[kClobMarket].nullable = {"end_date_iso", "game_start_time", "accepting_order_timestamp"};
  // §4.1: `rewards {rates: [...]|null, ...}`; the captured market is resolved, so rates is null.
  r[kClobRewards].nullable = {"rates"};
  // No sample holds a rates item (§4.1 shows `[...]`); its fields are the snake_case twins of
  // Gamma's clobRewards[] `assetAddress` and `rewardsDailyRate` in gamma_market.json.
  r[kClobRate].documented = {{"asset_address", Type::kString},
                             {"rewards_daily_rate", Type::kNumber}};
  r[kClobRate].required = {"asset_address", "rewards_daily_rate"};
  // §3.1: page until `next_cursor` is null.
  r[kV2Pagination].nullable = {"next_cursor"};
  // §3.3: "`xUsername`, `verifiedBadge`, `profileImage` may be missing".
  r[kBoardRow].optional = {"xUsername", "verifiedBadge", "profileImage"};
  // A resolved market has a closing time and a UMA resolution (the resolved markets nested in
  // gamma_event.json carry all three); open ones have none.
  r[kGammaMarket].closed_only = {"closedTime", "umaEndDate", "umaResolutionStatus"};
  // §5.2 lists `liquidity` and `negRiskMarketID` among the event fields; the captured event is
  // neither neg-risk nor carries liquidity. It is resolved, hence its closing fields.
  r[kGammaEvent].documented = {{"liquidity", Type::kNumber}, {"negRiskMarketID", Type::kString}};
  r[kGammaEvent].closed_only = {"closedTime", "automaticallyResolved"};
  // The only captured market events[] item belongs to an election event (countryName,
  // electionType, ...); the event fields common to it and to gamma_event.json are required.
  r[kGammaMarketEvent].same_entity_as = kGammaEvent;
  // §5.2 lists `publishedAt` among the /tags fields.
  r[kGammaTag].documented = {{"publishedAt", Type::kString}};
  // §5.1: `{"markets": [...], "next_cursor": "..."}`, next_cursor absent on the last page; §5.2:
  // events keyset has the same shape under `events`. No sample of either envelope exists.
  r[kGammaMarketsKeyset].documented = {{"markets", Type::kArray}, {"next_cursor", Type::kString}};
  r[kGammaMarketsKeyset].required = {"markets"};
  r[kGammaEventsKeyset].documented = {{"events", Type::kArray}, {"next_cursor", Type::kString}};
  r[kGammaEventsKeyset].required = {"events"};
  return r;
}

// ---------------------------------------------------------------------------------------------
// Value checks for the quirks a key-and-type comparison cannot see.

bool IsDigits(const std::string& s, size_t max_digits) {
  if (s.empty() || s.size() > max_digits) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// A finite decimal number such as "0.2325" or "1196404731.13" (no "nan", no spaces).
bool IsDecimal(const std::string& s) {
  if (s.empty() || !(std::isdigit(static_cast<unsigned char>(s[0])) || s[0] == '-')) return false;
  char* end = nullptr;
  std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size();
}

// Token ids are uint256 in decimal: up to 78 digits, beyond any integer type.
constexpr size_t kTokenDigits = 78;

void CheckTokenId(const json& v, const std::string& key, std::vector<std::string>& problems) {
  if (!v.is_string() || !IsDigits(v.get<std::string>(), kTokenDigits)) {
    problems.push_back("`" + key + "` is not a decimal string of 1-78 digits: " + v.dump());
  }
}

// Gamma's list fields are strings holding a JSON array of strings (polymarket-api.md §5.1).
void CheckJsonListString(const json& m, const std::string& key, std::vector<std::string>& problems,
                         json* parsed) {
  auto it = m.find(key);
  if (it == m.end() || it->is_null()) return;
  if (!it->is_string()) {
    problems.push_back("`" + key + "` must be a string holding a JSON list, got " +
                       Name(TypeOf(*it)));
    return;
  }
  json list = json::parse(it->get<std::string>(), nullptr, /*allow_exceptions=*/false);
  const bool strings = list.is_array() && std::all_of(list.begin(), list.end(),
                                                      [](const json& x) { return x.is_string(); });
  if (!strings) {
    problems.push_back("`" + key + "` does not parse as a JSON array of strings: " + it->dump());
    return;
  }
  if (parsed) *parsed = std::move(list);
}

void CheckQuirks(const std::string& kind, const json& o, std::vector<std::string>& problems) {
  if (kind == kGammaMarket) {
    json outcomes, prices, tokens;
    CheckJsonListString(o, "outcomes", problems, &outcomes);
    CheckJsonListString(o, "outcomePrices", problems, &prices);
    CheckJsonListString(o, "clobTokenIds", problems, &tokens);
    CheckJsonListString(o, "umaResolutionStatuses", problems, nullptr);
    // clobTokenIds and outcomePrices follow the order of outcomes, one entry per outcome.
    if (!outcomes.is_null() && ((!prices.is_null() && prices.size() != outcomes.size()) ||
                                (!tokens.is_null() && tokens.size() != outcomes.size()))) {
      problems.push_back("`outcomes`, `outcomePrices` and `clobTokenIds` differ in length");
    }
    for (const auto& p : prices.is_array() ? prices : json::array()) {
      if (!IsDecimal(p.get<std::string>())) {
        problems.push_back("`outcomePrices` holds a non-decimal " + p.dump());
      }
    }
    for (const auto& t : tokens.is_array() ? tokens : json::array()) {
      CheckTokenId(t, "clobTokenIds[]", problems);
    }
    // §5.1: volume and liquidity are strings on markets (volumeNum/liquidityNum are numbers).
    for (const char* key : {"volume", "liquidity"}) {
      auto it = o.find(key);
      if (it != o.end() && !(it->is_string() && IsDecimal(it->get<std::string>()))) {
        problems.push_back(std::string("`") + key + "` on a market must be a decimal string, got " +
                           it->dump());
      }
    }
  } else if (kind == kGammaEvent || kind == kGammaMarketEvent) {
    // ... while on events they are numbers.
    for (const char* key : {"volume", "liquidity"}) {
      auto it = o.find(key);
      if (it != o.end() && !it->is_number()) {
        problems.push_back(std::string("`") + key + "` on an event must be a number, got " +
                           it->dump());
      }
    }
  } else if (kind == kBoardRow) {
    // §3.3: rank is a STRING such as "1".
    auto it = o.find("rank");
    if (it != o.end() && !(it->is_string() && IsDigits(it->get<std::string>(), 9))) {
      problems.push_back("`rank` must be a string of digits, got " + it->dump());
    }
  } else if (kind == kClobToken && o.contains("token_id")) {
    CheckTokenId(o["token_id"], "token_id", problems);
  } else if (kind == kV2Trade && o.contains("token_id")) {
    CheckTokenId(o["token_id"], "token_id", problems);
  } else if (kind == kV1Trade && o.contains("asset")) {
    CheckTokenId(o["asset"], "asset", problems);
  }
}

// ---------------------------------------------------------------------------------------------
// The checker: shapes learnt from the samples, amended by Rules().

class Catalog {
 public:
  explicit Catalog(std::map<std::string, KindRules> rules) : rules_(std::move(rules)) {}

  // Adds one sample object of `kind`.
  void Learn(const std::string& kind, const json& object) {
    Shape& shape = shapes_[kind];
    ++shape.samples;
    for (const auto& [key, value] : object.items()) {
      Field& f = shape.fields[key];
      ++f.present;
      const Type t = TypeOf(value);
      if (t == Type::kNull) {
        f.null_seen = true;
      } else {
        f.types.insert(t);
      }
      for (const auto& item : value.is_array() ? value : json::array()) {
        if (!item.is_null()) f.element_types.insert(TypeOf(item));
      }
    }
  }

  // Keys an object of `kind` must hold (`closed`: the object's own `closed` flag).
  std::set<std::string> Required(const std::string& kind, bool closed) const {
    const KindRules& rules = RulesOf(kind);
    std::set<std::string> out = rules.required;
    const Shape& shape = ShapeOf(kind);
    const Shape& twin = ShapeOf(rules.same_entity_as);
    for (const auto& [key, f] : shape.fields) {
      if (f.present != shape.samples) continue;
      if (!rules.same_entity_as.empty()) {
        auto it = twin.fields.find(key);
        if (it == twin.fields.end() || it->second.present != twin.samples) continue;
      }
      out.insert(key);
    }
    for (const auto& key : rules.optional) out.erase(key);
    for (const auto& key : rules.closed_only) {
      if (closed) {
        out.insert(key);
      } else {
        out.erase(key);
      }
    }
    return out;
  }

  // Every way `object` departs from the shape of `kind`; empty when it conforms.
  std::vector<std::string> Check(const std::string& kind, const json& object) const {
    std::vector<std::string> problems;
    if (shapes_.count(kind) == 0 && rules_.count(kind) == 0) {
      problems.push_back("no sample and no rule describes this kind");
      return problems;
    }
    if (!object.is_object()) {
      problems.push_back("not a JSON object but " + Name(TypeOf(object)));
      return problems;
    }
    const KindRules& rules = RulesOf(kind);
    const Shape& shape = ShapeOf(kind);
    const auto flag = object.find("closed");
    const bool closed = flag != object.end() && flag->is_boolean() && flag->get<bool>();
    for (const auto& key : Required(kind, closed)) {
      if (!object.contains(key)) problems.push_back("missing key `" + key + "`");
    }
    for (const auto& [key, value] : object.items()) {
      auto field = shape.fields.find(key);
      auto doc = rules.documented.find(key);
      if (field == shape.fields.end() && doc == rules.documented.end()) {
        problems.push_back("key `" + key + "` is in no sample and not documented");
        continue;
      }
      const bool sample_null = field != shape.fields.end() && field->second.null_seen;
      if (sample_null) continue;  // a null in a sample says nothing about the type
      const Type t = TypeOf(value);
      if (t == Type::kNull) {
        if (rules.nullable.count(key) == 0) {
          problems.push_back("`" + key + "` is null, which no sample has and no doc allows");
        }
        continue;
      }
      std::set<Type> allowed;
      if (field != shape.fields.end()) allowed = field->second.types;
      if (doc != rules.documented.end()) allowed.insert(doc->second);
      if (allowed.count(t) == 0) {
        problems.push_back("`" + key + "` is " + Name(t) + ", samples have " + Names(allowed));
        continue;
      }
      if (t != Type::kArray || field == shape.fields.end()) continue;
      const std::set<Type>& elements = field->second.element_types;
      if (elements.empty()) continue;  // only empty arrays were captured
      for (const auto& item : value) {
        if (elements.count(TypeOf(item)) == 0) {
          problems.push_back("`" + key + "[]` holds " + Name(TypeOf(item)) + ", samples hold " +
                             Names(elements));
          break;
        }
      }
    }
    CheckQuirks(kind, object, problems);
    return problems;
  }

 private:
  struct Field {
    int present = 0;       // samples holding the key
    std::set<Type> types;  // non-null types seen
    bool null_seen = false;
    std::set<Type> element_types;  // of array elements, when the value is an array
  };
  struct Shape {
    int samples = 0;
    std::map<std::string, Field> fields;
  };

  const KindRules& RulesOf(const std::string& kind) const {
    static const KindRules* const kNone = new KindRules();
    auto it = rules_.find(kind);
    return it == rules_.end() ? *kNone : it->second;
  }
  const Shape& ShapeOf(const std::string& kind) const {
    static const Shape* const kEmpty = new Shape();
    auto it = shapes_.find(kind);
    return it == shapes_.end() ? *kEmpty : it->second;
  }

  std::map<std::string, KindRules> rules_;
  std::map<std::string, Shape> shapes_;
};

json LoadSample(const std::string& file) {
  std::ifstream in(std::string(POLYPIPE_SAMPLES_DIR) + "/" + file);
  if (!in) {
    ADD_FAILURE() << "cannot open sample " << file;
    return nullptr;
  }
  json j = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) ADD_FAILURE() << "sample " << file << " is not JSON";
  return j;
}

// Walks every sample file with `visit`.
void WalkSamples(const Visitor& visit) {
  WalkClobMarket(LoadSample("clob_market.json"), "clob_market.json", visit);
  WalkClobPage(LoadSample("clob_markets_page.json"), "clob_markets_page.json", visit);
  WalkPriceHistory(LoadSample("clob_prices_history.json"), "clob_prices_history.json", visit);
  WalkV2Page(LoadSample("data_v2_trades.json"), "data_v2_trades.json", visit);
  WalkV1Trades(LoadSample("data_v1_trades.json"), "data_v1_trades.json", visit);
  // The leaderboard file holds several captures keyed by their query.
  const json board = LoadSample("data_leaderboard_v1.json");
  for (const auto& [query, rows] : board.items()) {
    WalkBoard(rows, "data_leaderboard_v1.json[" + query + "]", visit);
  }
  WalkGammaMarket(LoadSample("gamma_market.json"), "gamma_market.json", visit);
  WalkGammaMarkets(LoadSample("gamma_markets_list.json"), "gamma_markets_list.json", visit);
  WalkGammaEvent(LoadSample("gamma_event.json"), "gamma_event.json", visit);
  WalkGammaEvents(LoadSample("gamma_events_list.json"), "gamma_events_list.json", visit);
  WalkGammaTags(LoadSample("gamma_tags.json"), "gamma_tags.json", visit);
}

const Catalog& Samples() {
  static const Catalog* const catalog = [] {
    auto* c = new Catalog(Rules());
    WalkSamples([c](const std::string& kind, const json& o, const std::string&) {
      if (o.is_object()) c->Learn(kind, o);
    });
    return c;
  }();
  return *catalog;
}

// Checks the objects it is handed and groups identical problems, so one missing field on 120
// markets reads as one line.
class Report {
 public:
  explicit Report(const Catalog& catalog) : catalog_(catalog) {}

  Visitor Checker() {
    return [this](const std::string& kind, const json& o, const std::string& where) {
      ++checked_[kind];
      for (const auto& problem : catalog_.Check(kind, o)) {
        Entry& e = problems_[kind + ": " + problem];
        if (e.count++ == 0) e.first = where;
      }
    };
  }

  int Checked(const std::string& kind) const {
    auto it = checked_.find(kind);
    return it == checked_.end() ? 0 : it->second;
  }

  // Fails the test when a kind it should have seen was never checked: an empty page would
  // otherwise pass vacuously.
  void ExpectChecked(const std::vector<std::string>& kinds) const {
    for (const auto& kind : kinds) EXPECT_GT(Checked(kind), 0) << "no " << kind << " was checked";
  }

  // Fails the test on any problem, listing each once.
  void ExpectClean() const {
    std::ostringstream out;
    for (const auto& [problem, e] : problems_) {
      out << "  " << problem << " (" << e.count << "x, first at " << e.first << ")\n";
    }
    EXPECT_TRUE(problems_.empty()) << problems_.size() << " conformance problems:\n" << out.str();
  }

  void Expect(const std::vector<std::string>& kinds) const {
    ExpectChecked(kinds);
    ExpectClean();
  }

 private:
  struct Entry {
    int count = 0;
    std::string first;
  };
  const Catalog& catalog_;
  std::map<std::string, int> checked_;
  std::map<std::string, Entry> problems_;
};

// Cursors are base64 and may hold '+', '/' and '='.
std::string UrlEncode(const std::string& s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The checker itself: it accepts the samples and rejects each kind of departure.

bool Mentions(const std::vector<std::string>& problems, const std::string& text) {
  for (const auto& p : problems) {
    if (p.find(text) != std::string::npos) return true;
  }
  return false;
}

std::string Join(const std::vector<std::string>& problems) {
  std::string out;
  for (const auto& p : problems) out += "\n  " + p;
  return out;
}

TEST(ConformanceChecker, EverySampleConformsToItsKind) {
  const Catalog& catalog = Samples();
  Report report(catalog);
  WalkSamples(report.Checker());
  // Every kind the samples hold; the CLOB rates item and the keyset envelopes have none.
  report.ExpectChecked({kClobPage, kClobMarket, kClobToken, kClobRewards, kPriceHistory});
  report.ExpectChecked({kPricePoint, kV2Page, kV2Pagination, kV2Trade, kV1Trade, kBoardRow});
  report.ExpectChecked({kGammaMarket, kGammaMarketEvent, kGammaClobReward, kGammaFeeSchedule});
  report.ExpectChecked({kGammaEvent, kGammaEventMetadata, kGammaSeries, kGammaEventTag});
  report.ExpectChecked({kGammaTag});
  report.ExpectClean();
}

TEST(ConformanceChecker, RejectsMissingKey) {
  json market = LoadSample("clob_market.json");
  market.erase("condition_id");
  const auto problems = Samples().Check(kClobMarket, market);
  EXPECT_TRUE(Mentions(problems, "missing key `condition_id`")) << Join(problems);
}

TEST(ConformanceChecker, AcceptsDocumentedOptionalKeyOnlyWhereDocumented) {
  json row = LoadSample("data_leaderboard_v1.json").begin().value()[0];
  row.erase("xUsername");
  EXPECT_TRUE(Samples().Check(kBoardRow, row).empty()) << Join(Samples().Check(kBoardRow, row));
  row.erase("pnl");
  EXPECT_TRUE(Mentions(Samples().Check(kBoardRow, row), "missing key `pnl`"));
}

TEST(ConformanceChecker, RejectsRetypedKey) {
  json trade = LoadSample("data_v2_trades.json")["data"][0];
  trade["price"] = "0.32";
  auto problems = Samples().Check(kV2Trade, trade);
  EXPECT_TRUE(Mentions(problems, "`price` is string, samples have number")) << Join(problems);
  trade["price"] = 1;  // an int is still a number
  EXPECT_TRUE(Samples().Check(kV2Trade, trade).empty());
  trade["outcome_index"] = true;
  EXPECT_TRUE(Mentions(Samples().Check(kV2Trade, trade), "`outcome_index` is bool"));
}

TEST(ConformanceChecker, RejectsNullUnlessSampledOrDocumented) {
  json page = LoadSample("data_v2_trades.json");
  page["data"][0]["price"] = nullptr;
  auto problems = Samples().Check(kV2Trade, page["data"][0]);
  EXPECT_TRUE(Mentions(problems, "`price` is null")) << Join(problems);
  page["pagination"]["next_cursor"] = nullptr;  // documented as null on the last page
  EXPECT_TRUE(Samples().Check(kV2Pagination, page["pagination"]).empty());
  json market = LoadSample("clob_market.json");
  market["game_start_time"] = 17;  // null in the sample: any type goes
  market["accepting_order_timestamp"] = nullptr;
  EXPECT_TRUE(Samples().Check(kClobMarket, market).empty())
      << Join(Samples().Check(kClobMarket, market));
}

TEST(ConformanceChecker, RejectsUnknownKeyButAcceptsAllowlisted) {
  json event = LoadSample("gamma_event.json");
  event["negRiskMarketID"] = "0x2c3d";
  event["liquidity"] = 12.5;
  EXPECT_TRUE(Samples().Check(kGammaEvent, event).empty())
      << Join(Samples().Check(kGammaEvent, event));
  event["bogusField"] = 1;
  EXPECT_TRUE(Mentions(Samples().Check(kGammaEvent, event), "`bogusField` is in no sample"));
}

TEST(ConformanceChecker, RejectsWrongArrayElements) {
  json market = LoadSample("clob_market.json");
  market["tags"].push_back(7);
  EXPECT_TRUE(Mentions(Samples().Check(kClobMarket, market), "`tags[]` holds number"));
}

TEST(ConformanceChecker, ClosingFieldsAreRequiredOnlyOnceClosed) {
  json event = LoadSample("gamma_event.json");
  event.erase("closedTime");
  EXPECT_TRUE(Mentions(Samples().Check(kGammaEvent, event), "missing key `closedTime`"));
  event["closed"] = false;
  event.erase("automaticallyResolved");
  EXPECT_TRUE(Samples().Check(kGammaEvent, event).empty())
      << Join(Samples().Check(kGammaEvent, event));
}

TEST(ConformanceChecker, MarketEventsRequireWhatEveryCapturedEventHas) {
  json event = LoadSample("gamma_market.json")["events"][0];
  event.erase("countryName");  // only election events carry it
  EXPECT_TRUE(Samples().Check(kGammaMarketEvent, event).empty())
      << Join(Samples().Check(kGammaMarketEvent, event));
  event.erase("volume24hr");  // every captured event does
  EXPECT_TRUE(Mentions(Samples().Check(kGammaMarketEvent, event), "missing key `volume24hr`"));
}

TEST(ConformanceChecker, RejectsBrokenQuirks) {
  json market = LoadSample("gamma_market.json");
  market["outcomes"] = "Yes, No";
  market["clobTokenIds"] = json::array({"1", "2"});
  market["volume"] = 12.5;
  auto problems = Samples().Check(kGammaMarket, market);
  EXPECT_TRUE(Mentions(problems, "`outcomes` does not parse")) << Join(problems);
  EXPECT_TRUE(Mentions(problems, "`clobTokenIds` must be a string")) << Join(problems);
  EXPECT_TRUE(Mentions(problems, "`volume` on a market must be a decimal string"))
      << Join(problems);

  json event = LoadSample("gamma_event.json");
  event["volume"] = "1593.92";
  EXPECT_TRUE(Mentions(Samples().Check(kGammaEvent, event), "`volume` on an event must be"));

  json row = LoadSample("data_leaderboard_v1.json").begin().value()[0];
  row["rank"] = 1;
  EXPECT_TRUE(Mentions(Samples().Check(kBoardRow, row), "`rank` must be a string"));

  json token = LoadSample("clob_market.json")["tokens"][0];
  token["token_id"] = std::string(79, '7');
  EXPECT_TRUE(Mentions(Samples().Check(kClobToken, token), "`token_id` is not a decimal string"));
  token["token_id"] = "0x1f";
  EXPECT_TRUE(Mentions(Samples().Check(kClobToken, token), "`token_id` is not a decimal string"));
}

// ---------------------------------------------------------------------------------------------
// Every route of the simulator, over real HTTP.

class ConformanceRoutes : public ::testing::Test {
 protected:
  SimClient sim_;
  Report report_{Samples()};
  Visitor check_ = report_.Checker();

  json ClobMarkets() { return sim_.Json("/clob/markets"); }

  // An open market with an order book, so it has rewards rates, trades and a price series.
  json OpenMarket() {
    const json page = ClobMarkets();
    for (const auto& m : page["data"]) {
      if (m.value("closed", true) == false && m.value("enable_order_book", false)) return m;
    }
    ADD_FAILURE() << "no open market with an order book in /clob/markets";
    return json::object();
  }

  // Checks every page of a Gamma keyset list; returns the number of items seen.
  size_t WalkKeyset(const std::string& path, const char* key, const char* kind,
                    void (*walk_item)(const json&, const std::string&, const Visitor&)) {
    std::string cursor;
    std::set<std::string> seen;
    size_t items = 0;
    for (int page = 0; page < 100; ++page) {
      const std::string url = path + (cursor.empty() ? "" : "&after_cursor=" + UrlEncode(cursor));
      const json body = sim_.Json(url);
      check_(kind, body, "GET " + url);
      Each(body, key, "GET " + url, [&](const json& item, const std::string& where) {
        walk_item(item, where, check_);
        ++items;
      });
      auto next = body.is_object() ? body.find("next_cursor") : body.end();
      if (!body.is_object() || next == body.end() || !next->is_string()) break;
      cursor = next->get<std::string>();
      if (!seen.insert(cursor).second) {
        ADD_FAILURE() << path << ": cursor repeats";
        break;
      }
    }
    return items;
  }
};

TEST_F(ConformanceRoutes, ClobMarkets) {
  const json page = ClobMarkets();
  WalkClobPage(page, "GET /clob/markets", check_);
  // Each market alone, too: the single-market route writes the same object unwrapped.
  int open = 0, closed = 0;
  for (const auto& m : page["data"]) {
    const std::string path = "/clob/markets/" + m["condition_id"].get<std::string>();
    WalkClobMarket(sim_.Json(path), "GET " + path, check_);
    (m["closed"].get<bool>() ? closed : open) += 1;
  }
  EXPECT_GT(open, 0);
  EXPECT_GT(closed, 0);
  report_.Expect({kClobPage, kClobMarket, kClobToken, kClobRewards, kClobRate});
}

TEST_F(ConformanceRoutes, ClobPricesHistory) {
  const json market = OpenMarket();
  ASSERT_TRUE(market.contains("tokens"));
  const std::string token = market["tokens"][0]["token_id"].get<std::string>();
  const std::string cid = market["condition_id"].get<std::string>();
  // A window inside the market's life: the day before its newest trade.
  const json trades = sim_.Json("/data/v2/trades?condition=" + cid + "&limit=1");
  ASSERT_FALSE(trades["data"].empty()) << cid << " has no trades";
  const int64_t newest = trades["data"][0]["timestamp"].get<int64_t>();
  for (const std::string& query : {"startTs=" + std::to_string(newest - 86'400) +
                                       "&endTs=" + std::to_string(newest) + "&fidelity=60",
                                   std::string("interval=1d&fidelity=60")}) {
    const std::string path = "/clob/prices-history?market=" + token + "&" + query;
    WalkPriceHistory(sim_.Json(path), "GET " + path, check_);
  }
  // The batch form nests the same points under each token id.
  json request = {
      {"markets", {token, market["tokens"][1]["token_id"]}}, {"interval", "1d"}, {"fidelity", 60}};
  auto res = sim_.Post("/clob/batch-prices-history", request.dump());
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const json batch = json::parse(res->body, nullptr, false);
  ASSERT_TRUE(batch.contains("history") && batch["history"].is_object()) << res->body;
  for (const auto& [id, points] : batch["history"].items()) {
    EXPECT_TRUE(points.is_array()) << id;
    Each(points, "POST /clob/batch-prices-history .history[" + id + "]",
         [&](const json& p, const std::string& w) { check_(kPricePoint, p, w); });
  }
  report_.Expect({kPriceHistory, kPricePoint});
}

TEST_F(ConformanceRoutes, DataTrades) {
  // Every listed market: open and resolved, short tapes (last page, null cursor) and long ones.
  int pages_with_more = 0, last_pages = 0;
  const json markets = ClobMarkets();
  for (const auto& m : markets["data"]) {
    const std::string cid = m["condition_id"].get<std::string>();
    const std::string v2 = "/data/v2/trades?condition=" + cid + "&limit=50";
    const json page = sim_.Json(v2);
    WalkV2Page(page, "GET " + v2, check_);
    (page["pagination"].value("has_more", false) ? pages_with_more : last_pages) += 1;
    const std::string v1 = "/data/trades?market=" + cid + "&limit=50";
    const json list = sim_.Json(v1);
    EXPECT_TRUE(list.is_array()) << v1;
    WalkV1Trades(list, "GET " + v1, check_);
  }
  EXPECT_GT(pages_with_more, 0);
  EXPECT_GT(last_pages, 0);
  report_.Expect({kV2Page, kV2Pagination, kV2Trade, kV1Trade});
}

TEST_F(ConformanceRoutes, DataLeaderboard) {
  for (const char* query : {"limit=50", "timePeriod=ALL&orderBy=VOL&limit=50",
                            "category=CRYPTO&timePeriod=WEEK&limit=50&offset=50"}) {
    const std::string path = std::string("/data/v1/leaderboard?") + query;
    const json rows = sim_.Json(path);
    EXPECT_TRUE(rows.is_array()) << path;
    WalkBoard(rows, "GET " + path, check_);
  }
  report_.Expect({kBoardRow});
}

TEST_F(ConformanceRoutes, GammaMarkets) {
  // `closed` defaults to false: both sweeps, so fields that only resolved markets carry are seen.
  for (const std::string closed : {"false", "true"}) {
    const size_t n = WalkKeyset("/gamma/markets/keyset?limit=100&closed=" + closed, "markets",
                                kGammaMarketsKeyset, WalkGammaMarket);
    EXPECT_GT(n, 0u) << "closed=" << closed;
    // Small pages, so envelopes that carry a next_cursor are checked too.
    EXPECT_EQ(WalkKeyset("/gamma/markets/keyset?limit=7&closed=" + closed, "markets",
                         kGammaMarketsKeyset, WalkGammaMarket),
              n);
    // The deprecated offset list serves the same objects as a bare array.
    const std::string path = "/gamma/markets?limit=100&closed=" + closed;
    WalkGammaMarkets(sim_.Json(path), "GET " + path, check_);
  }
  report_.Expect(
      {kGammaMarketsKeyset, kGammaMarket, kGammaMarketEvent, kGammaClobReward, kGammaFeeSchedule});
}

TEST_F(ConformanceRoutes, GammaEvents) {
  for (const std::string closed : {"false", "true"}) {
    const size_t n = WalkKeyset("/gamma/events/keyset?limit=100&closed=" + closed, "events",
                                kGammaEventsKeyset, WalkGammaEvent);
    EXPECT_GT(n, 0u) << "closed=" << closed;
    EXPECT_EQ(WalkKeyset("/gamma/events/keyset?limit=7&closed=" + closed, "events",
                         kGammaEventsKeyset, WalkGammaEvent),
              n);
    const std::string path = "/gamma/events?limit=100&closed=" + closed;
    WalkGammaEvents(sim_.Json(path), "GET " + path, check_);
  }
  // Markets nested in an event carry no events[] of their own, as in the samples.
  report_.Expect({kGammaEventsKeyset, kGammaEvent, kGammaMarket, kGammaEventMetadata, kGammaSeries,
                  kGammaEventTag});
  EXPECT_EQ(report_.Checked(kGammaMarketEvent), 0);
}

TEST_F(ConformanceRoutes, GammaTags) {
  const json tags = sim_.Json("/gamma/tags?limit=100");
  EXPECT_TRUE(tags.is_array());
  WalkGammaTags(tags, "GET /gamma/tags?limit=100", check_);
  report_.Expect({kGammaTag});
}

}  // namespace
}  // namespace polysim::testing
