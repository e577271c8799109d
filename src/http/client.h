// Client: sends one HTTP request at a time over a reused libcurl handle (keep-alive, HTTP/2 over
// TLS where offered, gzip/deflate), through the shared Throttle, retrying what is worth
// retrying, and counting everything in the shared Stats.
//
// What one Get/Post does:
//   - waits for the Throttle (route, then host), sends, and releases the slot on the response;
//   - 2xx: returns kOk with the body and its kind, whatever the kind (the caller decides);
//   - 429: pauses the route (and the host, when the body is Cloudflare's non-JSON text) for the
//     server's Retry-After, else for an exponential backoff, then retries; up to
//     RateLimitedAttempts() such answers are allowed in a call;
//   - 503: pauses the route the same way and retries, counted as a failure;
//   - other 5xx, Cloudflare's HTML 403 block page, and retryable transport errors (refused,
//     reset, timeout, cut-short body, empty reply): backs off with full jitter and retries, up to
//     max_attempts failures in a call;
//   - any other status (4xx other than 429 and the HTML 403, 3xx: redirects are not followed):
//     kClientError at once, never retried;
//   - once the shared stop flag is set, returns kCancelled promptly, also from a transfer in
//     progress (noticed within about a second) and from any wait.
// A 200 with broken JSON cannot be told from a good one here; the API layer reports it.
//
// Thread-safety: a Client is NOT thread-safe; use one per worker thread. Many Clients may share
// one Throttle, one Stats and one stop flag, which must outlive them.

#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>

#include "http/body_kind.h"
#include "http/retry_policy.h"
#include "http/stats.h"
#include "http/throttle.h"

namespace polypipe::http {

struct ClientOptions {
  double timeout = 30;          // seconds for a whole transfer; <= 0: none
  double connect_timeout = 10;  // seconds; <= 0: libcurl's default
  std::string ca_bundle;        // CA certificates file; empty: the system's. Always verified.
  std::string user_agent;       // e.g. UserAgent("0.1.0"); empty: "polypipe"
  RetryPolicy retry;
};

// "polypipe/<version>".
std::string UserAgent(std::string_view version);

struct Request {
  std::string url;
  std::string route;  // rate-limit and stats key, e.g. "/data/v2/trades"
  std::string host;   // rate-limit key shared by every route of a host, e.g. "data"
};

struct Response {
  long status = 0;  // 0 when no response arrived
  std::string body;
  BodyKind kind = BodyKind::kEmpty;
  int64_t date = 0;  // the server's clock (Date header), unix seconds; 0 when not sent
};

enum class Outcome {
  kOk,              // 2xx
  kClientError,     // a status that is not retried (4xx other than 429, 3xx)
  kServerError,     // 5xx or 429 until the retries ran out
  kTransportError,  // no usable response until the retries ran out, or a non-retryable cause
  kCancelled,       // the stop flag was set
};

// "ok", "client_error", "server_error", "transport_error" or "cancelled".
std::string_view OutcomeName(Outcome outcome);

struct Result {
  Outcome outcome = Outcome::kTransportError;
  Response response;  // the last response received (status 0 and empty after transport errors)
  std::string error;  // empty when ok; else one line naming the method, URL and cause
  int attempts = 0;   // requests actually sent

  bool ok() const { return outcome == Outcome::kOk; }
};

class Client {
 public:
  // `throttle`, `stats` and `stop` must outlive the Client.
  Client(Throttle& throttle, Stats& stats, const ClientOptions& options,
         const std::atomic<bool>& stop);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  Result Get(const Request& request);
  // Sends `json_body` with Content-Type application/json.
  Result Post(const Request& request, std::string_view json_body);

  // Hands a finished response body back so its capacity serves the next response, which saves
  // reallocating for large pages. Optional.
  void Recycle(std::string&& buffer);

 private:
  struct Transfer;  // the outcome of one attempt

  Result Call(const Request& request, const std::string_view* post_body);
  Transfer Perform(const Request& request, const std::string_view* post_body);
  Stats::Counters& CountersFor(const std::string& route);
  // Sleeps up to `seconds`; false if the stop flag cut it short.
  bool Sleep(double seconds) const;

  Throttle& throttle_;
  Stats& stats_;
  const ClientOptions options_;
  const std::atomic<bool>& stop_;

  struct Handle;                    // libcurl state and the receive buffer, reused across calls
  std::unique_ptr<Handle> handle_;  // never null; its easy handle is null if libcurl failed
  std::mt19937_64 rng_;             // jitter
  std::unordered_map<std::string, Stats::Counters*> counters_;
};

}  // namespace polypipe::http
