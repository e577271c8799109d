#include "api/json_text.h"

namespace polypipe::api {

using simdjson::error_code;
namespace ondemand = simdjson::ondemand;

void AppendJsonString(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  size_t run = 0;  // start of the pending run of bytes that need no escaping
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text, run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 15];
    }
  }
  out.append(text, run, text.size() - run);
  out += '"';
}

bool IsJsonNumber(std::string_view t) {
  size_t i = 0;
  const size_t n = t.size();
  auto digit = [&](size_t k) { return k < n && t[k] >= '0' && t[k] <= '9'; };
  if (i < n && t[i] == '-') ++i;
  if (!digit(i)) return false;
  if (t[i] == '0') {
    ++i;
  } else {
    while (digit(i)) ++i;
  }
  if (i < n && t[i] == '.') {
    ++i;
    if (!digit(i)) return false;
    while (digit(i)) ++i;
  }
  if (i < n && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < n && (t[i] == '+' || t[i] == '-')) ++i;
    if (!digit(i)) return false;
    while (digit(i)) ++i;
  }
  return i == n;
}

std::string_view TrimToken(std::string_view token) {
  while (!token.empty()) {
    const char c = token.back();
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
    token.remove_suffix(1);
  }
  return token;
}

namespace {

// Deeper values are refused (DEPTH_ERROR, so the page is broken) instead of recursing: a small
// body of nested brackets would otherwise exhaust a worker thread's stack.
constexpr int kMaxDepth = 1024;

error_code AppendMinified(ondemand::value value, std::string& out, int depth) {
  ondemand::json_type type;
  if (auto e = value.type().get(type)) return e;
  switch (type) {
    case ondemand::json_type::object: {
      if (depth >= kMaxDepth) return simdjson::DEPTH_ERROR;
      ondemand::object object;
      if (auto e = value.get_object().get(object)) return e;
      out += '{';
      bool first = true;
      for (auto field_result : object) {
        ondemand::field field;
        if (auto e = std::move(field_result).get(field)) return e;
        std::string_view key;
        if (auto e = field.unescaped_key().get(key)) return e;
        if (!first) out += ',';
        first = false;
        AppendJsonString(out, key);
        out += ':';
        if (auto e = AppendMinified(field.value(), out, depth + 1)) return e;
      }
      out += '}';
      return simdjson::SUCCESS;
    }
    case ondemand::json_type::array: {
      if (depth >= kMaxDepth) return simdjson::DEPTH_ERROR;
      ondemand::array array;
      if (auto e = value.get_array().get(array)) return e;
      out += '[';
      bool first = true;
      for (auto element : array) {
        ondemand::value v;
        if (auto e = std::move(element).get(v)) return e;
        if (!first) out += ',';
        first = false;
        if (auto e = AppendMinified(v, out, depth + 1)) return e;
      }
      out += ']';
      return simdjson::SUCCESS;
    }
    case ondemand::json_type::string: {
      std::string_view s;
      if (auto e = value.get_string().get(s)) return e;
      AppendJsonString(out, s);
      return simdjson::SUCCESS;
    }
    case ondemand::json_type::number: {
      const std::string_view token = TrimToken(value.raw_json_token());
      if (!IsJsonNumber(token)) return simdjson::NUMBER_ERROR;
      out += token;
      return simdjson::SUCCESS;
    }
    case ondemand::json_type::boolean: {
      bool b;
      if (auto e = value.get_bool().get(b)) return e;
      out += b ? "true" : "false";
      return simdjson::SUCCESS;
    }
    case ondemand::json_type::null: {
      bool is_null = false;
      if (auto e = value.is_null().get(is_null)) return e;
      if (!is_null) return simdjson::N_ATOM_ERROR;
      out += "null";
      return simdjson::SUCCESS;
    }
  }
  return simdjson::INCORRECT_TYPE;
}

}  // namespace

error_code AppendMinified(ondemand::value value, std::string& out) {
  return AppendMinified(value, out, 0);
}

std::string Excerpt(const char* begin, const char* end, size_t limit) {
  size_t n = 0;
  const size_t avail = static_cast<size_t>(end - begin);
  int depth = 0;
  bool in_string = false, escaped = false;
  while (n < avail && n < limit) {
    const char c = begin[n++];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
        if (depth == 0) break;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth <= 0) break;
    } else if (depth == 0 && (c == ',' || c == ' ' || c == '\n' || c == '\r' || c == '\t')) {
      --n;  // end of a scalar
      break;
    }
  }
  // Do not split a UTF-8 sequence: drop trailing continuation bytes and their lead byte.
  if (n == limit && n < avail) {
    while (n > 0 && (static_cast<unsigned char>(begin[n]) & 0xC0) == 0x80) --n;
  }
  return std::string(begin, n);
}

}  // namespace polypipe::api
