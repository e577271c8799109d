// Client against a real polysim on loopback (and a scripted raw server for broken transfers):
// success, retries of server and transport errors, no retries of client errors, 429 handling,
// the zero-429 property of the limiter, cancellation, and POST.

#include "http/client.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "tests/http/raw_server.h"
#include "tests/sim/sim_client.h"

namespace polypipe::http {
namespace {

using Clock = std::chrono::steady_clock;
using polysim::testing::SimClient;
using testing::HttpReply;
using testing::RawReply;
using testing::RawServer;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Short timeouts and tiny delays keep the tests fast.
ClientOptions FastOptions() {
  ClientOptions o;
  o.timeout = 10;
  o.connect_timeout = 2;
  o.user_agent = UserAgent("9.9.9");
  o.retry = RetryPolicy{5, 0.01, 0.05, 2};
  return o;
}

polysim::ServerOptions Sim(polysim::TrafficOptions traffic = {}) {
  polysim::ServerOptions o = SimClient::DefaultOptions();
  o.universe.markets = 30;
  o.traffic = std::move(traffic);
  return o;
}

polysim::TrafficOptions Faults(polysim::FaultOptions faults) {
  polysim::TrafficOptions t;
  faults.seed = faults.seed == 0 ? 7 : faults.seed;
  t.faults = faults;
  return t;
}

polysim::TrafficOptions Limited(polysim::LimitMode mode, polysim::RateRule rule) {
  polysim::TrafficOptions t;
  t.mode = mode;
  t.rules = {std::move(rule)};
  return t;
}

// A test's view of one polysim: its URLs and its own counters.
class Fixture {
 public:
  explicit Fixture(const polysim::ServerOptions& sim, std::vector<Limit> limits = {},
                   ClientOptions options = FastOptions())
      : sim_(sim), throttle_(limits), client_(throttle_, stats_, options, stop_) {
    // polysim must be listening before it is stopped: a Stop racing its start can hang.
    sim_.Json("/__sim/health");
  }

  Request At(const std::string& path, const std::string& route) const {
    return Request{"http://127.0.0.1:" + std::to_string(sim_.port()) + path, route, "sim"};
  }
  // polysim's own counters for `route`.
  nlohmann::json SimStats(const std::string& route) {
    return sim_.Json("/__sim/stats")["routes"][route];
  }

