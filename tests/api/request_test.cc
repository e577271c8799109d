// The request builders of the three services: exact URLs and bodies.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/clob_api.h"
#include "api/data_api.h"
#include "api/gamma_api.h"
#include "api/url_builder.h"

namespace polypipe::api {
namespace {

TEST(PercentEncode, KeepsUnreservedEncodesTheRest) {
  EXPECT_EQ(PercentEncode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(PercentEncode("a b+c=d/e&f,g"), "a%20b%2Bc%3Dd%2Fe%26f%2Cg");
  EXPECT_EQ(PercentEncode("\xc3\xa9"), "%C3%A9");
  EXPECT_EQ(PercentEncode(""), "");
}

TEST(Requests, TradesUrl) {
  const std::vector<std::string> ids = {"0xaa", "0xbb"};
  EXPECT_EQ(TradesUrl("https://data-api.example", ids),
            "https://data-api.example/v2/trades?condition=0xaa,0xbb&limit=1000&filter_type=TOKENS"
            "&filter_amount=0");
  // Every fill, dust included, unless the caller asks for a filter.
  EXPECT_EQ(TradesUrl("http://h/data", {"0xaa"}, 10, "", {"CASH", 0.5}),
            "http://h/data/v2/trades?condition=0xaa&limit=10&filter_type=CASH&filter_amount=0.5");
  // A trailing slash on the base is tolerated; the opaque cursor is encoded.
  EXPECT_EQ(TradesUrl("http://127.0.0.1:8080/data/", {"0xaa"}, 500, "eyJk+/=="),
            "http://127.0.0.1:8080/data/v2/"
            "trades?condition=0xaa&limit=500&filter_type=TOKENS&filter_amount="
            "0&cursor=eyJk%2B%2F%3D%3D");
  EXPECT_EQ(TradesV1Url("http://h/data", ids, 500, 1000),
            "http://h/data/trades?market=0xaa,0xbb&limit=500&offset=1000");
}

TEST(Requests, LeaderboardUrl) {
  EXPECT_EQ(LeaderboardUrl("http://h/data", "POLITICS", "WEEK", "VOL", 50, 950),
            "http://h/data/v1/leaderboard?category=POLITICS&timePeriod=WEEK&orderBy=VOL&limit=50"
            "&offset=950");
  EXPECT_EQ(kLeaderboardCategories.size(), 11u);
  EXPECT_EQ(kLeaderboardPeriods.back(), "ALL");
}

TEST(Requests, ClobUrls) {
  EXPECT_EQ(ClobMarketsUrl("http://h/clob"), "http://h/clob/markets");
  EXPECT_EQ(ClobMarketsUrl("http://h/clob", "MTAwMA=="),
            "http://h/clob/markets?next_cursor=MTAwMA%3D%3D");
  EXPECT_EQ(PricesHistoryUrl("http://h/clob", "123456789012345678901234567890", 1000, 2000, 60),
            "http://h/clob/prices-history?market=123456789012345678901234567890&startTs=1000"
            "&endTs=2000&fidelity=60");
  EXPECT_EQ(BatchPricesUrl("http://h/clob/"), "http://h/clob/batch-prices-history");
}

TEST(Requests, BatchPricesBodyIsTheDocumentedJson) {
  const std::string body = BatchPricesBody({"111", "22\"2"}, 10, 20, 720);
  const auto j = nlohmann::json::parse(body);
  EXPECT_EQ(j["markets"], nlohmann::json::array({"111", "22\"2"}));
  EXPECT_EQ(j["start_ts"], 10);
  EXPECT_EQ(j["end_ts"], 20);
  EXPECT_EQ(j["fidelity"], 720);
}

TEST(Requests, GammaUrls) {
  EXPECT_EQ(GammaMarketsKeysetUrl("http://h/gamma", true),
            "http://h/gamma/markets/keyset?limit=100&closed=true");
  EXPECT_EQ(GammaMarketsKeysetUrl("http://h/gamma", false, 50, "eyJpZCI6MX0="),
            "http://h/gamma/markets/keyset?limit=50&closed=false&after_cursor=eyJpZCI6MX0%3D");
  EXPECT_EQ(GammaEventsKeysetUrl("http://h/gamma", false),
            "http://h/gamma/events/keyset?limit=100&closed=false");
  EXPECT_EQ(GammaTagsUrl("http://h/gamma", 100, 300), "http://h/gamma/tags?limit=100&offset=300");
}

}  // namespace
}  // namespace polypipe::api
