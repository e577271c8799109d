// Throttle: the set of rate limiters a run shares, one per route key and one per host key.
// A request names both keys and is sent only when both limiters admit it, because a service's
// per-route limits and its per-host (per-IP) limit are enforced together.
//
// Keys without a configured limit get an unlimited limiter on first use, so that a server's
// Retry-After can still pause every worker of that route or host.
//
// Thread-safety: all methods may be called concurrently. Slots are move-only and must be
// released (explicitly or by their destructor) on the thread that holds them.

#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

#include "http/rate_limiter.h"

namespace polypipe::http {

// "At most `requests` per sliding `window_seconds` on `key`"; `requests` <= 0 means unlimited.
struct Limit {
  std::string key;
  int requests = 0;
  double window_seconds = 10;
};

class Throttle {
 public:
  // A permission to send one request, held from send until the response has arrived.
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& other) noexcept;
    Slot& operator=(Slot&& other) noexcept;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() { Release(); }

    // False when the acquisition was cancelled by the stop flag.
    bool acquired() const { return acquired_; }
    // Records the response's arrival in both windows. Safe to call more than once.
    void Release();

   private:
    friend class Throttle;
    RateLimiter* route_ = nullptr;
    RateLimiter* host_ = nullptr;  // null when the host shares the route's limiter
    bool acquired_ = false;
  };

  // Later entries with a key already seen replace earlier ones.
  explicit Throttle(const std::vector<Limit>& limits = {});
  Throttle(const Throttle&) = delete;
  Throttle& operator=(const Throttle&) = delete;

  // Blocks until both the route's and the host's limiters admit a request. Every caller takes
  // the route first, then the host, so no two callers can wait on each other in a cycle; a
  // caller waiting for its host holds one slot of its own route only, which delays that route
  // and nothing else. Returns a Slot whose acquired() is false if `stop` was set before both
  // were granted. Route and host keys are meant to be a small fixed set (not URLs).
  Slot Acquire(const std::string& route, const std::string& host, const std::atomic<bool>& stop);

  // Pauses the limiter of `key` (a route or a host) for `seconds`.
  void PauseFor(const std::string& key, double seconds);

  // The limiter of `key`, created unlimited if it was not configured. Never null; the pointer
  // stays valid for the Throttle's lifetime.
  RateLimiter* Limiter(const std::string& key);

 private:
  mutable std::shared_mutex mu_;
  std::map<std::string, std::unique_ptr<RateLimiter>> limiters_;
};

}  // namespace polypipe::http
