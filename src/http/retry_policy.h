// RetryPolicy: how many times a request is tried and how long to wait between tries.
//
// Two families of failure wait differently. Server errors and transport errors back off
// exponentially with full jitter, so that many workers failing together spread out again.
// Rate limiting (429, and 503 which the services use for overload) waits for the server's
// Retry-After when it gives one, else backs off exponentially without jitter, because the wait
// pauses the whole route anyway.
//
// Thread-safety: plain values and pure functions (the jittered delay uses the caller's random
// generator).

#pragma once

#include <ctime>
#include <optional>
#include <random>
#include <string_view>

namespace polypipe::http {

struct RetryPolicy {
  int max_attempts = 5;     // total tries on server and transport errors
  double base_delay = 0.5;  // seconds
  double max_delay = 30;    // seconds; also caps a server's Retry-After
  double exponential_base = 2;
};

// Tries allowed for rate-limited (429) answers in a row: rate limiting is expected and should
// not exhaust a request as fast as errors do, but stays bounded. max(max_attempts, 20).
int RateLimitedAttempts(const RetryPolicy& policy);

// Seconds to wait after the `failures`-th server or transport error of a call (1-based): a
// uniform random value in [0, min(max_delay, base_delay * exponential_base^(failures - 1))].
double JitteredBackoff(const RetryPolicy& policy, int failures, std::mt19937_64& rng);

// Seconds to wait after the `consecutive`-th rate-limited answer without Retry-After (1-based):
// min(max_delay, base_delay * exponential_base^(consecutive - 1)).
double RateLimitBackoff(const RetryPolicy& policy, int consecutive);

// Parses a Retry-After header value: delta seconds ("120") or an HTTP-date, relative to `now`.
// Returns nullopt for anything else; dates in the past give 0.
std::optional<double> ParseRetryAfter(std::string_view value, std::time_t now);

}  // namespace polypipe::http