  SimClient sim_;
  std::atomic<bool> stop_{false};
  Throttle throttle_;
  Stats stats_;
  Client client_;
};

TEST(Client, GetJsonOk) {
  Fixture f(Sim());
  const Result r = f.client_.Get(f.At("/clob/markets", "/clob/markets"));
  ASSERT_EQ(r.outcome, Outcome::kOk) << r.error;
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.response.status, 200);
  EXPECT_EQ(r.response.kind, BodyKind::kJson);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_TRUE(r.error.empty());
  const auto body = nlohmann::json::parse(r.response.body, nullptr, false);
  ASSERT_TRUE(body.is_object());
  EXPECT_FALSE(body["data"].empty());
  const RouteStats s = f.stats_.Snapshot().at("/clob/markets");
  EXPECT_EQ(s.requests, 1);
  EXPECT_EQ(s.ok, 1);
  EXPECT_EQ(s.retries, 0);
  EXPECT_EQ(s.bytes_received, static_cast<int64_t>(r.response.body.size()));
}

TEST(Client, ReadsTheServersClockAndDecodesGzip) {
  Fixture f(Sim());
  const Result r = f.client_.Get(f.At("/clob/markets", "/clob/markets"));
  ASSERT_TRUE(r.ok()) << r.error;
  // polysim's clock, not this machine's: the Date header.
  EXPECT_EQ(r.response.date, f.sim_.Json("/__sim/health")["now"].get<int64_t>());
  // The client accepts gzip, polysim sends it (tests/sim), and the body arrives decoded.
  EXPECT_TRUE(nlohmann::json::parse(r.response.body, nullptr, false).is_object());
}

TEST(Client, ReusesItsConnectionAndRecycledBuffers) {
  Fixture f(Sim());
  std::string previous;
  for (int i = 0; i < 20; ++i) {
    Result r = f.client_.Get(f.At("/gamma/tags?limit=3", "/gamma/tags"));
    ASSERT_TRUE(r.ok()) << r.error;
    if (i > 0) {
      EXPECT_EQ(r.response.body, previous);
    }
    previous = r.response.body;
    f.client_.Recycle(std::move(r.response.body));
  }
  EXPECT_EQ(f.stats_.Snapshot().at("/gamma/tags").ok, 20);
}

TEST(Client, ServerErrorsAreRetriedUntilOk) {
  Fixture f(Sim(Faults({.error_5xx = 0.05})));
  constexpr int kRequests = 100;
  for (int i = 0; i < kRequests; ++i) {
    const Result r = f.client_.Get(f.At("/gamma/tags?limit=2", "/gamma/tags"));
    ASSERT_TRUE(r.ok()) << i << ": " << r.error;
  }
  const RouteStats s = f.stats_.Snapshot().at("/gamma/tags");
  const int64_t injected = f.SimStats("/gamma/tags")["faults"]["error_5xx"].get<int64_t>();
  EXPECT_GT(injected, 0);
  EXPECT_EQ(s.ok, kRequests);
  EXPECT_EQ(s.retries, injected);
  EXPECT_EQ(s.server_errors + s.unavailable, injected);
  EXPECT_EQ(s.requests, kRequests + injected);
}

TEST(Client, DroppedConnectionsAreRetriedUntilOk) {
  Fixture f(Sim(Faults({.drop = 0.2})));
  constexpr int kRequests = 30;
  for (int i = 0; i < kRequests; ++i) {
    const Result r = f.client_.Get(f.At("/gamma/tags?limit=2", "/gamma/tags"));
    ASSERT_TRUE(r.ok()) << i << ": " << r.error;
  }
  const RouteStats s = f.stats_.Snapshot().at("/gamma/tags");
  const int64_t dropped = f.SimStats("/gamma/tags")["faults"]["drop"].get<int64_t>();
  EXPECT_GT(dropped, 0);
  EXPECT_EQ(s.transport_errors, dropped);
  EXPECT_EQ(s.retries, dropped);
  EXPECT_EQ(s.ok, kRequests);
}

TEST(Client, BodyShorterThanItsContentLengthIsRetried) {
  RawServer server([](int n) {
    if (n == 0) {
      return RawReply{
          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
          "100\r\n\r\n{\"data\":[1,2"};
    }
    return RawReply{HttpReply(200, R"({"data":[1,2,3]})")};
  });
  ASSERT_GT(server.port(), 0);
  Throttle throttle;
  Stats stats;
  std::atomic<bool> stop{false};
  Client client(throttle, stats, FastOptions(), stop);
  const Result r = client.Get({server.url("/x"), "/x", "raw"});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.response.body, R"({"data":[1,2,3]})");
  EXPECT_EQ(r.attempts, 2);
  EXPECT_EQ(stats.Snapshot().at("/x").transport_errors, 1);
}

TEST(Client, EmptyReplyIsRetried) {
  RawServer server([](int n) { return n < 2 ? RawReply{""} : RawReply{HttpReply(200, "[]")}; });
  ASSERT_GT(server.port(), 0);
  Throttle throttle;
  Stats stats;
  std::atomic<bool> stop{false};
  Client client(throttle, stats, FastOptions(), stop);
  const Result r = client.Get({server.url("/x"), "/x", "raw"});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.attempts, 3);
  EXPECT_EQ(stats.Snapshot().at("/x").transport_errors, 2);
}

TEST(Client, SendsItsUserAgentAndAcceptsCompression) {
  RawServer server([](int) { return RawReply{HttpReply(200, "{}")}; });
  ASSERT_GT(server.port(), 0);
  Throttle throttle;
  Stats stats;
  std::atomic<bool> stop{false};
  Client client(throttle, stats, FastOptions(), stop);
  ASSERT_TRUE(client.Get({server.url("/x"), "/x", "raw"}).ok());
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_NE(requests[0].find("User-Agent: polypipe/9.9.9\r\n"), std::string::npos) << requests[0];
  EXPECT_NE(requests[0].find("Accept-Encoding: "), std::string::npos) << requests[0];
  EXPECT_NE(requests[0].find("gzip"), std::string::npos) << requests[0];
}

TEST(Client, RetryAfterDateIsHonouredAndCapped) {
  // An HTTP-date far in the future is capped at max_delay, so the call still completes.
  RawServer server([](int n) {
    if (n == 0) {
      return RawReply{HttpReply(429, R"({"error":"slow down"})",
                                "Retry-After: Fri, 31 Dec 2100 23:59:59 GMT\r\n")};
    }
    return RawReply{HttpReply(200, "{}")};
  });
  Throttle throttle;
  Stats stats;
  std::atomic<bool> stop{false};
  Client client(throttle, stats, FastOptions(), stop);
  const Result r = client.Get({server.url("/x"), "/x", "raw"});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.attempts, 2);
  EXPECT_EQ(stats.Snapshot().at("/x").rate_limited, 1);
}

