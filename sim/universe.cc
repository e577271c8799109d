#include "sim/universe.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <ctime>
#include <numeric>
#include <optional>
#include <string_view>
#include <unordered_map>

namespace polysim {

const std::array<const char*, 11> kBoardCategories = {
    "OVERALL",  "POLITICS", "SPORTS",    "ESPORTS", "CRYPTO", "CULTURE",
    "MENTIONS", "WEATHER",  "ECONOMICS", "TECH",    "FINANCE"};
const std::array<const char*, 4> kBoardPeriods = {"DAY", "WEEK", "MONTH", "ALL"};
const std::array<const char*, 2> kBoardOrders = {"PNL", "VOL"};

uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t Hash(uint64_t a, uint64_t b, uint64_t c, uint64_t d) {
  return Mix(Mix(Mix(Mix(a) ^ b) ^ c) ^ d);
}

namespace {

// The inverse of an odd number modulo 2^64 (Newton's iteration doubles the good bits each step).
constexpr uint64_t InverseOdd(uint64_t a) {
  uint64_t x = a;
  for (int i = 0; i < 6; ++i) x *= 2 - a * x;
  return x;
}

// The x with x ^ (x >> shift) == y.
uint64_t UnXorShift(uint64_t y, int shift) {
  uint64_t x = y;
  for (int k = shift; k < 64; k += shift) x ^= y >> k;
  return x;
}

}  // namespace

uint64_t Unmix(uint64_t h) {
  static_assert(0xbf58476d1ce4e5b9ULL * InverseOdd(0xbf58476d1ce4e5b9ULL) == 1);
  static_assert(0x94d049bb133111ebULL * InverseOdd(0x94d049bb133111ebULL) == 1);
  uint64_t x = UnXorShift(h, 31) * InverseOdd(0x94d049bb133111ebULL);
  x = UnXorShift(x, 27) * InverseOdd(0xbf58476d1ce4e5b9ULL);
  return UnXorShift(x, 30) - 0x9e3779b97f4a7c15ULL;
}

double Unit(uint64_t h) {
  return static_cast<double>(h >> 11) * 0x1.0p-53;
}

namespace {

// Salts that keep the hash streams of different attributes apart.
enum Salt : uint64_t {
  kSaltCondition = 1,
  kSaltQuestionId,
  kSaltToken,
  kSaltMarket,
  kSaltEvent,
  kSaltTrade,
  kSaltWallet,
  kSaltTag,
  kSaltBoard,
  kSaltTx,
  kSaltDust,
  kSaltLate,
};

constexpr int64_t kDay = 86'400;
constexpr int64_t kYear = 365 * kDay;
// A late fill is indexed at least this many seconds after its timestamp.
constexpr int64_t kMinLateDelay = 60;
// One fill in every block of this many is dust.
constexpr int64_t kDustBlock = 50;

std::string Hex(uint64_t seed, uint64_t salt, uint64_t key, int digits) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(static_cast<size_t>(digits), '0');
  uint64_t word = 0;
  for (int i = 0; i < digits; ++i) {
    if (i % 16 == 0) word = Hash(seed, salt, key, static_cast<uint64_t>(i / 16));
    out[i] = kDigits[(word >> (60 - 4 * (i % 16))) & 15];
  }
  return out;
}

// A decimal uint256-like id: 76 to 78 digits, no leading zero. Its digits are 19-digit chunks,
// the first from Hash(seed, salt, key, 0) % 10^19 (TokenKeys inverts that).
constexpr uint64_t kChunk = 10'000'000'000'000'000'000ULL;

std::string DecimalId(uint64_t seed, uint64_t salt, uint64_t key) {
  const int digits = 76 + static_cast<int>(Hash(seed, salt, key, 99) % 3);
  static constexpr char kPairs[] =
      "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
      "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
      "8081828384858687888990919293949596979899";
  std::string out(static_cast<size_t>((digits + 18) / 19 * 19), '0');
  for (size_t chunk = 0; chunk * 19 < out.size(); ++chunk) {
    // Two digits at a time from the right; the chunk's 19th digit is what remains.
    uint64_t v = Hash(seed, salt, key, chunk) % kChunk;
    char* p = out.data() + chunk * 19 + 19;
    for (int pair = 0; pair < 9; ++pair, v /= 100) {
      p -= 2;
      std::memcpy(p, kPairs + 2 * (v % 100), 2);
    }
    p[-1] = static_cast<char>('0' + v);
  }
  out.resize(static_cast<size_t>(digits));
  if (out[0] == '0') out[0] = static_cast<char>('1' + Hash(seed, salt, key, 7) % 9);
  return out;
}

// The key K of a stream whose word Hash(seed, salt, K, 0) is `word`.
uint64_t KeyOfWord(uint64_t seed, uint64_t salt, uint64_t word) {
  return Unmix(Unmix(word)) ^ Mix(Mix(seed) ^ salt);
}

// The first hash word of a "0x" + hex id, or nullopt if the text does not start like one.
std::optional<uint64_t> LeadingHexWord(std::string_view id, size_t length) {
  if (id.size() != length || id.substr(0, 2) != "0x") return std::nullopt;
  uint64_t word = 0;
  for (char c : id.substr(2, 16)) {
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else {
      return std::nullopt;
    }
    word = word << 4 | static_cast<uint64_t>(digit);
  }
  return word;
}

std::string Slugify(std::string_view text, int suffix) {
  std::string out;
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    } else if (!out.empty() && out.back() != '-') {
      out.push_back('-');
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return fmt::format("{}-{}", out, suffix);
}

template <typename T, size_t N>
const T& Pick(const std::array<T, N>& list, uint64_t h) {
  return list[h % N];
}

const std::array<const char*, 40> kTagLabels = {
    "Politics",    "Crypto",   "Sports",   "Bitcoin", "Elections",    "Economy",   "Tech",
    "Culture",     "Weather",  "Esports",  "Finance", "Up or Down",   "Recurring", "Hide From New",
    "NBA",         "NFL",      "Soccer",   "AI",      "Fed",          "Inflation", "Ethereum",
    "Solana",      "Mentions", "Tennis",   "F1",      "Golf",         "World",     "Geopolitics",
    "Middle East", "Ukraine",  "China",    "Movies",  "Music",        "Awards",    "Science",
    "Space",       "Climate",  "Business", "Stocks",  "Crypto Prices"};
const std::array<const char*, 16> kPeople = {
    "Gavin Newsom",    "Josh Shapiro", "Jon Ossoff",       "Kamala Harris",
    "Pete Buttigieg",  "Andy Beshear", "Gretchen Whitmer", "Wes Moore",
    "JB Pritzker",     "Cory Booker",  "Ro Khanna",        "Mark Kelly",
    "Raphael Warnock", "Chris Murphy", "Amy Klobuchar",    "Zoë Müller"};
const std::array<const char*, 12> kTeams = {"Lakers",  "Celtics", "Arsenal", "Chelsea",
                                            "Yankees", "Dodgers", "Chiefs",  "Eagles",
                                            "T1",      "G2",      "Fnatic",  "Real Madrid"};
const std::array<const char*, 10> kContests = {"2028 Democratic presidential nomination",
                                               "2028 US presidential election",
                                               "NBA Finals",
                                               "Champions League",
                                               "Super Bowl",
                                               "World Series",
                                               "Ballon d'Or",
                                               "Nobel Peace Prize",
                                               "Oscars Best Picture",
                                               "LoL Worlds"};
const std::array<const char*, 6> kAssets = {"Bitcoin", "Ethereum", "Solana",
                                            "XRP",     "BNB",      "Dogecoin"};
const std::array<const char*, 12> kAdjectives = {"Impolite", "Brave",  "Quiet", "Lucky",
                                                 "Rapid",    "Gentle", "Bold",  "Clever",
                                                 "Frosty",   "Hidden", "Merry", "Tidy"};
const std::array<const char*, 12> kNouns = {"Sister",  "Falcon", "Otter",  "River",
                                            "Comet",   "Badger", "Maple",  "Harbor",
                                            "Lantern", "Meadow", "Summit", "Willow"};
const std::array<const char*, 12> kMonths = {"January",   "February", "March",    "April",
                                             "May",       "June",     "July",     "August",
                                             "September", "October",  "November", "December"};

std::tm Utc(int64_t t) {
  std::tm tm{};
  const time_t tt = static_cast<time_t>(t);
  gmtime_r(&tt, &tm);
  return tm;
}

}  // namespace

