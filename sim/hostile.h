// Hostile data: polysim's option (`--hostile-rate P`, `--hostile-pages`) to serve records that
// carry what a careless consumer trips on, so that tests can prove polypipe keeps what is merely
// odd, skips what is invalid (counting why), and survives bodies that are not JSON at all.
//
// - Record kinds (`--hostile-rate`): a share P of v2 trades, leaderboard rows and CLOB markets is
//   written with one kind each: path separators and `../`, quotes and SQL fragments, backslashes,
//   NUL and control characters, a 1 MB title, numbers as strings and strings as numbers, NaN and
//   Infinity as strings, 1e400 and 2^70, negative and out-of-range prices, 200-digit token ids,
//   duplicated keys. Every kind is valid JSON; its `outcome` says what a correct consumer does
//   with the record: keep it (values exact) or skip it (a required field is unusable).
// - Broken pages (`--hostile-pages`): the first page of four leaderboard boards is not valid JSON
//   (raw invalid UTF-8, a lone surrogate escape, 100,000 levels of nesting, a bare NaN).
//
// Which records are hostile and how is a pure function of the seed and the (market, trade),
// (board, rank) or market index; /__sim/truth lists them under "hostile". With both options off
// nothing changes: every page is byte-identical to a polysim without them.
//
// Thread-safety: pure functions of their arguments.

#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include "sim/json_writer.h"
#include "sim/universe.h"

