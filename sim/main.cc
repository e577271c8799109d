// polysim: a faithful local Polymarket (CLOB, Data API, Gamma) for tests, demos and benchmarks.
// See DESIGN.md section 7 and README.md for routes, flags and control endpoints.

#include <fmt/core.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <string>

#include "sim/server.h"

namespace {

// Peak resident memory of this process so far, in kB (VmHWM), or -1 where /proc cannot tell.
int64_t PeakRssKb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtoll(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  const auto started = std::chrono::steady_clock::now();
  polysim::ServerOptions options;
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string port_file, dump_dir, mode = "reject-json";
  std::vector<std::string> rate_limits;
  bool official_limits = false;
  auto& u = options.universe;
  auto& f = options.traffic.faults;

  CLI::App app{"polysim: a simulated Polymarket (CLOB, Data API, Gamma) on loopback"};
  app.add_option("--host", host, "Address to bind (loopback only in tests)");
  app.add_option("--port", port, "Port; 0 picks a free one")->check(CLI::Range(0, 65535));
  app.add_option("--port-file", port_file, "Write the bound port to this file once listening");
  app.add_option("--seed", u.seed, "Universe seed");
  app.add_option("--markets", u.markets, "Number of markets")->check(CLI::Range(1, 5'000'000));
  app.add_option("--tags", u.tags, "Number of Gamma tags")->check(CLI::Range(1, 100'000));
  app.add_option("--wallets", u.wallets, "Number of wallets (0: markets/3, at least 20)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--mean-trades", u.mean_trades, "Mean trades of an ordinary market")
      ->check(CLI::Range(0.0, 1e9));
  app.add_option("--heavy-markets", u.heavy_markets, "Markets with --heavy-trades trades each")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--heavy-trades", u.heavy_trades, "Trades of each heavy market")
      ->check(CLI::Range(int64_t{1}, int64_t{4'000'000'000}));
  app.add_option("--history-days", u.history_days, "How far back market lives start")
      ->check(CLI::Range(3, 3650));
  app.add_option("--feed-window-days", u.feed_window_days,
                 "Days back the v2 trade feed reaches from the clock")
      ->check(CLI::Range(1, 36'500));
  app.add_option("--late-fills", u.late_fills,
                 "Share of new fills indexed late (served behind newer ones)")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--late-fill-delay", u.late_fill_max_delay,
                 "Longest indexing delay of a late fill, seconds (at least 60)")
      ->check(CLI::Range(int64_t{60}, int64_t{86'400 * 30}));
  app.add_option("--now", u.now, "Universe clock, unix seconds");
  app.add_option("--clob-page-size", options.serve.clob_page_size, "CLOB /markets page size")
      ->check(CLI::Range(1, 1'000'000));
  app.add_option("--v1-offset-cap", options.serve.v1_offset_cap, "Legacy /trades offset cap");
  app.add_option("--gamma-offset-cap", options.serve.gamma_offset_cap, "Gamma offset cap");
  app.add_option("--rate-limit", rate_limits,
                 "KEY=N/SECONDS, e.g. /data/v2/trades=50/1 or /clob=900/10 (repeatable)");
  app.add_flag("--official-limits", official_limits, "Apply the official per-10s limits");
  app.add_option("--rate-mode", mode, "reject-json | reject-cloudflare | delay | off")
      ->check(CLI::IsMember({"reject-json", "reject-cloudflare", "delay", "off"}));
  app.add_option("--fault-5xx", f.error_5xx, "Share of requests answered 5xx")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--fault-drop", f.drop, "Share of connections dropped mid-response")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--fault-truncate", f.truncate, "Share of bodies cut short")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--fault-403", f.html_403, "Share answered with an HTML 403 page")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--fault-403-match", f.html_403_matches,
                 "Answer every request whose query string or body holds TEXT with the HTML 403 "
                 "page (repeatable)");
  app.add_option("--fault-latency-ms", f.latency_ms, "Added latency")->check(CLI::Range(0, 60'000));
  app.add_option("--fault-latency-rate", f.latency_rate, "Share of requests delayed")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--fault-seed", f.seed, "Seed of the fault sequence");
  app.add_option("--hostile-rate", u.hostile_rate,
                 "Share of trades, board rows and CLOB markets served with hostile data")
      ->check(CLI::Range(0.0, 1.0));
  app.add_flag("--hostile-pages", u.hostile_pages,
               "Serve the first page of four leaderboard boards as broken JSON");
  app.add_option("--board-ties", u.board_tie_rate,
                 "Share of leaderboard positions tied with the one above")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--board-shifts", u.board_shift_rate,
                 "Share of boards over 100 rows that shift by one between their first two pages")
      ->check(CLI::Range(0.0, 1.0));
  bool no_gzip = false;
  app.add_flag("--no-gzip", no_gzip,
               "Serve JSON uncompressed even to clients that accept gzip (loopback benchmarks)");
  app.add_option("--threads", options.threads, "Connections served at once")
      ->check(CLI::Range(1, 1024));
  app.add_option("--dump", dump_dir, "Write every list page as JSON under DIR and exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "polysim: {}\n", e.what());
    return 2;
  }

  options.gzip = !no_gzip;
  if (f.error_5xx + f.drop + f.truncate + f.html_403 > 1.0) {
    fmt::print(stderr, "polysim: fault shares add up to more than 1\n");
    return 2;
  }
  polysim::ParseLimitMode(mode, &options.traffic.mode);
  if (official_limits) options.traffic.rules = polysim::OfficialRules();
  for (const auto& text : rate_limits) {
    polysim::RateRule rule;
    if (!polysim::ParseRateRule(text, &rule)) {
      fmt::print(stderr, "polysim: --rate-limit {}: expected KEY=N/SECONDS\n", text);
      return 2;
    }
    options.traffic.rules.push_back(rule);
  }
  if (options.traffic.rules.empty()) options.traffic.mode = polysim::LimitMode::kOff;

  if (!dump_dir.empty()) {
    try {
      polysim::Universe universe(options.universe);
      const int64_t files = polysim::DumpUniverse(universe, options.serve, dump_dir);
      fmt::print("polysim: wrote {} pages under {}\n", files, dump_dir);
      return 0;
    } catch (const std::exception& e) {
      fmt::print(stderr, "polysim: {}\n", e.what());
      return 1;
    }
  }

  // Block the stop signals before any thread starts, then wait for one of them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  polysim::Server server(options);
  const int bound = server.Start(host, port);
  if (bound < 0) {
    fmt::print(stderr, "polysim: cannot listen on {}:{}\n", host, port);
    return 1;
  }
  if (!port_file.empty()) {
    const std::string tmp = port_file + ".tmp";
    if (FILE* out = std::fopen(tmp.c_str(), "w")) {
      fmt::print(out, "{}\n", bound);
      std::fclose(out);
      std::rename(tmp.c_str(), port_file.c_str());
    }
  }
  fmt::print("polysim listening on http://{}:{} (seed {}, {} markets)\n", host, bound, u.seed,
             u.markets);
  // One line for benchmarks of the start-up: from process start to serving.
  const polysim::Universe& universe = server.universe();
  fmt::print(
      "polysim ready in {:.2f} s: {} markets, {} tokens, {} events, {} wallets, peak RSS {} kB\n",
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
      universe.market_count(), 2 * static_cast<int64_t>(universe.market_count()),
      universe.event_count(), universe.wallet_count(), PeakRssKb());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&stop, &sig);
  server.Stop();
  return 0;
}
