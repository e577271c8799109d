// Context: what every dataset fetcher of one run shares — settings, the stop flag, the HTTP
// throttle and counters, the open Bronze store with one Sink per dataset, per-dataset counters,
// and the run's error record.
//
// Errors come in two kinds. A stream error (a 4xx, a page the parser rejects on every attempt)
// ends that stream only: it is logged, counted, and its progress stays where it was, so the next
// run retries it; the run is then not finished. A fatal error (a host that stays unreachable or
// keeps failing, a Bronze write that fails) stops the whole fetch.
//
// Thread-safety: all methods may be called concurrently.

#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/lineage.h"
#include "api/parser.h"
#include "api/skip.h"
#include "bronze/sink.h"
#include "bronze/store.h"
#include "fetch/compaction.h"
#include "fetch/config.h"
#include "fetch/console.h"
#include "http/client.h"
#include "http/stats.h"
#include "http/throttle.h"

namespace polypipe::fetch {

// Counts by key (a reason, a kind of oddity), safe to add to from any thread.
class Tally {
 public:
  // Adds n to `key`; returns its count before.
  int64_t Add(const std::string& key, int64_t n = 1);
  std::map<std::string, int64_t> Snapshot() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, int64_t> counts_;
};

// Live counters of one dataset, for the progress display and the run report.
class DatasetCounters {
 public:
  std::atomic<int64_t> rows{0};         // rows handed to the Sink
  std::atomic<int64_t> pages{0};        // pages parsed
  std::atomic<int64_t> skipped{0};      // rows the parser refused
  std::atomic<int64_t> units_done{0};   // streams finished (markets, tokens, boards, sweeps)
  std::atomic<int64_t> units_total{0};  // streams planned; 0 while unknown
  // Planning goes on beside the fetch: units_total grows part by part until this is false.
  std::atomic<bool> counting{false};
  std::atomic<int64_t> stream_errors{0};
  std::atomic<int64_t> bad_pages{0};  // 200 responses the parser rejected (asked again)
  Tally skip_reasons;                 // skipped rows by reason
  // Units (markets, tokens) the run leaves out or cannot complete, by reason ("no_book",
  // "out_of_window", "failed", ...): nothing is left out without being counted.
  Tally left_out;
  // Oddities in what was served that are kept as served (e.g. a wallet listed twice in one
  // leaderboard snapshot, late fills caught by the overlap).
  Tally anomalies;

  // Counts a skipped row by reason; returns how many samples of this reason were already logged.
  int64_t AddSkip(const std::string& reason);
};

// A unit of work (a market's trades, a group of tokens' prices, a board, a sweep) that failed
// after its retries: recorded in the run report and `status`, retried by the next run.
struct FailedUnit {
  std::string dataset;
  std::string unit;   // condition id, token ids, board or URL
  std::string route;  // rate-limit route name, e.g. "data_v2_trades"
  long status = 0;    // last HTTP status; 0 when no response came
  std::string error;  // one line: what failed, with a line of the body

  nlohmann::json ToJson() const;
};

class Context {
 public:
  Context(const FetchConfig& config, bronze::Store& store, std::atomic<bool>& stop,
          std::string run_id, int64_t run_started_us, int64_t limit, bool fresh, Console& console);
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  const FetchConfig& config() const { return config_; }
  bronze::Store& store() { return store_; }
  const std::atomic<bool>& stop_flag() const { return stop_; }
  bool stopping() const { return stop_.load(std::memory_order_relaxed); }
  const std::string& run_id() const { return run_id_; }
  int64_t run_started_us() const { return run_started_us_; }
  // --limit: at most this many markets for the market list, trades and prices; 0 = all.
  int64_t limit() const { return limit_; }
  // --fresh: ignore saved stream progress (watermarks, covered windows).
  bool fresh() const { return fresh_; }
  // Lineage of a row fetched now from `source` (e.g. "data:/v2/trades").
  api::Lineage Lineage(const std::string& source) const;
  http::Stats& http_stats() { return http_stats_; }

  // A new HTTP client (one per worker thread).
  std::unique_ptr<http::Client> NewClient();

  // A unit of work run by a worker with its HTTP client and JSON parser; true when it completed.
  using Task = std::function<bool(http::Client&, api::Parser&)>;
  // Runs the units `next` hands out (it sets *task and returns true, or returns false when none is
  // left; it is called by one worker at a time) on `workers` threads, each with its own HTTP client
  // and JSON parser, until none is left or the run stops. True when every unit ran and completed.
  bool RunQueue(int workers, const std::function<bool(Task*)>& next);

