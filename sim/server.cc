#include "sim/server.h"

#include <fmt/format.h>
#include <httplib.h>
#include <zlib.h>

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <string_view>

#include "sim/json_writer.h"

namespace polysim {
namespace {

// Query parameters split at the first '=' only, so unencoded base64 cursors ("MA==") survive.
std::multimap<std::string, std::string> QueryParams(const std::string& target) {
  std::multimap<std::string, std::string> params;
  const size_t q = target.find('?');
  if (q == std::string::npos) return params;
  size_t start = q + 1;
  while (start < target.size()) {
    size_t amp = target.find('&', start);
    if (amp == std::string::npos) amp = target.size();
    const std::string pair = target.substr(start, amp - start);
    if (!pair.empty()) {
      const size_t eq = pair.find('=');
      const std::string key = pair.substr(0, eq);
      const std::string value = eq == std::string::npos ? "" : pair.substr(eq + 1);
      params.emplace(httplib::detail::decode_url(key, true),
                     httplib::detail::decode_url(value, true));
    }
    start = amp + 1;
  }
  return params;
}

SimRequest ToSim(const httplib::Request& req, size_t prefix) {
  SimRequest r;
  r.path = req.path.substr(prefix);
  r.params = QueryParams(req.target);
  r.body = req.body;
  return r;
}

SimResponse RateLimited(LimitMode mode, const std::string& service, int retry_after,
                        const SimRequest& r) {
  SimResponse resp;
  resp.status = 429;
  if (mode == LimitMode::kRejectCloudflare) {
    resp.content_type = "text/plain; charset=UTF-8";
    resp.body = "error code: 1015";
    return resp;
  }
  JsonWriter w(resp.body);
  if (service == "/data") {
    w.BeginObject().Field("error", "Too many requests, retry later").Field("code", "rate_limited");
    w.Field("retryable", true).Field("trace_id", TraceId(r)).EndObject();
  } else if (service == "/gamma") {
    w.BeginObject()
        .Field("type", "rate limit error")
        .Field("error", "Too Many Requests")
        .EndObject();
  } else {
    w.BeginObject().Field("error", "Too Many Requests").EndObject();
  }
  resp.headers.emplace_back("Retry-After", std::to_string(retry_after));
  return resp;
}

SimResponse ServerError(uint64_t n, const SimRequest& r) {
  SimResponse resp;
  switch (n % 3) {
    case 0:
      resp.status = 500;
      JsonWriter(resp.body)
          .BeginObject()
          .Field("error", "internal error")
          .Field("code", "internal")
          .Field("retryable", true)
          .Field("trace_id", TraceId(r))
          .EndObject();
      break;
    case 1:
      resp.status = 502;
      resp.content_type = "text/html";
      resp.body =
          "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad "
          "Gateway</h1></center><hr><center>cloudflare</center></body></html>\n";
      break;
    default:
      resp.status = 503;
      JsonWriter(resp.body)
          .BeginObject()
          .Field("error", "upstream timed out")
          .Field("code", "request_timeout")
          .Field("retryable", true)
          .Field("trace_id", TraceId(r))
          .EndObject();
      resp.headers.emplace_back("Retry-After", "1");
  }
  return resp;
}

// RFC 7231 date: "Sun, 06 Nov 1994 08:49:37 GMT".
std::string HttpDate(int64_t t) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  // Calendar arithmetic rather than gmtime_r, which touches libc's time-zone state (its first call
  // races with any other thread's tzset, e.g. DuckDB opening beside the server).
  using namespace std::chrono;
  const sys_seconds at{seconds{t}};
  const sys_days day = floor<days>(at);
  const year_month_day ymd{day};
  const hh_mm_ss<seconds> hms{at - day};
  return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT", kDays[weekday{day}.c_encoding()],
                     static_cast<unsigned>(ymd.day()),
                     kMonths[static_cast<unsigned>(ymd.month()) - 1], static_cast<int>(ymd.year()),
                     hms.hours().count(), hms.minutes().count(), hms.seconds().count());
}

// Where the pre-routing handler keeps whether the client accepts gzip, once it has taken
// Accept-Encoding out of httplib's sight.
constexpr char kAcceptsGzip[] = "X-Polysim-Accepts-Gzip";

