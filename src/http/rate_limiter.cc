#include "http/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace polypipe::http {
namespace {

// A waiter re-checks its stop flag at least this often.
constexpr auto kStopPoll = std::chrono::milliseconds(50);
// Longer windows and pauses are clamped here, far beyond any real limit, to keep the clock
// arithmetic from overflowing.
constexpr double kMaxSeconds = 1e7;

std::chrono::steady_clock::duration Seconds(double seconds) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(std::min(seconds, kMaxSeconds)));
}

}  // namespace

RateLimiter::RateLimiter(int requests, double window_seconds)
    : requests_(requests),
      window_seconds_(window_seconds),
      window_(std::isfinite(window_seconds) && window_seconds > 0 ? Seconds(window_seconds)
                                                                  : Clock::duration::zero()),
      unlimited_(requests <= 0 || window_ <= Clock::duration::zero()) {}

RateLimiter::Clock::duration RateLimiter::WaitNeeded(Clock::time_point now) {
  Clock::duration wait = Clock::duration::zero();
  if (paused_until_ > now) wait = paused_until_ - now;
  if (unlimited_) return wait;
  while (!done_.empty() && now - done_.front() >= window_) done_.pop_front();
  const int used = in_flight_ + static_cast<int>(done_.size());
  if (used < requests_) return wait;
  // Full. If everything in the window is still in flight, only a Release can help; it notifies.
  if (done_.empty()) return std::max(wait, Clock::duration(kStopPoll));
  // Enough slots must expire to bring usage below the limit; with in-flight slots counted, the
  // one that frees a place is the (used - requests + 1)-th oldest completed entry.
  const size_t index = static_cast<size_t>(used - requests_);
  if (index >= done_.size()) return std::max(wait, Clock::duration(kStopPoll));
  return std::max(wait, done_[index] + window_ - now);
}

bool RateLimiter::Acquire(const std::atomic<bool>& stop) {
  std::unique_lock lock(mu_);
  while (true) {
    if (stop.load(std::memory_order_relaxed)) return false;
    const auto wait = WaitNeeded(Clock::now());
    if (wait <= Clock::duration::zero()) break;
    cv_.wait_for(lock, std::min<Clock::duration>(wait, kStopPoll));
  }
  ++in_flight_;
  return true;
}

bool RateLimiter::TryAcquire() {
  std::lock_guard lock(mu_);
  if (WaitNeeded(Clock::now()) > Clock::duration::zero()) return false;
  ++in_flight_;
  return true;
}

void RateLimiter::Release() {
  {
    std::lock_guard lock(mu_);
    if (in_flight_ > 0) --in_flight_;
    if (!unlimited_) done_.push_back(Clock::now());
  }
  // Waiters blocked only by in-flight slots poll; waking them lets them compute an exact wait.
  cv_.notify_all();
}

void RateLimiter::PauseFor(double seconds) {
  if (!std::isfinite(seconds) || seconds <= 0) return;
  std::lock_guard lock(mu_);
  const auto until = Clock::now() + Seconds(seconds);
  paused_until_ = std::max(paused_until_, until);
}

}  // namespace polypipe::http
