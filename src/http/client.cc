#include "http/client.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <optional>
#include <thread>

namespace polypipe::http {
namespace {

// libcurl's global state must be set up once before handles are made from several threads.
void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// A Content-Length larger than this is not trusted for reserving the buffer up front.
constexpr long long kMaxReserve = 64 << 20;

// How often a sleeping client looks at the stop flag.
constexpr auto kStopPoll = std::chrono::milliseconds(50);

// Transport failures that another try may cure. Anything else (a malformed URL, an unsupported
// scheme, a certificate that does not verify, out of memory) fails the call at once.
bool Retryable(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP2:
    case CURLE_PARTIAL_FILE:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
    case CURLE_QUIC_CONNECT_ERROR:
      return true;
    default:
      return false;
  }
}

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  }
  return true;
}

long Milliseconds(double seconds) {
  if (!std::isfinite(seconds) || seconds <= 0) return 0;
  return static_cast<long>(std::min(seconds, 1e6) * 1000);
}

// Keeps an error message on one line.
std::string OneLine(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

}  // namespace

struct Client::Handle {
  CURL* curl = nullptr;
  curl_slist* get_headers = nullptr;
  curl_slist* post_headers = nullptr;
  char error[CURL_ERROR_SIZE] = {};
  const std::atomic<bool>* stop = nullptr;

  // Filled by the callbacks during one attempt.
  std::string body;
  std::optional<double> retry_after;
  int64_t date = 0;  // the response's Date header, unix seconds; 0 when absent

  ~Handle() {
    if (curl != nullptr) curl_easy_cleanup(curl);
    curl_slist_free_all(get_headers);
    curl_slist_free_all(post_headers);
  }

  static size_t OnBody(char* data, size_t size, size_t count, void* self) {
    auto* h = static_cast<Handle*>(self);
    const size_t n = size * count;
    try {
      h->body.append(data, n);
    } catch (...) {
      return 0;  // libcurl fails the transfer with CURLE_WRITE_ERROR
    }
    return n;
  }

  static size_t OnHeader(char* data, size_t size, size_t count, void* self) {
    auto* h = static_cast<Handle*>(self);
    const size_t n = size * count;
    const std::string_view line(data, n);
    if (StartsWithNoCase(line, "http/")) {
      // A new status line (after a 100 Continue, say): earlier headers do not apply.
      h->retry_after.reset();
      h->date = 0;
    } else if (StartsWithNoCase(line, "date:")) {
      const time_t t = curl_getdate(std::string(line.substr(5)).c_str(), nullptr);
      h->date = t > 0 ? static_cast<int64_t>(t) : 0;
    } else if (StartsWithNoCase(line, "retry-after:")) {
      h->retry_after = ParseRetryAfter(line.substr(12), std::time(nullptr));
    } else if (StartsWithNoCase(line, "content-length:")) {
      const long long length = std::strtoll(std::string(line.substr(15)).c_str(), nullptr, 10);
      if (length > 0 && length <= kMaxReserve) {
        try {
          h->body.reserve(static_cast<size_t>(length));
        } catch (...) {
          // Reserving is only an optimisation.
        }
      }
    }
    return n;
  }

  static int OnProgress(void* self, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    const auto* h = static_cast<Handle*>(self);
    return h->stop->load(std::memory_order_relaxed) ? 1 : 0;
  }
};

struct Client::Transfer {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::string cause;  // for transport errors
};

std::string UserAgent(std::string_view version) {
  return fmt::format("polypipe/{}", version);
}

std::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kOk:
      return "ok";
    case Outcome::kClientError:
      return "client_error";
    case Outcome::kServerError:
      return "server_error";
    case Outcome::kTransportError:
      return "transport_error";
    case Outcome::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

