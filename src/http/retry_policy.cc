#include "http/retry_policy.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>

namespace polypipe::http {
namespace {

// base * exp_base^(n-1), capped at max_delay, for any policy values (negative, zero, NaN or huge
// values must not yield NaN or negative delays).
double Exponential(const RetryPolicy& p, int n) {
  const double cap = std::isfinite(p.max_delay) ? std::max(0.0, p.max_delay) : 0.0;
  const double base = std::isfinite(p.base_delay) ? std::max(0.0, p.base_delay) : 0.0;
  const double growth = std::isfinite(p.exponential_base) ? std::max(1.0, p.exponential_base) : 1.0;
  if (base == 0 || cap == 0) return 0;
  const double delay = base * std::pow(growth, std::max(0, n - 1));
  return std::isfinite(delay) ? std::min(cap, delay) : cap;
}

}  // namespace

int RateLimitedAttempts(const RetryPolicy& policy) {
  return std::max(policy.max_attempts, 20);
}

double JitteredBackoff(const RetryPolicy& policy, int failures, std::mt19937_64& rng) {
  const double ceiling = Exponential(policy, failures);
  if (ceiling <= 0) return 0;
  return std::uniform_real_distribution<double>(0.0, ceiling)(rng);
}

double RateLimitBackoff(const RetryPolicy& policy, int consecutive) {
  return Exponential(policy, consecutive);
}

std::optional<double> ParseRetryAfter(std::string_view value, std::time_t now) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t' || value.back() == '\r' ||
                            value.back() == '\n')) {
    value.remove_suffix(1);
  }
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    // Long digit strings saturate instead of overflowing; callers cap the wait anyway.
    double seconds = 0;
    for (char c : value) seconds = std::min(seconds * 10 + (c - '0'), 1e9);
    return seconds;
  }
  // An HTTP-date ("Wed, 21 Oct 2026 07:28:00 GMT") must start with a day name.
  if (!std::isalpha(static_cast<unsigned char>(value.front()))) return std::nullopt;
  const std::string text(value);
  const std::time_t when = curl_getdate(text.c_str(), nullptr);
  if (when == -1) return std::nullopt;
  return std::max(0.0, std::difftime(when, now));
}

}  // namespace polypipe::http
