// polysim's rate-limit modes (reject-json, reject-cloudflare, delay, off, per-service windows)
// and each injected fault type, observed over real HTTP and in /__sim/stats.

#include "tests/sim/sim_client.h"

namespace polysim::testing {
namespace {

using nlohmann::json;

ServerOptions Limited(LimitMode mode, std::vector<RateRule> rules) {
  ServerOptions o = SimClient::DefaultOptions();
  o.universe.markets = 30;
  o.traffic.mode = mode;
  o.traffic.rules = std::move(rules);
  return o;
}

ServerOptions Faulty(FaultOptions faults) {
  ServerOptions o = SimClient::DefaultOptions();
  o.universe.markets = 30;
  o.traffic.faults = faults;
  return o;
}

// Sends `n` requests back to back; returns the responses' statuses (0 for transport errors).
std::vector<int> Burst(SimClient& sim, const std::string& path, int n) {
  std::vector<int> statuses;
  for (int i = 0; i < n; ++i) {
    auto res = sim.Get(path);
    statuses.push_back(res ? res->status : 0);
  }
  return statuses;
}

int Count(const std::vector<int>& statuses, int status) {
  return static_cast<int>(std::count(statuses.begin(), statuses.end(), status));
}

TEST(RateLimit, RejectJsonAnswers429WithRetryAfterAndCountsIt) {
  SimClient sim(Limited(LimitMode::kRejectJson, {{"/data/v2/trades", 5, 60}}));
  const std::string cid = sim.Json("/clob/markets")["data"][0]["condition_id"].get<std::string>();
  const std::string path = "/data/v2/trades?limit=1&condition=" + cid;
  const auto statuses = Burst(sim, path, 5);
  EXPECT_EQ(Count(statuses, 200), 5);
  auto res = sim.Get(path);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 429);
  EXPECT_GE(std::stoi(res->get_header_value("Retry-After")), 1);
  const json body = json::parse(res->body);
  EXPECT_EQ(body["code"], "rate_limited");
  EXPECT_EQ(body["retryable"], true);
  // Other routes are not limited by this rule.
  EXPECT_EQ(sim.Get("/clob/markets")->status, 200);
  const json stats = sim.Json("/__sim/stats");
  EXPECT_EQ(stats["routes"]["/data/v2/trades"]["requests"], 6);
  EXPECT_EQ(stats["routes"]["/data/v2/trades"]["rate_limited"], 1);
  EXPECT_EQ(stats["routes"]["/data/v2/trades"]["peak_per_window"], 5);
}

TEST(RateLimit, RejectCloudflareAnswersPlainTextWithoutRetryAfter) {
  SimClient sim(Limited(LimitMode::kRejectCloudflare, {{"/gamma/tags", 2, 60}}));
  EXPECT_EQ(Count(Burst(sim, "/gamma/tags", 2), 200), 2);
  auto res = sim.Get("/gamma/tags");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 429);
  EXPECT_EQ(res->body, "error code: 1015");
  EXPECT_FALSE(res->has_header("Retry-After"));
}

TEST(RateLimit, ServiceRuleCoversEveryRouteOfTheService) {
  SimClient sim(Limited(LimitMode::kRejectJson, {{"/clob", 3, 60}}));
  EXPECT_EQ(sim.Get("/clob/markets")->status, 200);
  EXPECT_EQ(sim.Get("/clob/prices-history?market=1&interval=1d")->status, 200);
  EXPECT_EQ(sim.Get("/clob/markets")->status, 200);
  EXPECT_EQ(sim.Get("/clob/prices-history?market=1&interval=1d")->status, 429);
  EXPECT_EQ(sim.Get("/gamma/tags")->status, 200);
}

TEST(RateLimit, DelayModeQueuesInsteadOfRejecting) {
  SimClient sim(Limited(LimitMode::kDelay, {{"/gamma/tags", 4, 0.5}}));
  const auto statuses = Burst(sim, "/gamma/tags", 10);
  EXPECT_EQ(Count(statuses, 200), 10);
  const json stats = sim.Json("/__sim/stats")["routes"]["/gamma/tags"];
  EXPECT_EQ(stats["rate_limited"], 0);
  EXPECT_GT(stats["delayed"].get<int>(), 0);
  EXPECT_LE(stats["peak_per_window"].get<int>(), 4);
}

