#include "fetch/coordinator.h"

#include <fmt/core.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "api/clob_api.h"
#include "api/data_api.h"
#include "api/gamma_api.h"
#include "bronze/store.h"
#include "bronze/thousands.h"
#include "fetch/compaction.h"
#include "fetch/context.h"
#include "fetch/gamma_fetcher.h"
#include "fetch/leaderboard_fetcher.h"
#include "fetch/market_list.h"
#include "fetch/markets_fetcher.h"
#include "fetch/prices_fetcher.h"
#include "fetch/run_log.h"
#include "fetch/sweep.h"
#include "fetch/trades_fetcher.h"

namespace polypipe::fetch {
namespace {

using bronze::Thousands;
using Clock = std::chrono::steady_clock;

struct Wants {
  bool markets = false, trades = false, prices = false, leaderboard = false, gamma = false;
};

Wants ForMode(const std::string& mode) {
  Wants w;
  const bool all = mode == "all";
  w.markets = all || mode == "markets";
  w.trades = all || mode == "trades";
  w.prices = all || mode == "prices";
  w.leaderboard = all || mode == "leaderboard";
  w.gamma = all || mode == "gamma";
  return w;
}

int Workers(const FetchConfig& config, const std::string& kind) {
  auto it = config.workers.find(kind);
  return it == config.workers.end() ? 1 : it->second;
}

// The live display / periodic log line, and the figures of the summary and the report.
class Progress {
 public:
  Progress(Context& ctx, Console& console) : ctx_(ctx), console_(console), start_(Clock::now()) {}

  // `live`: req/s over the last few seconds (the display); otherwise the run's average.
  std::vector<std::string> Lines(bool live = false) {
    const double elapsed = Seconds();
    const auto routes = ctx_.http_stats().Snapshot();
    if (live && elapsed - sample_at_ >= 3) {
      last_sample_ = sample_;
      last_sample_at_ = sample_at_;
      for (const auto& [route, s] : routes) sample_[route] = s.requests;
      sample_at_ = elapsed;
    }
    std::vector<std::string> lines;
    for (const std::string& name : ctx_.datasets()) {
      DatasetCounters& c = ctx_.counters(name);
      std::string line = fmt::format("  {:<17} {:>12} rows {:>9} pages", name, Thousands(c.rows),
                                     Thousands(c.pages));
      const int64_t total = c.units_total, done = c.units_done;
      if (c.counting) {
        line += fmt::format("  {}/{}+ streams (planning)", Thousands(done), Thousands(total));
      } else if (total > 0) {
        line += fmt::format("  {}/{} streams", Thousands(done), Thousands(total));
        if (done > 0 && done < total) {
          line += fmt::format("  ETA {:.0f}s", elapsed * static_cast<double>(total - done) /
                                                   static_cast<double>(done));
        }
      }
      if (c.skipped > 0) line += fmt::format("  skipped {}", Thousands(c.skipped));
      lines.push_back(std::move(line));
    }
    for (const auto& [route, s] : routes) {
      double rate = static_cast<double>(s.requests) / std::max(elapsed, 1e-3);
      if (live && sample_at_ > last_sample_at_) {
        const auto before = last_sample_.find(route);
        const auto now = sample_.find(route);
        rate = static_cast<double>((now == sample_.end() ? 0 : now->second) -
                                   (before == last_sample_.end() ? 0 : before->second)) /
               (sample_at_ - last_sample_at_);
      }
      lines.push_back(fmt::format("  {:<27} {:>8.1f} req/s {:>9} requests  429s {}  retries {}",
                                  route, rate, Thousands(s.requests), s.rate_limited, s.retries));
    }
    return lines;
  }

  std::string OneLine() {
    const http::RouteStats total = ctx_.http_stats().Total();
    std::string line = fmt::format("progress {:.0f}s:", Seconds());
    for (const std::string& name : ctx_.datasets()) {
      line += fmt::format(" {} {}", name, Thousands(ctx_.counters(name).rows));
    }
    line += fmt::format("; {} requests, {} 429s, {} retries", Thousands(total.requests),
                        total.rate_limited, total.retries);
    return line;
  }

  void Tick() {
    if (console_.live()) {
      console_.Draw(Lines(/*live=*/true));
    } else if (Clock::now() - last_line_ >= std::chrono::seconds(5)) {
      last_line_ = Clock::now();
      console_.Log(OneLine());
    }
  }

  double Seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

