#include "http/throttle.h"

#include <mutex>
#include <utility>

namespace polypipe::http {

Throttle::Slot::Slot(Slot&& other) noexcept
    : route_(std::exchange(other.route_, nullptr)),
      host_(std::exchange(other.host_, nullptr)),
      acquired_(std::exchange(other.acquired_, false)) {}

Throttle::Slot& Throttle::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    Release();
    route_ = std::exchange(other.route_, nullptr);
    host_ = std::exchange(other.host_, nullptr);
    acquired_ = std::exchange(other.acquired_, false);
  }
  return *this;
}

void Throttle::Slot::Release() {
  if (route_ != nullptr) route_->Release();
  if (host_ != nullptr) host_->Release();
  route_ = nullptr;
  host_ = nullptr;
}

Throttle::Throttle(const std::vector<Limit>& limits) {
  for (const Limit& l : limits) {
    limiters_[l.key] = std::make_unique<RateLimiter>(l.requests, l.window_seconds);
  }
}

RateLimiter* Throttle::Limiter(const std::string& key) {
  {
    std::shared_lock lock(mu_);
    auto it = limiters_.find(key);
    if (it != limiters_.end()) return it->second.get();
  }
  std::unique_lock lock(mu_);
  auto& limiter = limiters_[key];
  if (!limiter) limiter = std::make_unique<RateLimiter>(0, 0);
  return limiter.get();
}

Throttle::Slot Throttle::Acquire(const std::string& route, const std::string& host,
                                 const std::atomic<bool>& stop) {
  Slot slot;
  RateLimiter* route_limiter = Limiter(route);
  RateLimiter* host_limiter = Limiter(host);
  if (!route_limiter->Acquire(stop)) return slot;
  slot.route_ = route_limiter;
  if (host_limiter != route_limiter) {
    if (!host_limiter->Acquire(stop)) {
      // The request is never sent; returning the route slot now (a conservative Release) keeps
      // it from being held forever.
      slot.Release();
      return slot;
    }
    slot.host_ = host_limiter;
  }
  slot.acquired_ = true;
  return slot;
}

void Throttle::PauseFor(const std::string& key, double seconds) {
  Limiter(key)->PauseFor(seconds);
}

}  // namespace polypipe::http