namespace polysim {

enum class HostileOutcome { kKept, kSkipped };

struct HostileKind {
  const char* name;
  HostileOutcome outcome;
  const char* field;  // the API key made hostile (for skips: the required field that is unusable)
};

// Kinds of v2 trades, in the order HostileTradeKind draws them.
inline constexpr std::array<HostileKind, 19> kHostileTradeKinds = {{
    {"path_text", HostileOutcome::kKept, "title"},
    {"quote_text", HostileOutcome::kKept, "title"},
    {"nul_text", HostileOutcome::kKept, "title"},
    {"megabyte_title", HostileOutcome::kKept, "title"},
    {"numbers_as_strings", HostileOutcome::kKept, "price"},
    {"strings_as_numbers", HostileOutcome::kKept, "title"},
    {"mistyped_optional", HostileOutcome::kKept, "outcome_index"},
    {"negative_price", HostileOutcome::kKept, "price"},
    {"price_above_one", HostileOutcome::kKept, "price"},
    {"long_token_id", HostileOutcome::kKept, "token_id"},
    {"duplicate_keys", HostileOutcome::kKept, "price"},
    {"huge_optional", HostileOutcome::kKept, "outcome_index"},
    {"nan_price", HostileOutcome::kSkipped, "price"},
    {"infinite_size", HostileOutcome::kSkipped, "size"},
    {"missing_hash", HostileOutcome::kSkipped, "transaction_hash"},
    {"null_wallet", HostileOutcome::kSkipped, "proxy_wallet"},
    {"bad_timestamp", HostileOutcome::kSkipped, "timestamp"},
    {"duplicate_null_price", HostileOutcome::kSkipped, "price"},
    {"price_object", HostileOutcome::kSkipped, "price"},
}};

// Kinds of leaderboard rows.
inline constexpr std::array<HostileKind, 6> kHostileBoardKinds = {{
    {"rank_as_number", HostileOutcome::kKept, "rank"},
    {"quote_name", HostileOutcome::kKept, "userName"},
    {"nan_pnl", HostileOutcome::kKept, "pnl"},
    {"string_vol", HostileOutcome::kKept, "vol"},
    {"bad_rank", HostileOutcome::kSkipped, "rank"},
    {"missing_wallet", HostileOutcome::kSkipped, "proxyWallet"},
}};

// Kinds of CLOB markets (all kept: a skipped market would take its tokens, trades and prices
// with it, which the trade and board kinds already cover).
inline constexpr std::array<HostileKind, 3> kHostileMarketKinds = {{
    {"megabyte_question", HostileOutcome::kKept, "question"},
    {"path_slug", HostileOutcome::kKept, "market_slug"},
    {"duplicate_keys", HostileOutcome::kKept, "question"},
}};

// Broken first pages of leaderboard boards (category, period; order PNL).
struct BrokenBoardPage {
  const char* kind;
  int category, period;
};
inline constexpr std::array<BrokenBoardPage, 4> kBrokenBoardPages = {{
    {"invalid_utf8", 1, 0},
    {"lone_surrogate", 2, 1},
    {"deep_nesting", 3, 2},
    {"bare_nan", 4, 3},
}};

namespace hostile_detail {
inline constexpr uint64_t kSaltTrade = 0x4057'17ade;
inline constexpr uint64_t kSaltBoard = 0x4057'b0a4d;

template <size_t N>
int Draw(double rate, uint64_t h) {
  if (Unit(h) >= rate) return -1;
  return static_cast<int>(Mix(h) % N);
}
}  // namespace hostile_detail

// Kind index into kHostileTradeKinds for trade `index` of market `market`, or -1.
inline int HostileTradeKind(const Universe& u, int market, int64_t index) {
  if (u.options().hostile_rate <= 0) return -1;
  return hostile_detail::Draw<kHostileTradeKinds.size()>(
      u.options().hostile_rate, Hash(u.seed(), hostile_detail::kSaltTrade,
                                     static_cast<uint64_t>(market), static_cast<uint64_t>(index)));
}

// Kind index into kHostileBoardKinds for a board row (rank0 counts from 0), or -1.
inline int HostileBoardKind(const Universe& u, int category, int period, int order, int rank0) {
  if (u.options().hostile_rate <= 0) return -1;
  return hostile_detail::Draw<kHostileBoardKinds.size()>(
      u.options().hostile_rate, Hash(u.seed(), hostile_detail::kSaltBoard,
                                     static_cast<uint64_t>(category * 16 + period * 2 + order),
                                     static_cast<uint64_t>(rank0)));
}

// Kind index into kHostileMarketKinds for a market, or -1. Universes hold few markets, so they
// are not drawn at random: every round(1/rate)-th market is hostile, taking the kinds in turn.
inline int HostileMarketKind(const Universe& u, int market) {
  const double rate = u.options().hostile_rate;
  if (rate <= 0) return -1;
  const int step = std::max(1, static_cast<int>(std::lround(1 / rate)));
  if (market % step != step - 1) return -1;
  return (market / step) % static_cast<int>(kHostileMarketKinds.size());
}

// The broken page kind of a leaderboard request, or nullptr.
inline const char* BrokenBoardPageKind(const Universe& u, int category, int period, int order,
                                       int64_t offset) {
  if (!u.options().hostile_pages || order != 0 || offset != 0) return nullptr;
  for (const auto& p : kBrokenBoardPages) {
    if (p.category == category && p.period == period) return p.kind;
  }
  return nullptr;
}

// Text that must reach Bronze byte for byte. `salt` varies it per record.
inline std::string HostilePathText(uint64_t salt) {
  return fmt::format("../../../../etc/passwd/../{}/..\\..\\C:\\x/ /./", salt % 1000);
}
inline std::string HostileQuoteText(uint64_t salt) {
  return fmt::format(
      "It's \"quoted\" \\ back\\\\slash '; DROP TABLE trades; -- \"); DELETE FROM x; {} `$(id)`",
      salt % 1000);
}
inline std::string HostileNulText(uint64_t salt) {
  std::string s = fmt::format("before{}", salt % 1000);
  s.push_back('\0');
  s += "after\x01\x1f\x7f tab\there";
  return s;
}
// 1 MiB of text (ASCII and multi-byte UTF-8, never split mid-character).
inline std::string HostileMegabyteText(uint64_t salt) {
  std::string s = fmt::format("{}:", salt % 1000);
  const std::string_view unit = "Big title \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 ";
  while (s.size() + unit.size() <= (1u << 20)) s += unit;
  s.append((1u << 20) - s.size(), 'x');
  return s;
}
// A 200-digit decimal id.
inline std::string HostileLongId(uint64_t salt) {
  std::string s = std::to_string(salt % 9 + 1);
  while (s.size() < 200) s += std::to_string(Mix(salt + s.size()) % 10);
  return s;
}
inline constexpr std::string_view kHostileName = "O'Brien \"the \\ quant\" ../../x \xe2\x80\xae";

// The title a kept trade of kind `kind` carries in Bronze ("" when the kind keeps the title).
inline std::string HostileTradeTitle(const Trade& t, int kind) {
  const uint64_t salt = static_cast<uint64_t>(t.market) * 1'000'003 + t.index;
  const std::string_view name = kHostileTradeKinds[kind].name;
  if (name == "path_text") return HostilePathText(salt);
  if (name == "quote_text") return HostileQuoteText(salt);
  if (name == "nul_text") return HostileNulText(salt);
  if (name == "megabyte_title") return HostileMegabyteText(salt);
  if (name == "strings_as_numbers") return "12345.5";
  return "";
}

// The question a CLOB market of hostile kind `kind` carries in Bronze (also after a decoy).
inline std::string HostileMarketQuestion(const Market& m, int kind) {
  const std::string_view name = kHostileMarketKinds[kind].name;
  if (name == "megabyte_question") return HostileMegabyteText(static_cast<uint64_t>(m.index));
  if (name == "path_slug") return HostilePathText(static_cast<uint64_t>(m.index));
  return m.question;
}

// Writes `t` as a v2 trade object of hostile kind `kind`, field for field as the Data API orders
// them (see TradeWriter in routes_data.cc) with the kind's change applied.
inline void WriteHostileTrade(const Universe& u, const Trade& t, int kind, JsonWriter& w) {
  const std::string_view name = kHostileTradeKinds[kind].name;
  const Market m = u.market(t.market);
  const Wallet wal = u.wallet(t.wallet);
  const uint64_t salt = static_cast<uint64_t>(t.market) * 1'000'003 + t.index;
  auto number = [](double v) { return fmt::format("{}", v); };
  w.BeginObject();
  if (name == "null_wallet") {
    w.Key("proxy_wallet").Null();
  } else {
    w.Field("proxy_wallet", wal.address);
  }
  w.Field("side", t.buy ? "BUY" : "SELL");
  if (name == "long_token_id") {
    w.Key("token_id").Raw(HostileLongId(salt));
  } else {
    w.Field("token_id", m.token_ids[t.outcome_index]);
  }
  w.Field("condition_id", m.condition_id);
  if (name == "infinite_size") {
    w.Key("size").Raw("1e400");
  } else if (name == "numbers_as_strings") {
    w.Field("size", number(t.size));
  } else {
    w.Field("size", t.size);
  }
  if (name == "nan_price") {
    w.Field("price", "NaN");
  } else if (name == "numbers_as_strings") {
    w.Field("price", number(t.price));
  } else if (name == "negative_price") {
    w.Key("price").Raw("-0.25");
  } else if (name == "price_above_one") {
    w.Key("price").Raw("1.75");
  } else if (name == "duplicate_keys") {
    w.Field("price", 0.999).Field("price", t.price);
  } else if (name == "duplicate_null_price") {
    w.Field("price", t.price).Key("price").Null();
  } else if (name == "price_object") {
    w.Key("price").BeginObject().Field("value", t.price).EndObject();
  } else {
    w.Field("price", t.price);
  }
  if (name == "bad_timestamp") {
    w.Field("timestamp", "soon");
  } else if (name == "numbers_as_strings") {
    w.Field("timestamp", std::to_string(t.timestamp));
  } else {
    w.Field("timestamp", t.timestamp);
  }
  const std::string title = HostileTradeTitle(t, kind);
  if (name == "strings_as_numbers") {
    w.Key("title").Raw(title);
  } else if (name == "duplicate_keys") {
    w.Field("title", "decoy").Field("title", m.question);
  } else {
    w.Field("title", title.empty() ? m.question : title);
  }
  w.Field("slug", name == "path_text" ? HostilePathText(salt + 1) : m.slug);
  w.Field("icon", fmt::format("https://images.example/market-{}.png", m.index));
  w.Field("event_slug", u.event(m.event).slug);
  if (name == "strings_as_numbers") {
    w.Key("outcome").Raw("7");
  } else {
    w.Field("outcome", m.outcomes[t.outcome_index]);
  }
  if (name == "mistyped_optional") {
    w.Field("outcome_index", "first");
  } else if (name == "huge_optional") {
    w.Key("outcome_index").Raw("1180591620717411303424");  // 2^70
  } else {
    w.Field("outcome_index", t.outcome_index);
  }
  if (name == "strings_as_numbers") {
    w.Key("name").Raw("1e400");
  } else {
    w.Field("name", name == "quote_text" ? std::string(kHostileName) : wal.name);
  }
  w.Field("pseudonym", wal.pseudonym);
  if (name == "mistyped_optional") {
    w.Key("bio").BeginObject().Key("a").BeginArray().Int(1).EndArray().EndObject();
  } else {
    w.Field("bio", "");
  }
  w.Field("profile_image", wal.profile_image);
  w.Field("profile_image_optimized", "");
  if (name != "missing_hash") w.Field("transaction_hash", t.transaction_hash);
  w.EndObject();
}

// Writes one leaderboard row of hostile kind `kind` (see DataLeaderboard in routes_data.cc).
inline void WriteHostileBoardRow(const Wallet& wal, const BoardRow& row, int kind, JsonWriter& w) {
  const std::string_view name = kHostileBoardKinds[kind].name;
  w.BeginObject();
  if (name == "rank_as_number") {
    w.Field("rank", static_cast<int64_t>(row.rank));
  } else if (name == "bad_rank") {
    w.Field("rank", "first");
  } else {
    w.Field("rank", std::to_string(row.rank));
  }
  if (name != "missing_wallet") w.Field("proxyWallet", wal.address);
  w.Field("userName", name == "quote_name" ? std::string(kHostileName) : wal.name);
  if (name == "nan_pnl") {
    w.Field("vol", "Infinity").Field("pnl", "NaN");
  } else if (name == "string_vol") {
    w.Field("vol", fmt::format("{}", row.vol)).Field("pnl", row.pnl);
  } else {
    w.Field("vol", row.vol).Field("pnl", row.pnl);
  }
  w.EndObject();
}

// The body of a broken leaderboard page: one valid row, then the breakage.
inline std::string BrokenBoardBody(std::string_view kind) {
  std::string body = R"([{"rank":"1","proxyWallet":"0x0000000000000000000000000000000000000001",)";
  if (kind == "invalid_utf8") {
    body += "\"userName\":\"bad \xff\xfe\xc3 bytes\"}]";
  } else if (kind == "lone_surrogate") {
    body += R"("userName":"half an emoji \ud83d"}])";
  } else if (kind == "deep_nesting") {
    body += R"("userName":"deep","nested":)";
    body.append(100'000, '[');
    body.append(100'000, ']');
    body += "}]";
  } else {
    body += R"("userName":"nan","vol":NaN,"pnl":Infinity}])";
  }
  return body;
}

}  // namespace polysim