  // Runs task(client, parser, i) for every i in [0, count) on up to `workers` threads, each with
  // its own HTTP client and JSON parser, until all ran or the run stops. True when every task ran
  // and returned true.
  bool RunTasks(size_t count, int workers,
                const std::function<bool(http::Client&, api::Parser&, size_t)>& task);

  // The run's DuckDB database, opened on first use: the Sinks' Parquet writers and the planning
  // sessions are its sessions, so that together they stay under one memory limit (kDuckDbMemory),
  // spilling under the data dir.
  bronze::Status Duckdb(std::shared_ptr<bronze::DuckDbDatabase>* database);

  // Opens the Sink of `dataset` (schema from the API layer) with the configured queue threshold;
  // the commits of trades and prices ask for compaction beside the fetch (fetch/compaction.h).
  // REQUIRES: called before any fetcher runs, once per dataset.
  void OpenSink(const bronze::Schema& schema);
  bronze::Sink& sink(const std::string& dataset);
  // Flushes and closes every Sink; the first error, if any.
  bronze::Status CloseSinks();

  // The compaction of trades and prices beside the fetch (see OpenSink).
  CompactionWhileFetching& compaction() { return compaction_; }

  DatasetCounters& counters(const std::string& dataset);
  std::vector<std::string> datasets() const;

  // The committed streams of the dataset whose key starts with `prefix` (a JSON object), or
  // nullopt when they cannot be read: that is fatal, and recorded.
  std::optional<nlohmann::json> Progress(const std::string& dataset, std::string_view prefix = "");

  // Appends rows (and progress) to a dataset's Sink and counts them; false if the Sink has failed
  // (the failure is then fatal and recorded).
  bool Append(const std::string& dataset, std::vector<bronze::Row>&& rows,
              nlohmann::json progress = nlohmann::json::object());
  // Counts and logs (the first few per reason, with raw text) the rows a parser skipped.
  void RecordSkips(const std::string& dataset, const std::vector<api::Skip>& skipped);

  // Records a failed unit of work covering `units` markets or tokens (counted as left out).
  void FailUnit(const FailedUnit& unit, int64_t units = 1);
  // A failure that belongs to no single request (e.g. a sweep that repeats its cursor).
  void StreamError(const std::string& dataset, const std::string& message);
  void Fatal(const std::string& message);
  // Host health: a response arrived (any status the server chose to send) / a request failed
  // after its retries (5xx, block page, transport). HostFailed returns true when every request to
  // the host has failed for retry.host_down_seconds: the run must stop.
  void HostOk(const std::string& host);
  bool HostFailed(const std::string& host);
  // The servers' clock (the newest Date header seen), else this machine's; unix seconds.
  void NoteServerTime(int64_t unix_seconds);
  int64_t ServerNow() const;
  // The first fatal error, if any.
  std::optional<std::string> fatal() const;
  std::vector<std::string> stream_errors() const;
  // The failed units (the first 1,000) and how many there were in all.
  std::vector<FailedUnit> failed_units() const;
  int64_t failed_unit_count() const;

  // One log line on stderr (the progress display keeps its lines intact).
  void Log(const std::string& line);

 private:
  const FetchConfig& config_;
  bronze::Store& store_;
  std::atomic<bool>& stop_;
  const std::string run_id_;
  const int64_t run_started_us_;
  const int64_t limit_;
  const bool fresh_;
  Console& console_;
  http::Throttle throttle_;
  http::Stats http_stats_;
  CompactionWhileFetching compaction_;

  mutable std::mutex mu_;
  std::shared_ptr<bronze::DuckDbDatabase> duckdb_;
  std::map<std::string, std::unique_ptr<bronze::Sink>> sinks_;
  std::map<std::string, std::unique_ptr<DatasetCounters>> counters_;
  std::optional<std::string> fatal_;
  std::vector<std::string> stream_errors_;
  std::vector<FailedUnit> failed_units_;
  int64_t failed_unit_count_ = 0;
  std::map<std::string, double> failing_since_;  // host -> steady seconds of its first failure
  std::atomic<int64_t> server_now_{0};
};

}  // namespace polypipe::fetch