TEST(Client, TruncatedJsonWithAValidFramingIsNotDetectedHere) {
  // polysim's "truncate" fault cuts the JSON but sends a matching Content-Length: a valid HTTP
  // response. Only a JSON parser can tell, so the client returns it as ok (the API layer
  // reports the parse failure).
  Fixture f(Sim(Faults({.truncate = 1.0})));
  const Result r = f.client_.Get(f.At("/gamma/tags?limit=5", "/gamma/tags"));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(r.response.kind, BodyKind::kJson);
  EXPECT_TRUE(nlohmann::json::parse(r.response.body, nullptr, false).is_discarded());
}

TEST(Client, CloudflareBlockPageIsRetriedAndCountedThenFails) {
  Fixture f(Sim(Faults({.html_403 = 1.0})));
  const Result r = f.client_.Get(f.At("/gamma/tags", "/gamma/tags"));
  EXPECT_EQ(r.outcome, Outcome::kServerError);
  EXPECT_EQ(r.response.status, 403);
  EXPECT_EQ(r.response.kind, BodyKind::kHtml);
  EXPECT_EQ(r.attempts, FastOptions().retry.max_attempts);
  EXPECT_NE(r.error.find("/gamma/tags"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("403"), std::string::npos) << r.error;
  EXPECT_EQ(r.error.find('\n'), std::string::npos);
  const RouteStats s = f.stats_.Snapshot().at("/gamma/tags");
  EXPECT_EQ(s.blocked, FastOptions().retry.max_attempts);
  EXPECT_EQ(s.client_errors, 0);
}

TEST(Client, OccasionalBlockPagesAreRetriedToSuccess) {
  Fixture f(Sim(Faults({.html_403 = 0.3})));
  for (int i = 0; i < 20; ++i) {
    const Result r = f.client_.Get(f.At("/gamma/tags?limit=5", "/gamma/tags"));
    ASSERT_TRUE(r.ok()) << r.error;
  }
  EXPECT_GT(f.stats_.Snapshot().at("/gamma/tags").blocked, 0);
}

TEST(Client, NotFoundAndBadRequestAreClientErrorsNotRetried) {
  Fixture f(Sim());
  const Result missing = f.client_.Get(f.At("/clob/no-such-route", "/clob/other"));
  EXPECT_EQ(missing.outcome, Outcome::kClientError);
  EXPECT_EQ(missing.response.status, 404);
  EXPECT_EQ(missing.attempts, 1);
  const Result bad = f.client_.Get(f.At("/clob/prices-history", "/clob/prices-history"));
  EXPECT_EQ(bad.outcome, Outcome::kClientError);
  EXPECT_EQ(bad.response.status, 400);
  EXPECT_EQ(bad.response.kind, BodyKind::kJson);
  EXPECT_NE(bad.response.body.find("mandatory"), std::string::npos) << bad.response.body;
  EXPECT_EQ(bad.attempts, 1);
  EXPECT_EQ(f.stats_.Total().client_errors, 2);
  EXPECT_EQ(f.stats_.Total().retries, 0);
}

TEST(Client, RateLimitedJsonWithRetryAfterCompletes) {
  ClientOptions options = FastOptions();
  options.retry.max_delay = 2;  // lets polysim's Retry-After (1 s) through uncapped
  Fixture f(Sim(Limited(polysim::LimitMode::kRejectJson, {"/gamma/tags", 3, 1})), {}, options);
  constexpr int kRequests = 7;
  for (int i = 0; i < kRequests; ++i) {
    const Result r = f.client_.Get(f.At("/gamma/tags?limit=1", "/gamma/tags"));
    ASSERT_TRUE(r.ok()) << i << ": " << r.error;
  }
  const RouteStats s = f.stats_.Snapshot().at("/gamma/tags");
  const int64_t rejected = f.SimStats("/gamma/tags")["rate_limited"].get<int64_t>();
  EXPECT_GT(s.rate_limited, 0);
  EXPECT_EQ(s.rate_limited, rejected);
  EXPECT_EQ(s.ok, kRequests);
  // Waiting out a whole Retry-After each time, one 429 per window at most.
  EXPECT_LE(s.rate_limited, 3);
}

TEST(Client, RateLimitedCloudflareWithoutRetryAfterCompletes) {
  ClientOptions options = FastOptions();
  options.retry = RetryPolicy{5, 0.05, 0.4, 2};
  Fixture f(Sim(Limited(polysim::LimitMode::kRejectCloudflare, {"/gamma/tags", 3, 0.5})), {},
            options);
  constexpr int kRequests = 8;
  for (int i = 0; i < kRequests; ++i) {
    const Result r = f.client_.Get(f.At("/gamma/tags?limit=1", "/gamma/tags"));
    ASSERT_TRUE(r.ok()) << i << ": " << r.error;
  }
  const RouteStats s = f.stats_.Snapshot().at("/gamma/tags");
  EXPECT_GT(s.rate_limited, 0);
  EXPECT_EQ(s.rate_limited, f.SimStats("/gamma/tags")["rate_limited"].get<int64_t>());
  EXPECT_EQ(s.ok, kRequests);
}

TEST(Client, RateLimitedTooLongIsAServerErrorAfterABoundedNumberOfTries) {
  RawServer server([](int) { return RawReply{HttpReply(429, "error code: 1015")}; });
  ClientOptions options = FastOptions();
  options.retry = RetryPolicy{3, 0.001, 0.002, 2};
  Throttle throttle;
  Stats stats;
  std::atomic<bool> stop{false};
  Client client(throttle, stats, options, stop);
  const Result r = client.Get({server.url("/x"), "/x", "raw"});
  EXPECT_EQ(r.outcome, Outcome::kServerError);
  EXPECT_EQ(r.attempts, 20);  // max(max_attempts, 20) for 429s
  EXPECT_EQ(r.response.status, 429);
  EXPECT_EQ(r.response.kind, BodyKind::kText);
  EXPECT_EQ(stats.Snapshot().at("/x").rate_limited, 20);
}

TEST(Client, LimiterAtTheServersLimitCausesNoRateLimiting) {
  // The key property: the client's limiter set to exactly the server's sliding window, several
  // workers, uneven latency, and not one 429.
  constexpr int kLimit = 20;
  constexpr double kWindow = 1.0;
  constexpr double kRunSeconds = 3.0;
  polysim::TrafficOptions traffic =
      Limited(polysim::LimitMode::kRejectJson, {"/gamma/tags", kLimit, kWindow});
  traffic.faults.latency_ms = 30;
  traffic.faults.latency_rate = 0.5;
  traffic.faults.seed = 3;
  SimClient sim(Sim(traffic));
  Throttle throttle({{"/gamma/tags", kLimit, kWindow}, {"sim", 1000, kWindow}});
  Stats stats;
  std::atomic<bool> stop{false};
  const std::string url = "http://127.0.0.1:" + std::to_string(sim.port()) + "/gamma/tags?limit=1";
  const auto start = Clock::now();
  std::vector<std::thread> workers;
  std::atomic<int> failed{0};
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      Client client(throttle, stats, FastOptions(), stop);
      for (int i = 0; i < 1000 && SecondsSince(start) < kRunSeconds; ++i) {
        if (!client.Get({url, "/gamma/tags", "sim"}).ok()) ++failed;
      }
    });
  }
  for (auto& w : workers) w.join();
  const RouteStats s = stats.Snapshot().at("/gamma/tags");
  const nlohmann::json server = sim.Json("/__sim/stats")["routes"]["/gamma/tags"];
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(s.rate_limited, 0);
  EXPECT_EQ(server["rate_limited"].get<int64_t>(), 0);
  // It did run at the limit: the server saw a full window, and more than one window's worth.
  EXPECT_EQ(server["peak_per_window"].get<int64_t>(), kLimit);
  EXPECT_GT(s.ok, kLimit);
  RecordProperty("requests_ok", static_cast<int>(s.ok));
}