  nlohmann::json Report() {
    nlohmann::json datasets = nlohmann::json::object();
    for (const std::string& name : ctx_.datasets()) {
      DatasetCounters& c = ctx_.counters(name);
      datasets[name] = {{"rows", c.rows.load()},
                        {"pages", c.pages.load()},
                        {"skipped", c.skipped.load()},
                        {"skip_reasons", c.skip_reasons.Snapshot()},
                        {"left_out", c.left_out.Snapshot()},
                        {"anomalies", c.anomalies.Snapshot()},
                        {"bad_pages", c.bad_pages.load()},
                        {"stream_errors", c.stream_errors.load()},
                        {"streams_done", c.units_done.load()},
                        {"streams_planned", c.units_total.load()},
                        {"planning_complete", !c.counting.load()}};
    }
    nlohmann::json routes = nlohmann::json::object();
    for (const auto& [route, s] : ctx_.http_stats().Snapshot()) {
      routes[route] = {{"requests", s.requests},
                       {"ok", s.ok},
                       {"rate_limited", s.rate_limited},
                       {"unavailable", s.unavailable},
                       {"server_errors", s.server_errors},
                       {"blocked", s.blocked},
                       {"client_errors", s.client_errors},
                       {"transport_errors", s.transport_errors},
                       {"retries", s.retries},
                       {"bytes", s.bytes_received}};
    }
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return {{"datasets", datasets},
            {"http", routes},
            {"seconds", Seconds()},
            {"peak_rss_bytes", static_cast<int64_t>(usage.ru_maxrss) * 1024}};
  }

