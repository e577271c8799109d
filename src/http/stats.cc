#include "http/stats.h"

namespace polypipe::http {

RouteStats& RouteStats::operator+=(const RouteStats& o) {
  requests += o.requests;
  ok += o.ok;
  rate_limited += o.rate_limited;
  unavailable += o.unavailable;
  server_errors += o.server_errors;
  blocked += o.blocked;
  client_errors += o.client_errors;
  transport_errors += o.transport_errors;
  retries += o.retries;
  bytes_received += o.bytes_received;
  return *this;
}

RouteStats Stats::Counters::Load() const {
  constexpr auto kOrder = std::memory_order_relaxed;
  RouteStats s;
  s.requests = requests.load(kOrder);
  s.ok = ok.load(kOrder);
  s.rate_limited = rate_limited.load(kOrder);
  s.unavailable = unavailable.load(kOrder);
  s.server_errors = server_errors.load(kOrder);
  s.blocked = blocked.load(kOrder);
  s.client_errors = client_errors.load(kOrder);
  s.transport_errors = transport_errors.load(kOrder);
  s.retries = retries.load(kOrder);
  s.bytes_received = bytes_received.load(kOrder);
  return s;
}

Stats::Counters& Stats::For(const std::string& route) {
  std::lock_guard lock(mu_);
  auto& counters = routes_[route];
  if (!counters) counters = std::make_unique<Counters>();
  return *counters;
}

std::map<std::string, RouteStats> Stats::Snapshot() const {
  std::lock_guard lock(mu_);
  std::map<std::string, RouteStats> out;
  for (const auto& [route, counters] : routes_) out.emplace(route, counters->Load());
  return out;
}

RouteStats Stats::Total() const {
  RouteStats total;
  for (const auto& [route, s] : Snapshot()) total += s;
  return total;
}

}  // namespace polypipe::http
