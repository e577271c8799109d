// Traffic: what polysim does to requests before a route answers them — per-route and
// per-service rate limits (off, reject with a JSON 429 + Retry-After, reject with Cloudflare's
// text 429, or delay), injected faults, and the counters behind /__sim/stats.
//
// Thread-safety: all methods may be called concurrently (one internal mutex).

#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace polysim {

enum class LimitMode { kOff, kRejectJson, kRejectCloudflare, kDelay };

// At most `max_requests` per sliding `window_seconds` on `key`: a route ("/data/v2/trades")
// or a whole service ("/data").
struct RateRule {
  std::string key;
  int max_requests = 0;
  double window_seconds = 10;
};

struct FaultOptions {
  double error_5xx = 0;  // share of requests answered 500/502/503
  double drop = 0;       // share whose connection closes before the body
  double truncate = 0;   // share whose JSON body is cut short (valid HTTP, broken JSON)
  double html_403 = 0;   // share answered with Cloudflare's 403 block page
  int latency_ms = 0;    // added to a share `latency_rate` of requests
  double latency_rate = 1;
  uint64_t seed = 0;
  // Requests whose query string or body contains one of these texts are always answered with
  // the 403 block page, so that a test can make exactly one unit of work (a market, a token)
  // fail for good.
  std::vector<std::string> html_403_matches = {};
};

struct TrafficOptions {
  LimitMode mode = LimitMode::kOff;
  std::vector<RateRule> rules;
  FaultOptions faults;
};

// The official per-10-second limits of polymarket-api.md, for the routes polysim serves.
std::vector<RateRule> OfficialRules();
// Parses "KEY=N/SECONDS" (e.g. "/data/v2/trades=50/1"); false on malformed text.
bool ParseRateRule(const std::string& text, RateRule* rule);
bool ParseLimitMode(const std::string& text, LimitMode* mode);

enum class Fault { kNone, kError5xx, kDrop, kTruncate, kHtml403 };

class Traffic {
 public:
  explicit Traffic(TrafficOptions options);
  Traffic(const Traffic&) = delete;
  Traffic& operator=(const Traffic&) = delete;

  struct Admission {
    bool allowed = true;
    int retry_after_seconds = 0;  // for rejections
  };
  // Counts the request and applies the limits of `route` and `service` (delaying in delay mode).
  Admission Admit(const std::string& route, const std::string& service);
  // Draws the fault for an admitted request (sleeping for injected latency) and counts it.
  Fault DrawFault(const std::string& route);
  // True when the admitted request's query string or body holds one of the html_403_matches
  // texts; counts it as an html_403 fault.
  bool Blocked(const std::string& route, std::string_view query, std::string_view body);

  const TrafficOptions& options() const { return options_; }
  std::string StatsJson() const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Window {
    RateRule rule;
    std::deque<Clock::time_point> admitted;
    size_t peak = 0;
  };
  struct RouteStats {
    int64_t requests = 0, rate_limited = 0, delayed = 0;
    int64_t error_5xx = 0, drop = 0, truncate = 0, html_403 = 0, latency = 0;
    std::deque<Clock::time_point> last_second;
    size_t peak_per_second = 0;
  };

  // REQUIRES: mu_ held. Seconds until every window of `route`/`service` has room (0 = now).
  double WaitNeeded(const std::string& route, const std::string& service, Clock::time_point now);

  TrafficOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, Window> windows_;
  std::map<std::string, RouteStats> stats_;
  std::atomic<uint64_t> sequence_{0};
};

}  // namespace polysim