Client::Client(Throttle& throttle, Stats& stats, const ClientOptions& options,
               const std::atomic<bool>& stop)
    : throttle_(throttle),
      stats_(stats),
      options_(options),
      stop_(stop),
      handle_(std::make_unique<Handle>()),
      rng_(std::random_device{}()) {
  InitCurlOnce();
  Handle& h = *handle_;
  h.stop = &stop_;
  h.curl = curl_easy_init();
  if (h.curl == nullptr) return;
  CURL* c = h.curl;
  const std::string agent = options_.user_agent.empty() ? "polypipe" : options_.user_agent;
  curl_easy_setopt(c, CURLOPT_USERAGENT, agent.c_str());  // libcurl copies option strings
  curl_easy_setopt(c, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // timeouts without signals, safe in threads
  curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");  // every encoding libcurl can decode
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, Milliseconds(options_.connect_timeout));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, Milliseconds(options_.timeout));
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options_.ca_bundle.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options_.ca_bundle.c_str());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h.error);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &Handle::OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &h);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &Handle::OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, &Handle::OnProgress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &h);
  h.get_headers = curl_slist_append(nullptr, "Accept: application/json");
  h.post_headers = curl_slist_append(nullptr, "Accept: application/json");
  h.post_headers = curl_slist_append(h.post_headers, "Content-Type: application/json");
  // Without this libcurl waits for a "100 Continue" before sending larger bodies.
  h.post_headers = curl_slist_append(h.post_headers, "Expect:");
}

Client::~Client() = default;

Result Client::Get(const Request& request) {
  return Call(request, nullptr);
}

Result Client::Post(const Request& request, std::string_view json_body) {
  return Call(request, &json_body);
}

void Client::Recycle(std::string&& buffer) {
  if (buffer.capacity() > handle_->body.capacity()) {
    buffer.clear();
    handle_->body.swap(buffer);
  }
}

Stats::Counters& Client::CountersFor(const std::string& route) {
  auto it = counters_.find(route);
  if (it == counters_.end()) it = counters_.emplace(route, &stats_.For(route)).first;
  return *it->second;
}

bool Client::Sleep(double seconds) const {
  if (!std::isfinite(seconds) || seconds <= 0) return !stop_.load();
  const auto until = std::chrono::steady_clock::now() +
                     std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                         std::chrono::duration<double>(std::min(seconds, 1e6)));
  while (!stop_.load()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= until) return true;
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(until - now, kStopPoll));
  }
  return false;
}

Client::Transfer Client::Perform(const Request& request, const std::string_view* post_body) {
  Handle& h = *handle_;
  Transfer t;
  h.body.clear();
  h.retry_after.reset();
  h.date = 0;
  h.error[0] = '\0';
  CURL* c = h.curl;
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  if (post_body != nullptr) {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, post_body->data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(post_body->size()));
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h.post_headers);
  } else {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h.get_headers);
  }
  t.code = curl_easy_perform(c);
  if (t.code == CURLE_OK) {
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &t.status);
  } else {
    t.cause = h.error[0] != '\0' ? OneLine(h.error) : curl_easy_strerror(t.code);
  }
  return t;
}