std::string IsoSeconds(int64_t t) {
  const std::tm tm = Utc(t);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string IsoMillis(int64_t t, int millis) {
  std::string s = IsoSeconds(t);
  s.pop_back();
  return fmt::format("{}.{:03}Z", s, millis);
}

std::string IsoMicros(int64_t t, int micros) {
  std::string s = IsoSeconds(t);
  s.pop_back();
  return fmt::format("{}.{:06}Z", s, micros);
}

std::string IsoDate(int64_t t) {
  return IsoSeconds(t).substr(0, 10);
}

std::string PgTimestamp(int64_t t) {
  std::string s = IsoSeconds(t);
  s[10] = ' ';
  s.pop_back();
  return s + "+00";
}

Universe::Universe(const UniverseOptions& options) : options_(options), now_(options.now) {
  options_.markets = std::max(options_.markets, 1);
  options_.tags = std::max(options_.tags, 1);
  if (options_.wallets <= 0) options_.wallets = std::max(20, options_.markets / 3);
  options_.heavy_markets = std::clamp(options_.heavy_markets, 0, options_.markets);
  options_.feed_window_days = std::max(options_.feed_window_days, 1);
  options_.late_fills = std::clamp(options_.late_fills, 0.0, 1.0);
  options_.late_fill_max_delay = std::max<int64_t>(options_.late_fill_max_delay, kMinLateDelay);
  BuildTags();
  BuildMarkets();
}

void Universe::BuildTags() {
  const uint64_t s = options_.seed;
  for (int i = 0; i < options_.tags; ++i) {
    Tag t;
    t.id = 100 + i * 37 + static_cast<int64_t>(Hash(s, kSaltTag, i) % 37);
    const char* base = kTagLabels[i % kTagLabels.size()];
    t.label =
        i < static_cast<int>(kTagLabels.size()) ? std::string(base) : fmt::format("{} {}", base, i);
    t.slug = Slugify(t.label, static_cast<int>(t.id));
    t.created = options_.now - 3 * kYear + static_cast<int64_t>(Hash(s, kSaltTag, i, 1) % kYear);
    t.updated = t.created + static_cast<int64_t>(Hash(s, kSaltTag, i, 2) % kYear);
    t.force_show = Hash(s, kSaltTag, i, 3) % 2 == 0;
    tags_.push_back(std::move(t));
  }
}

Wallet Universe::wallet(int i) const {
  const uint64_t s = options_.seed;
  Wallet w;
  w.address = WalletAddress(i);
  const uint64_t h = Hash(s, kSaltWallet, i, 1);
  if (h % 3 == 0) {
    // Default user names are the checksummed address plus a millisecond timestamp.
    w.name = fmt::format("{}-{}", w.address, 1'700'000'000'000 + h % 100'000'000'000);
  } else {
    w.name = fmt::format("{}{}", Pick(kNouns, h >> 8), h % 1000);
  }
  w.pseudonym = fmt::format("{}-{}", Pick(kAdjectives, h >> 16), Pick(kNouns, h >> 24));
  w.has_x = (h >> 32) % 4 == 0;
  w.x_username = w.has_x ? fmt::format("x{}", w.name.substr(0, 12)) : "";
  w.has_badge = (h >> 36) % 5 != 0;
  w.has_image = (h >> 40) % 3 == 0;
  w.profile_image =
      w.has_image ? fmt::format("https://images.example/profile-{}.png", i) : std::string();
  return w;
}

std::string Universe::WalletAddress(int wallet) const {
  return "0x" + Hex(options_.seed, kSaltWallet, static_cast<uint64_t>(wallet), 40);
}

std::string Universe::ConditionId(int market) const {
  return "0x" + Hex(options_.seed, kSaltCondition, static_cast<uint64_t>(market), 64);
}

std::string Universe::TokenId(int market, int outcome) const {
  return DecimalId(options_.seed, kSaltToken, static_cast<uint64_t>(market) * 2 + outcome);
}

void Universe::BuildMarkets() {
  const uint64_t s = options_.seed;
  const int n = options_.markets;
  const int64_t now0 = options_.now;
  const int wallet_pool = std::min(options_.wallets, n);

  std::vector<bool> heavy(n, false);
  for (int i = 0; i < options_.heavy_markets; ++i) {
    heavy[std::min<int64_t>(n - 1, static_cast<int64_t>(i) * n / options_.heavy_markets +
                                       n / (2 * options_.heavy_markets))] = true;
  }

  markets_.resize(n);
  int m = 0;
  while (m < n) {
    const int event = static_cast<int>(event_first_.size());
    event_first_.push_back(m);
    const uint64_t eh = Hash(s, kSaltEvent, event, 1);
    int group = 1;
    if (Unit(eh) < 0.08 && n - m >= 3) group = std::min(n - m, 3 + static_cast<int>(eh % 6));
    // Heavy markets stand alone.
    for (int g = 0; g < group; ++g) {
      if (heavy[m + g]) group = std::max(1, g);
    }
    if (group < 3) group = 1;
    const bool neg_risk = group > 1;
    const int winner_in_group = static_cast<int>((eh >> 20) % group);

    // Shared life of the event's markets.
    const bool closed = Unit(Hash(s, kSaltEvent, event, 2)) < 0.6;
    const double age_u = Unit(Hash(s, kSaltEvent, event, 3));
    const int64_t history = std::max<int64_t>(3, options_.history_days) * kDay;
    int64_t start = now0 - 2 * kDay - static_cast<int64_t>(age_u * age_u * (history - 2 * kDay));
    int64_t end;
    if (closed) {
      const double life = 0.05 + 0.95 * Unit(Hash(s, kSaltEvent, event, 4));
      end =
          start + 900 + static_cast<int64_t>(life * static_cast<double>(now0 - 3600 - start - 900));
    } else {
      end = now0 + kDay + static_cast<int64_t>(Unit(Hash(s, kSaltEvent, event, 4)) * 2 * kYear);
    }

    for (int g = 0; g < group; ++g, ++m) {
      MarketRecord& mk = markets_[m];
      mk.index = m;
      mk.event = event;
      const uint64_t h = Hash(s, kSaltMarket, m);
      mk.gamma_id = 500'000 + m * 3 + static_cast<int64_t>(h % 3);
      mk.start = start;
      mk.end = end;
      mk.created = start - static_cast<int64_t>(Hash(s, kSaltMarket, m, 1) % (3 * kDay));
      if (heavy[m]) {
        mk.start = now0 - std::min<int64_t>(200, options_.history_days) * kDay;
        mk.end = now0 - kDay;
        mk.created = mk.start - kDay;
      }
      mk.neg_risk = neg_risk;
      mk.winner = neg_risk ? (g == winner_in_group ? 0 : 1) : static_cast<int>((h >> 20) & 1);
      // Heavy-tailed trade counts (Pareto, alpha 1.5), planned over the whole life.
      int64_t target;
      if (heavy[m]) {
        target = options_.heavy_trades;
      } else {
        const double u = std::max(1e-9, Unit(Hash(s, kSaltMarket, m, 2)));
        const double draw = options_.mean_trades / 3.0 / std::pow(u, 1.0 / 1.5);
        target = std::max<int64_t>(1, std::llround(std::min(draw, options_.mean_trades * 60)));
      }
      const int64_t life = mk.end - mk.start;
      const int64_t lived = std::min(now0, mk.end) - mk.start;
      mk.planned_trades = std::max<int64_t>(
          1, static_cast<int64_t>(static_cast<double>(target) * static_cast<double>(life) /
                                  static_cast<double>(std::max<int64_t>(lived, 1))));
      mk.order_book = heavy[m] || Unit(Hash(s, kSaltMarket, m, 3)) >= 0.05;
      mk.in_clob = heavy[m] || m < wallet_pool || Unit(Hash(s, kSaltMarket, m, 4)) >= 0.02;
      mk.in_gamma = !mk.in_clob || Unit(Hash(s, kSaltMarket, m, 5)) >= 0.03;
      mk.volume = std::round(static_cast<double>(mk.planned_trades) * 25.0 *
                             (0.5 + Unit(Hash(s, kSaltMarket, m, 6))) * 1e6) /
                  1e6;
      mk.liquidity = std::round(mk.volume * 0.01 * 1e5) / 1e5;
      const int ntags = 1 + static_cast<int>(Hash(s, kSaltMarket, m, 7) % 3);
      for (int k = 0; k < ntags; ++k) {
        const int t = static_cast<int>(Hash(s, kSaltMarket, m, 8 + k) % tags_.size());
        if (std::find(mk.tags.begin(), mk.tags.end(), t) == mk.tags.end()) {
          mk.tags.items[static_cast<size_t>(mk.tags.size++)] = t;
        }
      }
      mk.level = (Unit(Hash(s, kSaltMarket, m, 11)) - 0.5) * 3;
      mk.amp1 = Unit(Hash(s, kSaltMarket, m, 12)) * 1.5;
      mk.amp2 = Unit(Hash(s, kSaltMarket, m, 13)) * 0.4;
      mk.phase1 = Unit(Hash(s, kSaltMarket, m, 14)) * 6.283;
      mk.phase2 = Unit(Hash(s, kSaltMarket, m, 15)) * 6.283;
      mk.period1 = std::max<double>(3600, static_cast<double>(life) / 3);
      mk.period2 = 3600 * (1 + Unit(Hash(s, kSaltMarket, m, 16)) * 47);
      if (mk.in_clob) clob_markets_.push_back(m);
    }
  }
  event_first_.push_back(n);
  event_first_.shrink_to_fit();
  clob_markets_.shrink_to_fit();
}

Market Universe::market(int i) const {
  const uint64_t s = options_.seed;
  Market mk;
  static_cast<MarketRecord&>(mk) = markets_[static_cast<size_t>(i)];
  const uint64_t h = Hash(s, kSaltMarket, i);
  const char* contest = Pick(kContests, Hash(s, kSaltEvent, mk.event, 1) >> 8);
  mk.condition_id = ConditionId(i);
  mk.question_id = "0x" + Hex(s, kSaltQuestionId, i, 64);
  if (mk.neg_risk) {
    const char* person = Pick(kPeople, h >> 4);
    mk.group_item_title = person;
    mk.question = fmt::format("Will {} win the {}?", person, contest);
    mk.outcomes = {"Yes", "No"};
    mk.neg_risk_market_id = "0x" + Hex(s, kSaltEvent, mk.event, 64);
  } else {
    switch (h % 3) {
      case 0: {
        mk.question = fmt::format("Will {} win the {}?", Pick(kPeople, h >> 4), contest);
        mk.outcomes = {"Yes", "No"};
        break;
      }
      case 1: {
        const std::tm tm = Utc(mk.end);
        mk.question = fmt::format("{} Up or Down - {} {}, {}:{:02} UTC", Pick(kAssets, h >> 4),
                                  kMonths[tm.tm_mon], tm.tm_mday, tm.tm_hour, tm.tm_min);
        mk.outcomes = {"Up", "Down"};
        break;
      }
      default: {
        const char* a = Pick(kTeams, h >> 4);
        const char* b = Pick(kTeams, (h >> 12) + 1);
        if (std::string_view(a) == b) b = "Field";
        mk.question = fmt::format("{} vs. {}", a, b);
        mk.outcomes = {a, b};
      }
    }
  }
  mk.slug = Slugify(mk.question, i);
  mk.description = fmt::format(
      "This market will resolve to “{}” if the stated outcome happens by {}. Otherwise, this "
      "market will resolve to “{}”.\n\nThe resolution source is a consensus of credible "
      "reporting.",
      mk.outcomes[0], IsoDate(mk.end), mk.outcomes[1]);
  for (int o = 0; o < 2; ++o) mk.token_ids[o] = TokenId(i, o);
  return mk;
}

EventRecord Universe::event_record(int i) const {
  EventRecord e;
  e.index = i;
  e.id = 10'000 + static_cast<int64_t>(i) * 7 +
         static_cast<int64_t>(Hash(options_.seed, kSaltEvent, i) % 7);
  e.first_market = event_first_[static_cast<size_t>(i)];
  e.market_count = event_first_[static_cast<size_t>(i) + 1] - e.first_market;
  e.neg_risk = e.market_count > 1;
  return e;
}

Event Universe::event(int i) const {
  Event e;
  static_cast<EventRecord&>(e) = event_record(i);
  const Market first = market(e.first_market);
  if (e.neg_risk) {
    const char* contest = Pick(kContests, Hash(options_.seed, kSaltEvent, i, 1) >> 8);
    e.title = fmt::format("{} winner {}", contest, i);
    e.neg_risk_market_id = first.neg_risk_market_id;
  } else {
    e.title = first.question;
  }
  e.slug = Slugify(e.title, static_cast<int>(e.id));
  e.ticker = e.slug;
  e.description = first.description;
  e.tags = first.tags;
  return e;
}

int Universe::FindMarket(std::string_view condition_id) const {
  const auto word = LeadingHexWord(condition_id, 66);
  if (!word) return -1;
  const uint64_t key = KeyOfWord(options_.seed, kSaltCondition, *word);
  if (key >= markets_.size()) return -1;
  const int m = static_cast<int>(key);
  return ConditionId(m) == condition_id ? m : -1;
}

std::pair<int, int> Universe::FindToken(std::string_view token_id) const {
  constexpr std::pair<int, int> kUnknown{-1, -1};
  if (token_id.size() < 76 || token_id.size() > 78) return kUnknown;
  if (token_id.find_first_not_of("0123456789") != std::string_view::npos) return kUnknown;
  // The first 19 digits are the first hash word modulo 10^19, but for a leading zero replaced
  // by another digit: try both leading digits, and both words with that remainder.
  uint64_t rest = 0;
  for (char c : token_id.substr(1, 18)) rest = rest * 10 + static_cast<uint64_t>(c - '0');
  constexpr uint64_t kLead = kChunk / 10;
  for (uint64_t lead : {static_cast<uint64_t>(token_id[0] - '0'), uint64_t{0}}) {
    const uint64_t chunk = lead * kLead + rest;
    for (uint64_t word : {chunk, chunk + kChunk}) {
      if (word < chunk) continue;  // wrapped past 2^64
      const uint64_t key = KeyOfWord(options_.seed, kSaltToken, word);
      if (key >= 2 * markets_.size()) continue;
      const int m = static_cast<int>(key / 2), o = static_cast<int>(key % 2);
      if (TokenId(m, o) == token_id) return {m, o};
    }
  }
  return kUnknown;
}

int Universe::FindWallet(std::string_view address) const {
  const auto word = LeadingHexWord(address, 42);
  if (!word) return -1;
  const uint64_t key = KeyOfWord(options_.seed, kSaltWallet, *word);
  if (key >= static_cast<uint64_t>(options_.wallets)) return -1;
  const int w = static_cast<int>(key);
  return WalletAddress(w) == address ? w : -1;
}

int Universe::FindEvent(int64_t id) const {
  if (id < 10'000) return -1;
  const int64_t i = (id - 10'000) / 7;
  if (i >= event_count()) return -1;
  return event_record(static_cast<int>(i)).id == id ? static_cast<int>(i) : -1;
}

namespace {

// A fill that repeats the previous one exactly (same transaction, wallet, size, price).
bool IsRepeatFill(uint64_t seed, int market, int64_t index) {
  return index % 2 == 1 && Hash(seed, kSaltTrade, market, index) % 89 == 0;
}

int64_t BaseTimestamp(const MarketRecord& m, int64_t index) {
  const __int128 span = m.end - m.start;
  return m.start + static_cast<int64_t>(span * index / m.planned_trades);
}

}  // namespace

int64_t Universe::TradeTimestamp(const MarketRecord& m, int64_t index) const {
  if (IsRepeatFill(options_.seed, m.index, index)) return BaseTimestamp(m, index - 1);
  return BaseTimestamp(m, index);
}

int64_t Universe::StampedTrades(const MarketRecord& m) const {
  const int64_t t = now();
  if (m.end <= t) return m.planned_trades;
  // Largest prefix whose timestamps are <= now (timestamps never decrease along the tape).
  int64_t lo = 0, hi = m.planned_trades;
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    if (TradeTimestamp(m, mid) <= t)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

int64_t Universe::VisibleTrades(const MarketRecord& m) const {
  const int64_t stamped = StampedTrades(m);
  return stamped - PendingIn(m, 0, stamped);
}

int64_t Universe::PositionBefore(const MarketRecord& m, int64_t ts, int market,
                                 int64_t index) const {
  const int64_t stamped = StampedTrades(m);
  if (m.index == market) return std::min(index, stamped);
  const bool ties_older = m.index < market;  // on equal timestamps, lower market ids are older
  int64_t lo = 0, hi = stamped;
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    const int64_t t = TradeTimestamp(m, mid);
    if (t < ts || (ties_older && t == ts))
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

int64_t Universe::TradesBefore(const MarketRecord& m, int64_t ts, int market, int64_t index) const {
  const int64_t pos = PositionBefore(m, ts, market, index);
  return pos - PendingIn(m, 0, pos);
}

int64_t Universe::FirstTradeSince(const MarketRecord& m, int64_t t) const {
  int64_t lo = 0, hi = m.planned_trades;
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    if (TradeTimestamp(m, mid) < t)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

int64_t Universe::FeedWindowStart() const {
  return now() - static_cast<int64_t>(options_.feed_window_days) * kDay;
}

int64_t Universe::LateDelay(const MarketRecord& m, int64_t index, int64_t ts) const {
  // Only fills stamped after the initial clock can be late: the history a universe starts with
  // is fully indexed.
  if (options_.late_fills <= 0 || ts <= options_.now) return 0;
  const uint64_t h = Hash(options_.seed, kSaltLate, m.index, index);
  if (Unit(h) >= options_.late_fills) return 0;
  const auto span = static_cast<uint64_t>(options_.late_fill_max_delay - kMinLateDelay + 1);
  return kMinLateDelay + static_cast<int64_t>(Mix(h) % span);
}

bool Universe::Pending(const MarketRecord& m, int64_t index) const {
  if (options_.late_fills <= 0) return false;
  const int64_t ts = TradeTimestamp(m, index);
  const int64_t delay = LateDelay(m, index, ts);
  return delay > 0 && now() < ts + delay;
}

int64_t Universe::CountPending(const MarketRecord& m, int64_t from, int64_t to,
                               bool dust_only) const {
  if (options_.late_fills <= 0) return 0;
  // A fill stamped at or before the horizon is indexed by now, and so is every older one.
  const int64_t horizon = std::max(options_.now, now() - options_.late_fill_max_delay);
  int64_t n = 0;
  for (int64_t i = to - 1; i >= from; --i) {
    const int64_t ts = TradeTimestamp(m, i);
    if (ts <= horizon) break;
    const int64_t delay = LateDelay(m, i, ts);
    if (delay > 0 && now() < ts + delay && (!dust_only || IsDust(m, i))) ++n;
  }
  return n;
}

int64_t Universe::PendingIn(const MarketRecord& m, int64_t from, int64_t to) const {
  return CountPending(m, from, to, /*dust_only=*/false);
}

namespace {

// Dust is drawn per tape position of the fill a trade copies (its base): one position in each
// block of kDustBlock, so counting dust costs one hash per block, not per trade.
bool IsDustBase(uint64_t seed, int market, int64_t base) {
  const auto block = static_cast<uint64_t>(base / kDustBlock);
  return base % kDustBlock == static_cast<int64_t>(Hash(seed, kSaltDust, market, block) %
                                                   static_cast<uint64_t>(kDustBlock));
}

}  // namespace

bool Universe::IsDust(const MarketRecord& m, int64_t index) const {
  const bool repeat = IsRepeatFill(options_.seed, m.index, index);
  return IsDustBase(options_.seed, m.index, repeat ? index - 1 : index);
}

int64_t Universe::DustIn(const MarketRecord& m, int64_t from, int64_t to) const {
  if (from >= to) return 0;
  const uint64_t s = options_.seed;
  int64_t n = 0;
  // Each dust base j is trade j itself unless j repeats its predecessor, and trade j + 1 when
  // that one repeats j.
  for (int64_t block = std::max<int64_t>(from - 1, 0) / kDustBlock; block * kDustBlock < to;
       ++block) {
    const int64_t j = block * kDustBlock + static_cast<int64_t>(Hash(s, kSaltDust, m.index,
                                                                     static_cast<uint64_t>(block)) %
                                                                static_cast<uint64_t>(kDustBlock));
    if (j >= from && j < to && !IsRepeatFill(s, m.index, j)) ++n;
    if (j + 1 >= from && j + 1 < to && IsRepeatFill(s, m.index, j + 1)) ++n;
  }
  return n - CountPending(m, from, to, /*dust_only=*/true);
}

Trade Universe::MakeTrade(const MarketRecord& m, int64_t index) const {
  const uint64_t s = options_.seed;
  const int64_t base = IsRepeatFill(s, m.index, index) ? index - 1 : index;
  const uint64_t h = Hash(s, kSaltTrade, m.index, base);
  Trade t;
  t.market = m.index;
  t.index = index;
  const int pool = std::min(options_.wallets, options_.markets);
  if (base == 0) {
    t.wallet = m.index % pool;  // every leaderboard wallet trades at least once
  } else {
    const double u = Unit(Mix(h ^ 1));
    t.wallet = std::min(options_.wallets - 1, static_cast<int>(u * u * u * options_.wallets));
  }
  t.buy = (h >> 1) & 1;
  t.outcome_index = static_cast<int>((h >> 2) & 1);
  t.timestamp = TradeTimestamp(m, index);
  const double mid = Midpoint(m, t.timestamp);
  const double p = t.outcome_index == 0 ? mid : 1 - mid;
  const double noise = (Unit(Mix(h ^ 2)) - 0.5) * 0.02;
  double price = std::clamp(std::round((p + noise) * 100) / 100, 0.01, 0.99);
  if ((h >> 8) % 5 == 0) price += 2.33e-8;  // real prices are not always on tick
  t.price = price;
  const double su = Unit(Mix(h ^ 3));
  t.size = std::round((1 + 499 * su * su * su) * 1e6) / 1e6;
  if (IsDustBase(s, m.index, base)) {
    t.size = static_cast<double>(1 + Mix(h ^ 5) % 9'900) / 1e6;  // 0.000001 to 0.0099 shares
  }
  t.transaction_hash = "0x" + Hex(s, kSaltTx, static_cast<uint64_t>(m.index) << 32 ^ base, 64);
  return t;
}

double Universe::Midpoint(const MarketRecord& m, int64_t t) const {
  constexpr double kTwoPi = 6.283185307179586;
  const double x = m.level +
                   m.amp1 * std::sin(kTwoPi * static_cast<double>(t) / m.period1 + m.phase1) +
                   m.amp2 * std::sin(kTwoPi * static_cast<double>(t) / m.period2 + m.phase2);
  double p = 1 / (1 + std::exp(-x));
  // Over the last fifth of its life the market converges on its outcome.
  const double life = static_cast<double>(m.end - m.start);
  const double w =
      std::clamp((static_cast<double>(t - m.start) - 0.8 * life) / (0.2 * life), 0.0, 1.0);
  p = (1 - w) * p + w * (m.winner == 0 ? 1.0 : 0.0);
  return std::clamp(std::round(p * 1000) / 1000, 0.001, 0.999);
}

double Universe::TokenPrice(const MarketRecord& m, int outcome) const {
  if (Closed(m)) return outcome == m.winner ? 1.0 : 0.0;
  const double mid = Midpoint(m, now());
  return outcome == 0 ? mid : std::round((1 - mid) * 1000) / 1000;
}

int64_t Universe::PricePointCount(const MarketRecord& m, int64_t from, int64_t to,
                                  int fidelity) const {
  const int64_t lo = std::max(from, m.start);
  const int64_t hi = std::min({to, m.end, now()});
  const int64_t step = static_cast<int64_t>(std::max(fidelity, 1)) * 60;
  if (lo > hi) return 0;
  const int64_t first = (lo + step - 1) / step * step;
  if (first > hi) return 0;
  return (hi - first) / step + 1;
}

std::vector<std::pair<int64_t, double>> Universe::PricePoints(const MarketRecord& m, int outcome,
                                                              int64_t from, int64_t to,
                                                              int fidelity) const {
  std::vector<std::pair<int64_t, double>> out;
  if (!m.order_book) return out;
  if (Closed(m) && fidelity < 720) return out;  // resolved: fine fidelities come back empty
  const int64_t count = PricePointCount(m, from, to, fidelity);
  const int64_t step = static_cast<int64_t>(std::max(fidelity, 1)) * 60;
  const int64_t first = (std::max(from, m.start) + step - 1) / step * step;
  out.reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    const int64_t t = first + i * step;
    const double mid = Midpoint(m, t);
    out.emplace_back(t, outcome == 0 ? mid : std::round((1 - mid) * 1000) / 1000);
  }
  return out;
}

int Universe::TruthFidelity(const MarketRecord& m, const PriceSettings& settings) const {
  if (!m.order_book) return 0;
  // The volume tier comes from Gamma's volumeNum: a market Gamma does not list gets the
  // ordinary fidelity, whatever it traded.
  const bool high_volume = m.in_gamma && m.volume >= settings.high_volume_threshold;
  const int base = high_volume ? settings.high_volume_fidelity : settings.fidelity;
  if (!Closed(m) || base >= 720) return base;
  for (int f : settings.ladder) {
    if (f > base && f >= 720) return f;
  }
  return 0;
}

int Universe::BoardSize(int category, int period) const {
  static constexpr std::array<double, 4> kPeriodShare = {0.3, 0.5, 0.7, 1.0};
  const int pool = std::min(options_.wallets, options_.markets);
  const double share =
      category == 0 ? 1.0 : 0.2 + 0.6 * Unit(Hash(options_.seed, kSaltBoard, category));
  const int size = static_cast<int>(pool * share * kPeriodShare[period]);
  return std::clamp(size, 1, kBoardMaxRows);
}

namespace {

// Salts of the board quirks; literals outside the Salt enum so its streams stay as they were.
constexpr uint64_t kSaltBoardTie = 0xb0a4d'0071e;
constexpr uint64_t kSaltBoardShift = 0xb0a4d'05f1f;

uint64_t BoardKey(int category, int period, int order) {
  return static_cast<uint64_t>(category * 16 + period * 2 + order);
}

}  // namespace

BoardRow Universe::BoardEntry(int category, int period, int order, int rank0) const {
  const int pool = std::min(options_.wallets, options_.markets);
  const uint64_t h = Hash(options_.seed, kSaltBoard, BoardKey(category, period, order));
  // An affine permutation of the wallet pool: distinct wallets down the board.
  int64_t a = 1 + static_cast<int64_t>(h % pool);
  while (std::gcd(a, static_cast<int64_t>(pool)) != 1) ++a;
  const int64_t b = static_cast<int64_t>((h >> 20) % pool);
  // A tied position takes the value (and so the rank) of the first position of its run.
  int first = rank0;
  while (first > 0 &&
         Unit(Hash(options_.seed, kSaltBoardTie, h, first)) < options_.board_tie_rate) {
    --first;
  }
  BoardRow row;
  row.rank0 = rank0;
  row.rank = first + 1;
  row.wallet = static_cast<int>((a * rank0 + b) % pool);
  const double top = 1e5 * (1 + period) * (1 + Unit(h >> 3));
  const double decay = std::pow(first + 1.0, -0.7);
  const double r = Unit(Hash(options_.seed, kSaltBoard, h, rank0));
  if (order == 0) {  // PNL
    row.pnl = std::round(top * decay * 1e6) / 1e6;
    row.vol = std::round(row.pnl * (3 + 20 * r) * 1e6) / 1e6;
  } else {  // VOL
    row.vol = std::round(top * 10 * decay * 1e6) / 1e6;
    row.pnl = std::round(row.vol * (r - 0.4) * 0.2 * 1e6) / 1e6;
  }
  return row;
}

bool Universe::BoardShifted(int category, int period, int order) const {
  if (BoardSize(category, period) <= 2 * kBoardPageRows) return false;
  const uint64_t h = Hash(options_.seed, kSaltBoardShift, BoardKey(category, period, order));
  return Unit(h) < options_.board_shift_rate;
}

BoardRow Universe::SweptBoardRow(int category, int period, int order, int row) const {
  const bool moved = row >= kBoardShiftOffset && row < kBoardShiftOffset + kBoardPageRows &&
                     BoardShifted(category, period, order);
  if (!moved) return BoardEntry(category, period, order, row);
  BoardRow entry = BoardEntry(category, period, order, row - 1);
  ++entry.rank;  // the newcomer above pushed everyone on this page down by one
  return entry;
}

}  // namespace polysim
