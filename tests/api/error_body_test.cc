#include "api/error_body.h"

#include <gtest/gtest.h>

#include "sim/routes.h"
#include "tests/api/fixture.h"

namespace polypipe::api {
namespace {

TEST(DescribeErrorBody, DataApiErrors) {
  EXPECT_EQ(
      DescribeErrorBody(
          R"({"error":"Failed to deserialize query string: limit: limit must be between 0 and 1000","code":"invalid_request","retryable":false,"trace_id":"72fc"})"),
      "invalid_request: Failed to deserialize query string: limit: limit must be between 0 "
      "and 1000");
  EXPECT_EQ(
      DescribeErrorBody(
          R"({"error":"unknown field `offset`","code":"invalid_request","retryable":false,"trace_id":"1","parameter":"offset"})"),
      "invalid_request: unknown field `offset` (parameter offset)");
  EXPECT_EQ(DescribeErrorBody(R"({"code":"request_timeout","retryable":true})"), "request_timeout");
  EXPECT_EQ(DescribeErrorBody(R"({"error": "max historical trades offset of 10000 exceeded"})"),
            "max historical trades offset of 10000 exceeded");
  const auto errors = testing::ReadSampleJson("data_errors.json");
  for (const auto& [request, capture] : errors.items()) {
    const std::string message = capture["body"]["error"];
    EXPECT_NE(DescribeErrorBody(capture["body"].dump()).find(message), std::string::npos)
        << request;
  }
}

TEST(DescribeErrorBody, GammaAndClobErrors) {
  EXPECT_EQ(
      DescribeErrorBody(
          R"({"type":"validation error","error":"offset too large, use /markets/keyset for deeper pagination"})"),
      "validation error: offset too large, use /markets/keyset for deeper pagination");
  EXPECT_EQ(
      DescribeErrorBody(R"({"error":"invalid filters: the 'market' (asset id) is mandatory"})"),
      "invalid filters: the 'market' (asset id) is mandatory");
}

TEST(DescribeErrorBody, NonJsonBodies) {
  EXPECT_EQ(DescribeErrorBody("error code: 1015"), "error code: 1015 (Cloudflare rate limit)");
  EXPECT_EQ(DescribeErrorBody("error code: 1020\n"), "error code: 1020");
  EXPECT_EQ(DescribeErrorBody(polysim::CloudflareBlockPage().body),
            "HTML page \"Attention Required! | Cloudflare\"");
  EXPECT_EQ(DescribeErrorBody("<html><body>oops</body></html>"), "HTML page of 30 bytes");
  EXPECT_EQ(DescribeErrorBody(""), "empty body");
  EXPECT_EQ(DescribeErrorBody(" \n "), "empty body");
  EXPECT_EQ(DescribeErrorBody("upstream\nconnect error\r\n"),
            "24-byte body: upstream connect error");
  EXPECT_EQ(DescribeErrorBody(R"({"data":[1,2]})"), R"(14-byte body: {"data":[1,2]})");
}

TEST(DescribeErrorBody, LongBodiesAreCutOnOneLine) {
  std::string body(100'000, 'x');
  body[500] = '\n';
  const std::string line = DescribeErrorBody(body);
  EXPECT_LT(line.size(), 200u);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(line.substr(0, 15), "100000-byte bod");
  // A multi-byte character at the cut is not split.
  std::string accents;
  for (int i = 0; i < 200; ++i) accents += "\xc3\xa9";
  const std::string cut = DescribeErrorBody(accents);
  const std::string quoted = cut.substr(cut.find(": ") + 2);
  ASSERT_GE(quoted.size(), 3u);
  const std::string text = quoted.substr(0, quoted.size() - 3);  // without "..."
  EXPECT_EQ(text.size() % 2, 0u);
}

}  // namespace
}  // namespace polypipe::api