TEST(RateLimit, OffServesEverything) {
  SimClient sim(Limited(LimitMode::kOff, {{"/gamma/tags", 1, 60}}));
  EXPECT_EQ(Count(Burst(sim, "/gamma/tags", 20), 200), 20);
}

TEST(RateLimit, RuleTextParses) {
  RateRule rule;
  ASSERT_TRUE(ParseRateRule("/data/v2/trades=50/1", &rule));
  EXPECT_EQ(rule.key, "/data/v2/trades");
  EXPECT_EQ(rule.max_requests, 50);
  EXPECT_EQ(rule.window_seconds, 1);
  ASSERT_TRUE(ParseRateRule("/clob=900/10.5", &rule));
  EXPECT_EQ(rule.window_seconds, 10.5);
  for (const char* bad :
       {"", "/data", "/data=5", "=5/1", "/data=x/1", "/data=5/0", "/data=5/1s", "/data=-5/1"}) {
    EXPECT_FALSE(ParseRateRule(bad, &rule)) << bad;
  }
}

TEST(Faults, ServerErrorsCycleThrough500502And503) {
  FaultOptions f;
  f.error_5xx = 1;
  SimClient sim(Faulty(f));
  std::set<int> seen;
  bool retry_after_on_503 = false;
  for (int i = 0; i < 6; ++i) {
    auto res = sim.Get("/gamma/tags");
    ASSERT_TRUE(res);
    seen.insert(res->status);
    if (res->status == 503) retry_after_on_503 = res->has_header("Retry-After");
  }
  EXPECT_EQ(seen, (std::set<int>{500, 502, 503}));
  EXPECT_TRUE(retry_after_on_503);
  EXPECT_EQ(sim.Json("/__sim/stats")["routes"]["/gamma/tags"]["faults"]["error_5xx"], 6);
}

TEST(Faults, DroppedConnectionsAreTransportErrors) {
  FaultOptions f;
  f.drop = 1;
  SimClient sim(Faulty(f));
  auto res = sim.Get("/gamma/tags");
  EXPECT_FALSE(res && res->status == 200 && !res->body.empty()) << "expected a dropped connection";
  EXPECT_EQ(sim.Json("/__sim/stats")["routes"]["/gamma/tags"]["faults"]["drop"], 1);
}

TEST(Faults, TruncatedBodiesAreIncompleteJson) {
  FaultOptions f;
  f.truncate = 1;
  SimClient sim(Faulty(f));
  auto res = sim.Get("/gamma/tags");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_FALSE(res->body.empty());
  EXPECT_TRUE(json::parse(res->body, nullptr, false).is_discarded());
}

TEST(Faults, Html403PagesAreServed) {
  FaultOptions f;
  f.html_403 = 1;
  SimClient sim(Faulty(f));
  auto res = sim.Get("/data/v1/leaderboard");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403);
  EXPECT_NE(res->body.find("<title>Attention Required! | Cloudflare</title>"), std::string::npos);
}

TEST(Faults, LatencyIsAddedAndCounted) {
  FaultOptions f;
  f.latency_ms = 50;
  SimClient sim(Faulty(f));
  EXPECT_EQ(Count(Burst(sim, "/gamma/tags", 3), 200), 3);
  EXPECT_EQ(sim.Json("/__sim/stats")["routes"]["/gamma/tags"]["faults"]["latency"], 3);
}

TEST(Faults, PartialRatesHitAboutThatShareAndStatsAgree) {
  FaultOptions f;
  f.error_5xx = 0.3;
  f.seed = 9;
  SimClient sim(Faulty(f));
  const auto statuses = Burst(sim, "/gamma/tags", 200);
  const int errors = 200 - Count(statuses, 200);
  EXPECT_GT(errors, 30);
  EXPECT_LT(errors, 90);
  EXPECT_EQ(sim.Json("/__sim/stats")["routes"]["/gamma/tags"]["faults"]["error_5xx"], errors);
  // Control routes are never faulted.
  EXPECT_EQ(Count(Burst(sim, "/__sim/health", 20), 200), 20);
}

}  // namespace
}  // namespace polysim::testing
