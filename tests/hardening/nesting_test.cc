// Deeply nested values: a page nesting deeper than the parsers' limit (1024 arrays and objects)
// is a broken page like any other invalid JSON, not a stack overflow; shallower nesting in a
// field the schema does not know is kept in `_extra`, exactly.

#include <gtest/gtest.h>

#include <string>

#include "api/data_api.h"
#include "api/parser.h"
#include "bronze/row.h"

namespace polypipe::api {
namespace {

std::string BoardWithNesting(int depth) {
  std::string body = R"([{"rank":"1","proxyWallet":"0xw","nested":)";
  body.append(static_cast<size_t>(depth), '[');
  body.append(static_cast<size_t>(depth), ']');
  return body + "}]";
}

Result<RowPage> Parse(Parser& parser, const std::string& body) {
  return ParseLeaderboardPage(parser, body, 0, "OVERALL", "DAY", "PNL",
                              Lineage{1, "run", "data:/v1/leaderboard"});
}

TEST(Nesting, TooDeepIsABrokenPageNotACrash) {
  Parser parser;
  for (int depth : {1025, 100'000, 1'000'000}) {
    const auto page = Parse(parser, BoardWithNesting(depth));
    ASSERT_FALSE(page.ok()) << depth;
    EXPECT_NE(page.error().find("too deep"), std::string::npos) << page.error().substr(0, 300);
  }
}

TEST(Nesting, WithinTheLimitIsKeptInExtra) {
  Parser parser;
  const auto page = Parse(parser, BoardWithNesting(1000));
  ASSERT_TRUE(page.ok()) << page.error().substr(0, 300);
  ASSERT_EQ(page->rows.size(), 1u);
  const auto& schema = LeaderboardSchema();
  const auto& extra = std::get<std::string>(page->rows[0][schema.Index("_extra")]);
  EXPECT_EQ(extra, R"({"nested":)" + std::string(1000, '[') + std::string(1000, ']') + "}");
}

}  // namespace
}  // namespace polypipe::api