 private:
  Context& ctx_;
  Console& console_;
  Clock::time_point start_;
  Clock::time_point last_line_ = Clock::now();
  // Request counts per route at the last two samples (seconds since start), for live rates.
  std::map<std::string, int64_t> sample_, last_sample_;
  double sample_at_ = 0, last_sample_at_ = 0;
};

// Sweeps Gamma lists with up to `workers` threads; marks the dataset's snapshot complete when
// all are. True if complete.
bool FetchGammaLists(Context& ctx, std::vector<GammaList> lists, const std::string& dataset,
                     int workers) {
  const bool complete =
      ctx.RunTasks(lists.size(), workers, [&](http::Client& client, api::Parser& parser, size_t i) {
        return FetchGammaList(ctx, client, parser, lists[i]);
      });
  return complete && MarkSnapshotComplete(ctx, dataset);
}

}  // namespace

int RunFetch(const FetchConfig& config, const FetchOptions& options, std::atomic<bool>& stop,
             const std::atomic<bool>& interrupted) {
  std::unique_ptr<bronze::Store> store;
  bronze::StoreOptions store_options;
  store_options.checkpoint_every = config.log.checkpoint_every;
  store_options.log_retention = config.log.log_retention;
  if (bronze::Status s = bronze::Store::Open(config.data_dir, &store, store_options); !s.ok()) {
    fmt::print(stderr, "polypipe fetch: {}\n", s.message());
    return kExitFailure;
  }
  PlanningSession::RemoveLeftovers(config.data_dir);
  const bronze::RecoveryReport& recovered = store->recovery();
  std::string error;
  auto run = RunLog::Begin(config.data_dir, options.mode, options.fresh, &error);
  if (!run) {
    fmt::print(stderr, "polypipe fetch: {}\n", error);
    return kExitFailure;
  }
  Console console(isatty(STDERR_FILENO) == 1);
  Context ctx(config, *store, stop, run->run_id(), run->started_at_us(), options.limit,
              options.fresh, console);
  ctx.Log(fmt::format("{} run {} (mode {}) into {}", run->resumed() ? "resuming" : "starting",
                      run->run_id(), options.mode, config.data_dir));
  if (recovered.files_rolled_forward + recovered.staged_files_deleted +
      recovered.temp_logs_deleted) {
    ctx.Log(
        fmt::format("recovered an interrupted write: {} files rolled forward, {} staged files "
                    "and {} partial commit records removed",
                    recovered.files_rolled_forward, recovered.staged_files_deleted,
                    recovered.temp_logs_deleted));
  }
  if (auto e = run->Save("running")) {
    fmt::print(stderr, "polypipe fetch: {}\n", *e);
    return kExitFailure;
  }

  const Wants wants = ForMode(options.mode);
  // Trades and prices plan from the committed market list (and Gamma's dates): fetch those lists
  // too when there is none yet.
  const bool need_list = wants.markets || ((wants.trades || wants.prices) &&
                                           CompleteSnapshotRun(ctx, "markets").empty());
  const bool need_gamma_markets =
      wants.gamma || (wants.prices && CompleteSnapshotRun(ctx, "gamma_markets").empty());
  if (need_list) {
    ctx.OpenSink(api::ClobMarketsSchema());
    ctx.OpenSink(api::MarketTokensSchema());
  }
  if (need_gamma_markets) ctx.OpenSink(api::GammaMarketsSchema());
  if (wants.gamma) {
    ctx.OpenSink(api::GammaEventsSchema());
    ctx.OpenSink(api::GammaCategoriesSchema());
  }
  if (wants.leaderboard) ctx.OpenSink(api::LeaderboardSchema());
  if (wants.trades) ctx.OpenSink(api::TradesSchema());
  if (wants.prices) ctx.OpenSink(api::PricesSchema());

  // --timeout and the progress display.
  std::atomic<bool> timed_out{false};
  std::atomic<bool> finished{false};
  Progress progress(ctx, console);
  std::thread ticker([&] {
    const auto deadline = Clock::now() + std::chrono::duration<double>(options.timeout);
    while (!finished.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      if (options.timeout > 0 && Clock::now() >= deadline && !stop.load()) {
        timed_out = true;
        stop = true;
      }
      progress.Tick();
    }
  });

  std::atomic<bool> complete{true};
  auto require = [&](bool ok) {
    if (!ok) complete = false;
  };

  // Phase 1: the snapshot lists. Trades and prices (phase 2) wait for the market list and Gamma's
  // markets only; the leaderboard and the other Gamma lists run on beside them.
  std::vector<std::thread> lists, others;
  if (need_list) lists.emplace_back([&] { require(FetchMarkets(ctx)); });
  if (need_gamma_markets) {
    lists.emplace_back([&] {
      require(FetchGammaLists(ctx, {GammaList::kMarketsOpen, GammaList::kMarketsClosed},
                              "gamma_markets", Workers(config, "gamma")));
    });
  }
  if (wants.gamma) {
    others.emplace_back([&] {
      require(FetchGammaLists(ctx, {GammaList::kEventsOpen, GammaList::kEventsClosed},
                              "gamma_events", Workers(config, "gamma")));
      require(FetchGammaLists(ctx, {GammaList::kTags}, "gamma_categories", 1));
    });
  }
  if (wants.leaderboard) {
    others.emplace_back([&] { require(FetchLeaderboard(ctx, Workers(config, "leaderboard"))); });
  }
  for (auto& t : lists) t.join();
  for (const char* name : {"markets", "market_tokens", "gamma_markets"}) {
    const bool opened = std::string(name) == "gamma_markets" ? need_gamma_markets : need_list;
    if (!opened || ctx.stopping()) continue;
    if (bronze::Status s = ctx.sink(name).Flush(); !s.ok()) ctx.Fatal(s.message());
  }

  // Phase 2: trades and prices from the committed list.
  if ((wants.trades || wants.prices) && !ctx.stopping()) {
    // Trades and prices plan side by side, each in its own session.
    std::unique_ptr<PlanningSession> trades_list, prices_list;
    bronze::Status s = wants.trades ? PlanningSession::Open(ctx, false, &trades_list)
                                    : PlanningSession::Open(ctx, true, &prices_list);
    if (s.ok() && wants.trades && wants.prices) s = PlanningSession::Open(ctx, true, &prices_list);
    if (!s.ok()) {
      if (!ctx.stopping()) ctx.Fatal(s.message());
    } else {
      const PlanningSession& list = trades_list ? *trades_list : *prices_list;
      ctx.Log(list.parts() == 1 ? fmt::format("{} markets in the list", Thousands(list.markets()))
                                : fmt::format("{} markets in the list, planned in {} parts",
                                              Thousands(list.markets()), list.parts()));
      // Markets with a start date and a known book are planned at once; the others wait for the
      // trades, which may date them (the oldest trade) or show that they traded (so have a book).
      std::vector<std::thread> jobs;
      if (wants.trades) {
        jobs.emplace_back(
            [&] { require(FetchTrades(ctx, *trades_list, Workers(config, "trades"))); });
      }
      if (wants.prices) {
        jobs.emplace_back([&] {
          require(FetchPrices(ctx, *prices_list, /*dated=*/true, Workers(config, "prices")));
        });
      }
      for (auto& t : jobs) t.join();
      if (wants.prices && !ctx.stopping()) {
        // The trades of these markets are committed by now.
        if (wants.trades) {
          if (bronze::Status f = ctx.sink("trades").Flush(); !f.ok()) ctx.Fatal(f.message());
        }
        require(FetchPrices(ctx, *prices_list, /*dated=*/false, Workers(config, "prices")));
      }
    }
  }
  for (auto& t : others) t.join();

  // Commit what is buffered, whatever happened; then the compaction beside the fetch ends.
  if (bronze::Status s = ctx.CloseSinks(); !s.ok()) ctx.Fatal(s.message());
  ctx.compaction().Stop();
  finished = true;
  ticker.join();
  console.Clear();
  nlohmann::json compaction;
  // Not after a stop: --timeout and signals ask for the run to end now.
  if (!ctx.fatal() && !interrupted.load() && !timed_out.load() &&
      config.compact.auto_max_small_files > 0) {
    compaction = CompactSmallFiles(ctx, *store, config, run->run_id(), console);
  }

  const auto fatal = ctx.fatal();
  const auto stream_errors = ctx.stream_errors();
  const int64_t failed_units = ctx.failed_unit_count();
  std::string state = "finished";
  int code = kExitOk;
  if (fatal) {
    state = "failed";
    code = kExitFailure;
  } else if (interrupted.load()) {
    state = "interrupted";
    code = kExitInterrupted;
  } else if (timed_out.load()) {
    state = "timed_out";
  } else if (failed_units > 0) {
    // Finished: the next invocation is a new run that retries the failed units beside its
    // normal work, so a unit that fails for ever never holds the others back.
    state = "finished_with_failures";
    code = kExitFailure;
  } else if (!complete.load()) {
    state = "incomplete";
    code = kExitFailure;
  }
  nlohmann::json& report = run->report();
  report.update(progress.Report());
  report["errors"] = stream_errors;
  report["failed_unit_count"] = failed_units;
  nlohmann::json units = nlohmann::json::array();
  for (const FailedUnit& u : ctx.failed_units()) units.push_back(u.ToJson());
  report["failed_units"] = std::move(units);
  report["trades_settings"] = {{"filter_type", config.trades.filter_type},
                               {"filter_amount", config.trades.filter_amount},
                               {"feed_window_days", config.trades.feed_window_days},
                               {"lag_seconds", config.trades.lag_seconds}};
  if (fatal) report["fatal"] = *fatal;
  if (!compaction.is_null()) report["compaction"] = compaction;
  const nlohmann::json compacted_while_fetching = ctx.compaction().Report();
  if (!compacted_while_fetching.is_null()) {
    report["compaction_while_fetching"] = compacted_while_fetching;
  }
  const std::optional<std::string> report_error = run->Save(state);
  if (report_error) code = kExitFailure;

  // The end-of-run summary.
  std::string summary =
      fmt::format("run {} {} after {:.1f}s\n", run->run_id(), state, progress.Seconds());
  for (const std::string& line : progress.Lines()) summary += line + "\n";
  if (!compaction.is_null()) {
    summary += fmt::format(
        "  compacted {} small files into {} in {} partition(s){}\n",
        Thousands(compaction["files_in"].get<int64_t>()),
        Thousands(compaction["files_out"].get<int64_t>()),
        Thousands(compaction["partitions"].get<int64_t>()),
        compaction["failures"].empty()
            ? ""
            : fmt::format("; {} partition(s) failed (run report)", compaction["failures"].size()));
  }
  if (!compacted_while_fetching.is_null()) {
    const nlohmann::json& c = compacted_while_fetching;
    summary += fmt::format(
        "  compacted {} small files into {} while fetching{}\n",
        Thousands(c["files_in"].get<int64_t>()), Thousands(c["files_out"].get<int64_t>()),
        c["failures"].empty()
            ? ""
            : fmt::format("; {} partition(s) failed (run report)", c["failures"].size()));
  }
  std::fputs(summary.c_str(), stdout);
  std::fflush(stdout);
  // One line for the failure: a report that cannot be saved after a fatal error (a full disk
  // fails both) is mentioned on the fatal error's line.
  if (fatal) {
    fmt::print(stderr, "polypipe fetch: {}{}\n", *fatal,
               report_error ? " (the run report could not be saved either)" : "");
  } else if (report_error) {
    fmt::print(stderr, "polypipe fetch: {}\n", *report_error);
  }
  if (state == "finished_with_failures") {
    fmt::print(stderr,
               "polypipe fetch: {} unit(s) of work failed (listed in {}/_runs/{}.json and by "
               "`polypipe status`); the next run retries them\n",
               failed_units, config.data_dir, run->run_id());
  } else if (state == "incomplete") {
    fmt::print(stderr,
               "polypipe fetch: the run is incomplete (see the log above and {}/_runs/{}.json); "
               "rerun to resume it\n",
               config.data_dir, run->run_id());
  }
  if (state == "interrupted" || state == "timed_out") {
    fmt::print(stderr,
               "polypipe fetch: stopped ({}); everything fetched so far is committed, rerun to "
               "resume run {}\n",
               state == "interrupted" ? "interrupted" : "--timeout", run->run_id());
  }
  return code;
}

}  // namespace polypipe::fetch