TEST(Client, UnreachablePortIsATransportErrorAfterMaxAttempts) {
  int port = -1;
  {
    // Bind a free port, then close it: nothing listens there.
    RawServer probe([](int) { return RawReply{}; });
    port = probe.port();
  }
  ASSERT_GT(port, 0);
  Throttle throttle;
  Stats stats;
  std::atomic<bool> stop{false};
  ClientOptions options = FastOptions();
  options.retry.max_attempts = 3;
  Client client(throttle, stats, options, stop);
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/x";
  const auto start = Clock::now();
  const Result r = client.Get({url, "/x", "nowhere"});
  EXPECT_LT(SecondsSince(start), 5.0);
  EXPECT_EQ(r.outcome, Outcome::kTransportError);
  EXPECT_EQ(r.attempts, 3);
  EXPECT_EQ(r.response.status, 0);
  EXPECT_NE(r.error.find(url), std::string::npos) << r.error;
  EXPECT_EQ(stats.Snapshot().at("/x").transport_errors, 3);
}

TEST(Client, MalformedUrlFailsAtOnce) {
  Throttle throttle;
  Stats stats;
  std::atomic<bool> stop{false};
  Client client(throttle, stats, FastOptions(), stop);
  for (const char* url : {"gopher://127.0.0.1/x", "not a url", ""}) {
    const Result r = client.Get({url, "/x", "h"});
    EXPECT_EQ(r.outcome, Outcome::kTransportError) << url;
    EXPECT_EQ(r.attempts, 1) << url;
    EXPECT_FALSE(r.error.empty());
  }
}