// True when an Accept-Encoding value lists gzip (or *) without q=0.
bool AcceptsGzip(std::string_view header) {
  std::string text;
  for (char c : header) {
    if (c != ' ') text.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  size_t start = 0;
  while (start < text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    const std::string item = text.substr(start, comma - start);
    const std::string coding = item.substr(0, item.find(';'));
    const size_t q = item.find(";q=");
    const bool refused = q != std::string::npos && std::strtod(item.c_str() + q + 3, nullptr) == 0;
    if ((coding == "gzip" || coding == "*") && !refused) return true;
    start = comma + 1;
  }
  return false;
}

// Gzip at level 1: a page costs a few milliseconds, so a client that asks for compression does not
// make the simulator its bottleneck. Returns nullopt if zlib fails.
std::optional<std::string> Gzip(std::string_view in) {
  z_stream z{};
  if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return std::nullopt;
  std::string out(deflateBound(&z, static_cast<uLong>(in.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return std::nullopt;
  return out;
}

// Response::set_content with the body moved in, not copied (a detailed truth of a universe of
// the real size is hundreds of MB).
void SetContent(httplib::Response& res, std::string body, const std::string& content_type) {
  res.body = std::move(body);
  res.headers.erase("Content-Type");
  res.set_header("Content-Type", content_type);
}

void Send(const httplib::Request& req, SimResponse s, httplib::Response& res) {
  res.status = s.status;
  for (const auto& [k, v] : s.headers) res.set_header(k, v);
  const bool json = s.content_type.rfind("application/json", 0) == 0;
  if (json && !s.body.empty() && req.has_header(kAcceptsGzip)) {
    if (auto packed = Gzip(s.body)) {
      s.body = std::string();  // freed before the packed copy is handed over
      res.set_header("Content-Encoding", "gzip");
      res.set_header("Vary", "Accept-Encoding");
      SetContent(res, std::move(*packed), s.content_type);
      return;
    }
  }
  SetContent(res, std::move(s.body), s.content_type);
}

// The query string of a request target, without the '?'.
std::string_view QueryString(const std::string& target) {
  const size_t q = target.find('?');
  return q == std::string::npos ? std::string_view() : std::string_view(target).substr(q + 1);
}

}  // namespace

Server::Server(const ServerOptions& options)
    : options_(options),
      universe_(options.universe),
      traffic_(options.traffic),
      http_(std::make_unique<httplib::Server>()) {
  Routes();
}

Server::~Server() {
  Stop();
}

void Server::Routes() {
  httplib::Server& h = *http_;
  const int threads = options_.threads;
  h.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  h.set_tcp_nodelay(true);  // without it every keep-alive response waits ~40 ms (Nagle)
  h.set_keep_alive_max_count(1'000'000);
  h.set_keep_alive_timeout(30);
  h.set_payload_max_length(1 << 20);
  // The real services gzip their JSON for clients that accept it; Send() does so at a fast level.
  // httplib must never see Accept-Encoding: it would pick Brotli at its slowest quality (about 1 s
  // per 400 KB page) and make the simulator the bottleneck of every run.
  h.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response&) {
    auto& headers = const_cast<httplib::Request&>(req).headers;
    const bool gzip = options_.gzip && AcceptsGzip(req.get_header_value("Accept-Encoding"));
    headers.erase("Accept-Encoding");
    headers.erase(kAcceptsGzip);
    if (gzip) headers.emplace(kAcceptsGzip, "1");
    return httplib::Server::HandlerResponse::Unhandled;
  });

  // An API route: traffic rules first, then the route, then response faults.
  auto api = [this](const std::string& service, const std::string& route, auto handler) {
    return [this, service, route, handler](const httplib::Request& req, httplib::Response& res) {
      const SimRequest r = ToSim(req, service.size());
      const auto admission = traffic_.Admit(route, service);
      if (!admission.allowed) {
        Send(req, RateLimited(traffic_.options().mode, service, admission.retry_after_seconds, r),
             res);
        return;
      }
      if (traffic_.Blocked(route, QueryString(req.target), req.body)) {
        Send(req, CloudflareBlockPage(), res);
        return;
      }
      const Fault fault = traffic_.DrawFault(route);
      static std::atomic<uint64_t> errors{0};
      switch (fault) {
        case Fault::kError5xx:
          Send(req, ServerError(errors++, r), res);
          return;
        case Fault::kHtml403:
          Send(req, CloudflareBlockPage(), res);
          return;
        default:
          break;
      }
      SimResponse resp = handler(r);
      if (fault == Fault::kTruncate && resp.body.size() > 1) resp.body.resize(resp.body.size() / 2);
      if (fault == Fault::kDrop) {
        // Promise a body, send none, and close: the client sees the connection drop.
        res.status = resp.status;
        res.set_content_provider(resp.body.size() + 1, resp.content_type,
                                 [](size_t, size_t, httplib::DataSink&) { return false; });
        return;
      }
      Send(req, std::move(resp), res);
    };
  };
  const Universe& u = universe_;
  const ServeOptions& o = options_.serve;

  h.Get("/clob/markets", api("/clob", "/clob/markets",
                             [&u, &o](const SimRequest& r) { return ClobMarkets(u, o, r); }));
  h.Get(R"(/clob/markets/([^/]+))",
        api("/clob", "/clob/markets/{condition_id}", [&u](const SimRequest& r) {
          return ClobMarket(u, r, r.path.substr(std::string("/markets/").size()));
        }));
  h.Get("/clob/prices-history", api("/clob", "/clob/prices-history",
                                    [&u](const SimRequest& r) { return ClobPricesHistory(u, r); }));
  h.Post("/clob/batch-prices-history",
         api("/clob", "/clob/batch-prices-history",
             [&u](const SimRequest& r) { return ClobBatchPricesHistory(u, r); }));
  h.Get("/data/v2/trades",
        api("/data", "/data/v2/trades", [&u](const SimRequest& r) { return DataTradesV2(u, r); }));
  h.Get("/data/trades", api("/data", "/data/trades",
                            [&u, &o](const SimRequest& r) { return DataTradesV1(u, o, r); }));
  h.Get("/data/v1/leaderboard", api("/data", "/data/v1/leaderboard",
                                    [&u](const SimRequest& r) { return DataLeaderboard(u, r); }));
  h.Get("/gamma/markets/keyset",
        api("/gamma", "/gamma/markets/keyset",
            [&u, &o](const SimRequest& r) { return GammaMarketsKeyset(u, o, r); }));
  h.Get("/gamma/events/keyset",
        api("/gamma", "/gamma/events/keyset",
            [&u, &o](const SimRequest& r) { return GammaEventsKeyset(u, o, r); }));
  h.Get("/gamma/markets", api("/gamma", "/gamma/markets", [&u, &o](const SimRequest& r) {
          return GammaMarketsOffset(u, o, r);
        }));
  h.Get("/gamma/events", api("/gamma", "/gamma/events",
                             [&u, &o](const SimRequest& r) { return GammaEventsOffset(u, o, r); }));
  h.Get("/gamma/tags",
        api("/gamma", "/gamma/tags", [&u](const SimRequest& r) { return GammaTags(u, r); }));

  // Control routes: never limited, never faulted.
  h.Get("/__sim/health", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(fmt::format("{{\"status\":\"ok\",\"seed\":{},\"now\":{}}}", universe_.seed(),
                                universe_.now()),
                    "application/json");
  });
  h.Get("/__sim/truth", [this](const httplib::Request& req, httplib::Response& res) {
    Send(req, Truth(universe_, ToSim(req, 0)), res);
  });
  h.Get("/__sim/stats", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(traffic_.StatsJson(), "application/json");
  });
  h.Post("/__sim/advance", [this](const httplib::Request& req, httplib::Response& res) {
    auto seconds = ParseInt(ToSim(req, 0).Get("seconds"));
    if (!seconds || *seconds < 0) {
      res.status = 400;
      res.set_content(R"({"error":"seconds must be a non-negative integer"})", "application/json");
      return;
    }
    universe_.AdvanceClock(*seconds);
    res.set_content(fmt::format("{{\"now\":{}}}", universe_.now()), "application/json");
  });
  // Every answer carries the universe's clock as its Date, as a real server carries its own:
  // clients judge the trade feed's three-year reach by it.
  h.set_post_routing_handler([this](const httplib::Request&, httplib::Response& res) {
    res.set_header("Date", HttpDate(universe_.now()));
  });
  h.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty()) {
      res.set_content(
          fmt::format("{{\"error\":\"{}\"}}", res.status == 404 ? "not found" : "error"),
          "application/json");
    }
  });
}

int Server::Start(const std::string& host, int port) {
  int bound = port;
  if (port == 0) {
    bound = http_->bind_to_any_port(host);
  } else if (!http_->bind_to_port(host, port)) {
    bound = -1;
  }
  if (bound <= 0) return -1;
  thread_ = std::thread([this] { http_->listen_after_bind(); });
  // httplib's stop() does nothing until the listen loop has begun, so a Stop() that came first
  // would leave the loop running and the join waiting forever: return only once it runs.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!http_->is_running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return bound;
}

void Server::Stop() {
  http_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace polysim
