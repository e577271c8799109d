// UrlBuilder: a request URL from a service base ("http://127.0.0.1:8080/data" or
// "https://host", with or without a trailing slash), a route path and percent-encoded query
// parameters. Internal to src/api: the request builders of each service use it.
//
// Thread-safety: a plain value; not for concurrent mutation.

#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace polypipe::api {

// RFC 3986 percent-encoding: every byte except ALPHA / DIGIT / "-" / "." / "_" / "~".
std::string PercentEncode(std::string_view text);

class UrlBuilder {
 public:
  // REQUIRES: `path` starts with '/'.
  UrlBuilder(std::string_view base, std::string_view path);

  UrlBuilder& Param(std::string_view key, std::string_view value);
  UrlBuilder& Param(std::string_view key, int64_t value);
  // One parameter holding every value, each encoded, joined by literal commas (the Data API's list
  // syntax: condition=0xa,0xb).
  UrlBuilder& CommaList(std::string_view key, const std::vector<std::string>& values);

  const std::string& url() const { return url_; }

 private:
  void Separator();

  std::string url_;
  bool has_query_ = false;
};

}  // namespace polypipe::api