TEST(Client, StopCancelsABackoffWait) {
  ClientOptions options = FastOptions();
  options.retry = RetryPolicy{5, 30, 30, 2};  // waits that would take far longer than the test
  Fixture f(Sim(Faults({.error_5xx = 1.0})), {}, options);
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    f.stop_ = true;
  });
  const auto start = Clock::now();
  Result r;
  // The random jitter may draw a tiny delay; the retries stay bounded either way.
  for (int i = 0; i < 3 && r.outcome != Outcome::kCancelled; ++i) {
    r = f.client_.Get(f.At("/gamma/tags", "/gamma/tags"));
  }
  stopper.join();
  EXPECT_EQ(r.outcome, Outcome::kCancelled) << r.error;
  EXPECT_LT(SecondsSince(start), 10.0);
}

TEST(Client, StopCancelsATransferInProgress) {
  RawServer server([](int) { return RawReply{"", /*hang=*/true}; });
  Throttle throttle;
  Stats stats;
  std::atomic<bool> stop{false};
  Client client(throttle, stats, FastOptions(), stop);
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    stop = true;
  });
  const auto start = Clock::now();
  const Result r = client.Get({server.url("/x"), "/x", "raw"});
  stopper.join();
  EXPECT_EQ(r.outcome, Outcome::kCancelled) << r.error;
  EXPECT_EQ(r.attempts, 1);
  EXPECT_LT(SecondsSince(start), 5.0);  // the transfer timeout is 10 s
}

TEST(Client, StopCancelsAThrottleWait) {
  Fixture f(Sim(), {{"/gamma/tags", 1, 60}});
  ASSERT_TRUE(f.client_.Get(f.At("/gamma/tags", "/gamma/tags")).ok());
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    f.stop_ = true;
  });
  const auto start = Clock::now();
  const Result r = f.client_.Get(f.At("/gamma/tags", "/gamma/tags"));
  stopper.join();
  EXPECT_EQ(r.outcome, Outcome::kCancelled);
  EXPECT_EQ(r.attempts, 0);
  EXPECT_LT(SecondsSince(start), 5.0);
  EXPECT_EQ(f.stats_.Snapshot().at("/gamma/tags").requests, 1);
}

TEST(Client, NothingIsSentOnceStopped) {
  Fixture f(Sim());
  f.stop_ = true;
  const Result r = f.client_.Get(f.At("/gamma/tags", "/gamma/tags"));
  EXPECT_EQ(r.outcome, Outcome::kCancelled);
  EXPECT_EQ(r.attempts, 0);
  EXPECT_EQ(OutcomeName(r.outcome), "cancelled");
}

TEST(Client, PostSendsAJsonBody) {
  Fixture f(Sim());
  const Result markets = f.client_.Get(f.At("/clob/markets", "/clob/markets"));
  ASSERT_TRUE(markets.ok()) << markets.error;
  const auto list = nlohmann::json::parse(markets.response.body);
  const std::string token = list["data"][0]["tokens"][0]["token_id"].get<std::string>();
  const int64_t now = f.sim_.server().universe().now();
  const nlohmann::json body = {
      {"markets", {token}}, {"start_ts", now - 86'400}, {"end_ts", now}, {"fidelity", 60}};
  const Request post = f.At("/clob/batch-prices-history", "/clob/batch-prices-history");
  const Result r = f.client_.Post(post, body.dump());
  ASSERT_TRUE(r.ok()) << r.error << " " << r.response.body;
  const auto history = nlohmann::json::parse(r.response.body, nullptr, false);
  ASSERT_TRUE(history.is_object());
  EXPECT_TRUE(history["history"].contains(token)) << r.response.body.substr(0, 300);

  // The same handle then sends a plain GET again, and a broken body is the server's 400.
  EXPECT_TRUE(f.client_.Get(f.At("/gamma/tags", "/gamma/tags")).ok());
  const Result bad = f.client_.Post(post, "{not json");
  EXPECT_EQ(bad.outcome, Outcome::kClientError);
  EXPECT_EQ(bad.response.status, 400);
}

}  // namespace
}  // namespace polypipe::http