Result Client::Call(const Request& request, const std::string_view* post_body) {
  const char* method = post_body != nullptr ? "POST" : "GET";
  Result result;
  auto fail = [&](Outcome outcome, std::string_view cause) {
    result.outcome = outcome;
    result.error = OneLine(fmt::format("{} {}: {}", method, request.url, cause));
    return std::move(result);
  };
  if (handle_->curl == nullptr) return fail(Outcome::kTransportError, "libcurl failed to start");

  Stats::Counters& counters = CountersFor(request.route);
  const RetryPolicy& policy = options_.retry;
  const int max_failures = std::max(1, policy.max_attempts);
  const int max_limited = RateLimitedAttempts(policy);
  int failures = 0;   // 5xx and transport errors
  int limited = 0;    // 429s
  int throttled = 0;  // 429s and 503s in a row, for the backoff when there is no Retry-After

  while (true) {
    Throttle::Slot slot = throttle_.Acquire(request.route, request.host, stop_);
    if (!slot.acquired()) return fail(Outcome::kCancelled, "cancelled");
    ++result.attempts;
    counters.requests.fetch_add(1, std::memory_order_relaxed);
    if (result.attempts > 1) counters.retries.fetch_add(1, std::memory_order_relaxed);
    Transfer t = Perform(request, post_body);
    slot.Release();
    Handle& h = *handle_;
    counters.bytes_received.fetch_add(static_cast<int64_t>(h.body.size()),
                                      std::memory_order_relaxed);

    if (t.code != CURLE_OK) {
      result.response = Response{};
      if (t.code == CURLE_ABORTED_BY_CALLBACK && stop_.load()) {
        return fail(Outcome::kCancelled, "cancelled during the transfer");
      }
      counters.transport_errors.fetch_add(1, std::memory_order_relaxed);
      ++failures;
      throttled = 0;
      if (!Retryable(t.code)) return fail(Outcome::kTransportError, t.cause);
      if (failures >= max_failures) {
        return fail(Outcome::kTransportError,
                    fmt::format("{} (after {} attempts)", t.cause, result.attempts));
      }
      if (!Sleep(JitteredBackoff(policy, failures, rng_))) {
        return fail(Outcome::kCancelled, "cancelled");
      }
      continue;
    }

    result.response.status = t.status;
    result.response.kind = ClassifyBody(h.body);
    result.response.date = h.date;
    const long status = t.status;
    if (status >= 200 && status < 300) {
      counters.ok.fetch_add(1, std::memory_order_relaxed);
      result.outcome = Outcome::kOk;
      result.response.body = std::move(h.body);
      h.body.clear();  // a moved-from string is valid but unspecified
      return result;
    }

    const std::string status_cause =
        fmt::format("HTTP {} ({} body)", status, BodyKindName(result.response.kind));
    if (status == 429 || status == 503) {
      ++throttled;
      if (status == 429) {
        counters.rate_limited.fetch_add(1, std::memory_order_relaxed);
        ++limited;
      } else {
        counters.unavailable.fetch_add(1, std::memory_order_relaxed);
        ++failures;
      }
      if (limited >= max_limited || failures >= max_failures) {
        result.response.body = h.body;
        return fail(Outcome::kServerError,
                    fmt::format("{} (after {} attempts)", status_cause, result.attempts));
      }
      // Retry-After pauses every worker of the route, capped so that a bad header cannot stall
      // a run; without it the pause grows with each rate-limited answer in a row.
      const double delay = h.retry_after && *h.retry_after > 0
                               ? std::min(*h.retry_after, std::max(0.0, policy.max_delay))
                               : RateLimitBackoff(policy, throttled);
      throttle_.PauseFor(request.route, delay);
      // Cloudflare's own 429 ("error code: 1015", not JSON) limits the whole host (per IP).
      if (status == 429 && result.response.kind != BodyKind::kJson) {
        throttle_.PauseFor(request.host, delay);
      }
      continue;  // the next Acquire waits out the pause, watching the stop flag
    }

    throttled = 0;
    // Cloudflare's HTML block page (403) comes and goes at the edge (bursts, long query strings
    // near the limit): back off and ask again like a 5xx. A JSON 403 is the API's own answer.
    const bool blocked = status == 403 && result.response.kind == BodyKind::kHtml;
    if (status >= 500 || blocked) {
      (blocked ? counters.blocked : counters.server_errors).fetch_add(1, std::memory_order_relaxed);
      ++failures;
      if (failures >= max_failures) {
        result.response.body = h.body;
        return fail(Outcome::kServerError,
                    fmt::format("{} (after {} attempts)", status_cause, result.attempts));
      }
      if (!Sleep(JitteredBackoff(policy, failures, rng_))) {
        return fail(Outcome::kCancelled, "cancelled");
      }
      continue;
    }

    counters.client_errors.fetch_add(1, std::memory_order_relaxed);
    result.response.body = h.body;
    return fail(Outcome::kClientError, status_cause);
  }
}

}  // namespace polypipe::http
