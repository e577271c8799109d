// Stats: per-route request counters for the live progress display and the run report.
// Counters are atomics that clients bump as requests happen; Snapshot() copies them into plain
// structs. Callers compute rates (e.g. requests / elapsed seconds) from snapshots.
//
// Thread-safety: all methods may be called concurrently. A snapshot taken while requests are
// running is consistent per counter, not across counters.

#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace polypipe::http {

// Counts for one route key. Every response lands in exactly one of ok, rate_limited,
// unavailable, server_errors, blocked, client_errors; a transfer that got no complete response
// counts as a transport error.
struct RouteStats {
  int64_t requests = 0;          // attempts sent (including retries)
  int64_t ok = 0;                // 2xx responses
  int64_t rate_limited = 0;      // 429
  int64_t unavailable = 0;       // 503
  int64_t server_errors = 0;     // other 5xx
  int64_t blocked = 0;           // 403 with an HTML body: Cloudflare's block page
  int64_t client_errors = 0;     // other non-2xx statuses (4xx other than 429)
  int64_t transport_errors = 0;  // refused, reset, timed out, truncated, empty reply
  int64_t retries = 0;           // attempts after the first of a call
  int64_t bytes_received = 0;    // response body bytes as delivered (after decompression)

  RouteStats& operator+=(const RouteStats& other);
};

class Stats {
 public:
  // The live counters of one route.
  struct Counters {
    std::atomic<int64_t> requests{0}, ok{0}, rate_limited{0}, unavailable{0}, server_errors{0},
        blocked{0}, client_errors{0}, transport_errors{0}, retries{0}, bytes_received{0};

    RouteStats Load() const;
  };

  Stats() = default;
  Stats(const Stats&) = delete;
  Stats& operator=(const Stats&) = delete;

  // The counters of `route`, created on first use. The reference stays valid for the Stats'
  // lifetime, so callers may keep it.
  Counters& For(const std::string& route);

  // A copy of every route's counters, by route key.
  std::map<std::string, RouteStats> Snapshot() const;
  // The sum over all routes.
  RouteStats Total() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Counters>> routes_;
};

}  // namespace polypipe::http
