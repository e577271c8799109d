#include "sim/traffic.h"

#include <fmt/format.h>

#include <cmath>
#include <thread>

#include "sim/json_writer.h"
#include "sim/routes.h"
#include "sim/universe.h"

namespace polysim {

std::vector<RateRule> OfficialRules() {
  return {{"/data", 1000, 10},
          {"/data/trades", 200, 10},
          {"/data/v2/trades", 300, 10},
          {"/gamma", 4000, 10},
          {"/gamma/markets", 300, 10},
          {"/gamma/markets/keyset", 300, 10},
          {"/gamma/events", 500, 10},
          {"/gamma/events/keyset", 500, 10},
          {"/gamma/tags", 200, 10},
          {"/clob", 9000, 10},
          {"/clob/prices-history", 1000, 10},
          {"/clob/batch-prices-history", 1000, 10}};
}

bool ParseRateRule(const std::string& text, RateRule* rule) {
  const size_t eq = text.rfind('=');
  const size_t slash = text.rfind('/');
  if (eq == std::string::npos || eq == 0 || slash == std::string::npos || slash < eq) return false;
  auto n = ParseInt(text.substr(eq + 1, slash - eq - 1));
  char* end = nullptr;
  const std::string window = text.substr(slash + 1);
  const double seconds = std::strtod(window.c_str(), &end);
  if (!n || *n <= 0 || window.empty() || *end != '\0' || !(seconds > 0)) return false;
  rule->key = text.substr(0, eq);
  rule->max_requests = static_cast<int>(*n);
  rule->window_seconds = seconds;
  return true;
}

bool ParseLimitMode(const std::string& text, LimitMode* mode) {
  if (text == "off")
    *mode = LimitMode::kOff;
  else if (text == "reject-json")
    *mode = LimitMode::kRejectJson;
  else if (text == "reject-cloudflare")
    *mode = LimitMode::kRejectCloudflare;
  else if (text == "delay")
    *mode = LimitMode::kDelay;
  else
    return false;
  return true;
}

Traffic::Traffic(TrafficOptions options) : options_(std::move(options)) {
  for (const RateRule& r : options_.rules) windows_[r.key] = Window{r, {}, 0};
}

double Traffic::WaitNeeded(const std::string& route, const std::string& service,
                           Clock::time_point now) {
  double wait = 0;
  for (const std::string* key : {&route, &service}) {
    auto it = windows_.find(*key);
    if (it == windows_.end()) continue;
    Window& w = it->second;
    const auto span = std::chrono::duration<double>(w.rule.window_seconds);
    while (!w.admitted.empty() && now - w.admitted.front() >= span) w.admitted.pop_front();
    if (static_cast<int>(w.admitted.size()) >= w.rule.max_requests) {
      const double until = std::chrono::duration<double>(w.admitted.front() + span - now).count();
      wait = std::max(wait, until);
    }
  }
  return wait;
}

Traffic::Admission Traffic::Admit(const std::string& route, const std::string& service) {
  std::unique_lock lock(mu_);
  RouteStats& s = stats_[route];
  ++s.requests;
  auto now = Clock::now();
  while (!s.last_second.empty() && now - s.last_second.front() >= std::chrono::seconds(1)) {
    s.last_second.pop_front();
  }
  if (options_.mode != LimitMode::kOff) {
    double wait = WaitNeeded(route, service, now);
    if (wait > 0 && options_.mode != LimitMode::kDelay) {
      ++s.rate_limited;
      return Admission{false, std::max(1, static_cast<int>(std::ceil(wait)))};
    }
    // Delay mode: hold the request until the windows have room (bounded).
    for (int tries = 0; wait > 0 && tries < 1000; ++tries) {
      ++s.delayed;
      lock.unlock();
      std::this_thread::sleep_for(std::chrono::duration<double>(std::min(wait, 1.0)));
      lock.lock();
      now = Clock::now();
      wait = WaitNeeded(route, service, now);
    }
    for (const std::string* key : {&route, &service}) {
      auto it = windows_.find(*key);
      if (it == windows_.end()) continue;
      it->second.admitted.push_back(now);
      it->second.peak = std::max(it->second.peak, it->second.admitted.size());
    }
  }
  // std::map references stay valid across the unlocked waits above.
  s.last_second.push_back(now);
  s.peak_per_second = std::max(s.peak_per_second, s.last_second.size());
  return Admission{};
}

Fault Traffic::DrawFault(const std::string& route) {
  const FaultOptions& f = options_.faults;
  const uint64_t n = sequence_.fetch_add(1, std::memory_order_relaxed);
  const double u = Unit(Hash(f.seed, 0xfa017, n));
  Fault fault = Fault::kNone;
  double edge = f.error_5xx;
  if (u < edge) {
    fault = Fault::kError5xx;
  } else if (u < (edge += f.drop)) {
    fault = Fault::kDrop;
  } else if (u < (edge += f.truncate)) {
    fault = Fault::kTruncate;
  } else if (u < (edge += f.html_403)) {
    fault = Fault::kHtml403;
  }
  const bool slow = f.latency_ms > 0 && Unit(Hash(f.seed, 0x1a7e, n)) < f.latency_rate;
  {
    std::lock_guard lock(mu_);
    RouteStats& s = stats_[route];
    if (slow) ++s.latency;
    switch (fault) {
      case Fault::kError5xx:
        ++s.error_5xx;
        break;
      case Fault::kDrop:
        ++s.drop;
        break;
      case Fault::kTruncate:
        ++s.truncate;
        break;
      case Fault::kHtml403:
        ++s.html_403;
        break;
      case Fault::kNone:
        break;
    }
  }
  if (slow) std::this_thread::sleep_for(std::chrono::milliseconds(f.latency_ms));
  return fault;
}

bool Traffic::Blocked(const std::string& route, std::string_view query, std::string_view body) {
  for (const std::string& text : options_.faults.html_403_matches) {
    if (text.empty()) continue;
    if (query.find(text) == std::string_view::npos && body.find(text) == std::string_view::npos) {
      continue;
    }
    std::lock_guard lock(mu_);
    ++stats_[route].html_403;
    return true;
  }
  return false;
}

std::string Traffic::StatsJson() const {
  std::lock_guard lock(mu_);
  std::string body;
  JsonWriter w(body);
  w.BeginObject().Key("routes").BeginObject();
  int64_t requests = 0, limited = 0, faults = 0;
  for (const auto& [route, s] : stats_) {
    w.Key(route).BeginObject();
    w.Field("requests", s.requests);
    w.Field("rate_limited", s.rate_limited);
    w.Field("delayed", s.delayed);
    w.Key("faults").BeginObject();
    w.Field("error_5xx", s.error_5xx).Field("drop", s.drop).Field("truncate", s.truncate);
    w.Field("html_403", s.html_403).Field("latency", s.latency);
    w.EndObject();
    w.Field("peak_per_second", static_cast<int64_t>(s.peak_per_second));
    auto it = windows_.find(route);
    if (it != windows_.end()) {
      w.Field("limit", it->second.rule.max_requests);
      w.Field("window_seconds", it->second.rule.window_seconds);
      w.Field("peak_per_window", static_cast<int64_t>(it->second.peak));
    }
    w.EndObject();
    requests += s.requests;
    limited += s.rate_limited;
    faults += s.error_5xx + s.drop + s.truncate + s.html_403;
  }
  w.EndObject();
  w.Key("services").BeginObject();
  for (const auto& [key, win] : windows_) {
    if (stats_.count(key)) continue;  // already reported as a route
    w.Key(key).BeginObject();
    w.Field("limit", win.rule.max_requests);
    w.Field("window_seconds", win.rule.window_seconds);
    w.Field("peak_per_window", static_cast<int64_t>(win.peak));
    w.EndObject();
  }
  w.EndObject();
  w.Field("requests", requests).Field("rate_limited", limited).Field("faults", faults);
  w.EndObject();
  return body;
}

}  // namespace polysim
