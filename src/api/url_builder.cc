#include "api/url_builder.h"

namespace polypipe::api {

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

UrlBuilder::UrlBuilder(std::string_view base, std::string_view path) {
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  url_.reserve(base.size() + path.size() + 64);
  url_.append(base);
  url_.append(path);
}

void UrlBuilder::Separator() {
  url_ += has_query_ ? '&' : '?';
  has_query_ = true;
}

UrlBuilder& UrlBuilder::Param(std::string_view key, std::string_view value) {
  Separator();
  url_ += PercentEncode(key);
  url_ += '=';
  url_ += PercentEncode(value);
  return *this;
}

UrlBuilder& UrlBuilder::Param(std::string_view key, int64_t value) {
  return Param(key, std::to_string(value));
}

UrlBuilder& UrlBuilder::CommaList(std::string_view key, const std::vector<std::string>& values) {
  Separator();
  url_ += PercentEncode(key);
  url_ += '=';
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) url_ += ',';
    url_ += PercentEncode(values[i]);
  }
  return *this;
}

}  // namespace polypipe::api
