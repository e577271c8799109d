// polysim load benchmark: requests per second polysim serves over loopback with keep-alive,
// from 1 and 4 client connections, for 100-row pages (v2 trades and Gamma markets).
// Usage: sim_load [seconds-per-case]  (default 5). Prints one line per case.

#include <fmt/core.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "sim/server.h"

namespace {

struct Result {
  int64_t requests = 0, bytes = 0, failures = 0;
};

Result Load(int port, const std::vector<std::string>& paths, int connections, double seconds) {
  std::atomic<int64_t> requests{0}, bytes{0}, failures{0};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c) {
    threads.emplace_back([&, c] {
      httplib::Client client("127.0.0.1", port);
      client.set_keep_alive(true);
      for (size_t i = c; std::chrono::steady_clock::now() < deadline; ++i) {
        auto res = client.Get(paths[i % paths.size()]);
        if (!res || res->status != 200) {
          ++failures;
          continue;
        }
        ++requests;
        bytes += static_cast<int64_t>(res->body.size());
      }
    });
  }
  for (auto& t : threads) t.join();
  return {requests.load(), bytes.load(), failures.load()};
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 5.0;
  polysim::ServerOptions options;
  options.universe.markets = 2000;
  options.universe.heavy_trades = 200'000;
  options.threads = 8;
  polysim::Server server(options);
  const int port = server.Start("127.0.0.1", 0);
  if (port <= 0) {
    fmt::print(stderr, "sim_load: cannot bind\n");
    return 1;
  }

  // 100-row pages: the first 200 pages of the heavy market's trade feed, and Gamma market pages.
  httplib::Client client("127.0.0.1", port);
  const auto truth = nlohmann::json::parse(client.Get("/__sim/truth")->body);
  std::string heavy;
  for (auto& [cid, n] : truth["market_trades"].items()) {
    if (n.get<int64_t>() == options.universe.heavy_trades) heavy = cid;
  }
  std::vector<std::string> trade_pages;
  std::string cursor;
  for (int i = 0; i < 200; ++i) {
    const std::string path = "/data/v2/trades?limit=100&condition=" + heavy;
    trade_pages.push_back(cursor.empty() ? path : path + "&cursor=" + cursor);
    auto page = nlohmann::json::parse(client.Get(trade_pages.back())->body);
    cursor = page["pagination"]["next_cursor"].get<std::string>();
  }
  std::vector<std::string> gamma_pages;
  std::string after;
  for (int i = 0; i < 8; ++i) {
    const std::string path = "/gamma/markets/keyset?limit=100&closed=true";
    gamma_pages.push_back(after.empty() ? path : path + "&after_cursor=" + after);
    auto page = nlohmann::json::parse(client.Get(gamma_pages.back())->body);
    if (!page.contains("next_cursor")) break;
    after = page["next_cursor"].get<std::string>();
  }

  fmt::print("polysim load: {} s per case, keep-alive, loopback, {} cores\n", seconds,
             std::thread::hardware_concurrency());
  for (const auto& [name, paths] : {std::pair{"v2 trades, 100 rows", trade_pages},
                                    std::pair{"gamma markets, 100 rows", gamma_pages}}) {
    for (int connections : {1, 4}) {
      const Result r = Load(port, paths, connections, seconds);
      fmt::print("  {:24} {} conn: {:>8.0f} req/s  {:>7.1f} MB/s  failures {}\n", name, connections,
                 static_cast<double>(r.requests) / seconds,
                 static_cast<double>(r.bytes) / seconds / 1e6, r.failures);
    }
  }
  server.Stop();
  return 0;
}
