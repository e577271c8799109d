#include "api/error_body.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

namespace polypipe::api {
namespace {

// Bodies larger than this are not error envelopes (those are tiny): they are only quoted.
constexpr size_t kMaxJsonError = 16 * 1024;
constexpr size_t kQuote = 160;

// `text` on one line: control characters become spaces, runs of spaces collapse, cut at `limit`.
std::string OneLine(std::string_view text, size_t limit) {
  std::string out;
  bool space = false;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += ch;
    if (out.size() > limit) {
      size_t n = limit;  // cut before the UTF-8 character that crosses the limit
      while (n > 0 && (static_cast<unsigned char>(out[n]) & 0xC0) == 0x80) --n;
      out.resize(n);
      return out + "...";
    }
  }
  return out;
}

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string Text(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

std::optional<std::string> FromJson(std::string_view body) {
  if (body.size() > kMaxJsonError) return std::nullopt;
  const auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  const std::string error = Text(j, "error").empty() ? Text(j, "message") : Text(j, "error");
  const std::string kind = Text(j, "code").empty() ? Text(j, "type") : Text(j, "code");
  if (error.empty() && kind.empty()) return std::nullopt;
  std::string out = kind.empty() ? error : error.empty() ? kind : kind + ": " + error;
  if (const std::string p = Text(j, "parameter"); !p.empty()) out += " (parameter " + p + ")";
  return OneLine(out, 400);
}

}  // namespace

std::string DescribeErrorBody(std::string_view body) {
  std::string_view trimmed = body;
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.front()))) {
    trimmed.remove_prefix(1);
  }
  if (trimmed.empty()) return "empty body";
  if (auto json = FromJson(trimmed)) return *json;
  if (trimmed.front() == '<') {
    const std::string head = Lower(trimmed.substr(0, 8192));
    const size_t open = head.find("<title");
    const size_t start = open == std::string::npos ? open : head.find('>', open);
    const size_t close = start == std::string::npos ? start : head.find("</title", start);
    if (close != std::string::npos) {
      return "HTML page \"" + OneLine(trimmed.substr(start + 1, close - start - 1), 200) + "\"";
    }
    return fmt::format("HTML page of {} bytes", body.size());
  }
  if (trimmed.rfind("error code:", 0) == 0 && trimmed.size() < 64) {
    std::string out = OneLine(trimmed, 64);
    if (out == "error code: 1015") out += " (Cloudflare rate limit)";
    return out;
  }
  return fmt::format("{}-byte body: {}", body.size(), OneLine(trimmed, kQuote));
}

}  // namespace polypipe::api
