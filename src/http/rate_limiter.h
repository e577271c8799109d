// RateLimiter: admits at most N requests per sliding window of W seconds, the way a server that
// enforces "N requests per W seconds" counts them.
//
// A request takes a slot when it is sent (Acquire) and the slot's time is recorded only when its
// response has arrived (Release). The server sees the request somewhere between those two
// instants, so counting from the later one can only over-estimate what the server has seen: a
// route run at its configured limit never shows the server N+1 requests inside W, whatever the
// network latency. Slots still in flight count against the limit too.
//
// Thread-safety: all methods may be called concurrently from any number of threads.

#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>

namespace polypipe::http {

class RateLimiter {
 public:
  // `requests` <= 0 means unlimited (PauseFor still applies). A non-positive or non-finite
  // window is treated as unlimited as well.
  RateLimiter(int requests, double window_seconds);
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // Blocks until a request may be sent and takes a slot. Returns false, without taking a slot,
  // if `stop` is true on entry or becomes true while waiting (noticed within ~50 ms).
  bool Acquire(const std::atomic<bool>& stop);
  // Takes a slot if one is free right now; never blocks.
  bool TryAcquire();
  // Returns a slot, recording now as its time in the window.
  // REQUIRES: one call per successful Acquire/TryAcquire.
  void Release();
  // Nobody acquires for the next `seconds` (e.g. a server's Retry-After). A pause never shortens
  // one already in force; non-positive or non-finite values are ignored.
  void PauseFor(double seconds);

  int requests() const { return requests_; }
  double window_seconds() const { return window_seconds_; }

 private:
  using Clock = std::chrono::steady_clock;

  // REQUIRES: mu_ held. Time until a slot is free (zero if free now); drops expired entries.
  Clock::duration WaitNeeded(Clock::time_point now);

  const int requests_;
  const double window_seconds_;
  const Clock::duration window_;
  const bool unlimited_;

  std::mutex mu_;
  std::condition_variable cv_;
  int in_flight_ = 0;                   // slots acquired and not yet released
  std::deque<Clock::time_point> done_;  // release times still inside the window, oldest first
  Clock::time_point paused_until_{};
};

}  // namespace polypipe::http
