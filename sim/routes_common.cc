// Helpers shared by the route files, and the /__sim/truth route.

#include <fmt/format.h>

#include <charconv>

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

SimResponse Truth(const Universe& u, const SimRequest& r) {
  PriceSettings prices;
  if (auto v = ParseInt(r.Get("fidelity"))) prices.fidelity = static_cast<int>(*v);
  if (auto v = ParseInt(r.Get("high_volume_fidelity")))
    prices.high_volume_fidelity = static_cast<int>(*v);
  if (auto v = ParseInt(r.Get("high_volume_threshold")))
    prices.high_volume_threshold = static_cast<double>(*v);
  const bool detail = r.Get("detail", "true") != "false";

  int64_t markets = 0, tokens = 0, trades = 0, points = 0, gamma_markets = 0, board = 0;
  std::string per_market, per_token, per_token_fidelity;
  JsonWriter pm(per_market), pt(per_token), pf(per_token_fidelity);
  pm.BeginObject();
  pt.BeginObject();
  pf.BeginObject();
  for (const Market& m : u.markets()) {
    if (m.in_gamma) ++gamma_markets;
    if (!m.in_clob) continue;
    ++markets;
    tokens += 2;
    const int64_t n = u.VisibleTrades(m);
    trades += n;
    if (detail) pm.Field(m.condition_id, n);
    const int fidelity = u.TruthFidelity(m, prices);
    const int64_t count =
        fidelity == 0 ? 0 : u.PricePointCount(m, m.start, std::min(m.end, u.now()), fidelity);
    points += 2 * count;
    if (detail) {
      for (int o = 0; o < 2; ++o) {
        pt.Field(m.token_ids[o], count);
        pf.Field(m.token_ids[o], fidelity);
      }
    }
  }
  pm.EndObject();
  pt.EndObject();
  pf.EndObject();
  for (size_t c = 0; c < kBoardCategories.size(); ++c) {
    for (size_t p = 0; p < kBoardPeriods.size(); ++p) {
      board += static_cast<int64_t>(kBoardOrders.size()) *
               u.BoardSize(static_cast<int>(c), static_cast<int>(p));
    }
  }

  std::string body;
  JsonWriter w(body);
  w.BeginObject();
  w.Field("seed", static_cast<int64_t>(u.seed()));
  w.Field("now", u.now());
  w.Key("datasets").BeginObject();
  w.Field("markets", markets);
  w.Field("market_tokens", tokens);
  w.Field("trades", trades);
  w.Field("prices", points);
  w.Field("leaderboard", board);
  w.Field("gamma_markets", gamma_markets);
  w.Field("gamma_events", static_cast<int64_t>(u.events().size()));
  w.Field("gamma_categories", static_cast<int64_t>(u.tags().size()));
  w.EndObject();
  w.Key("price_settings").BeginObject();
  w.Field("fidelity", prices.fidelity);
  w.Field("high_volume_fidelity", prices.high_volume_fidelity);
  w.Field("high_volume_threshold", prices.high_volume_threshold);
  w.Key("ladder").BeginArray();
  for (int f : prices.ladder) w.Int(f);
  w.EndArray();
  w.EndObject();
  if (detail) {
    w.Key("market_trades").Raw(per_market);
    w.Key("token_prices").Raw(per_token);
    w.Key("token_fidelity").Raw(per_token_fidelity);
  }
  w.EndObject();
  return JsonResponse(200, std::move(body));
}

}  // namespace polysim
