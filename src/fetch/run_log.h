// RunLog: the fetch runs of a data directory, one JSON report per run in `<data>/_runs/`.
//
// A run begins when a fetch starts and finishes when every dataset it was asked for is complete,
// or complete but for failed units of work ("finished_with_failures"). An invocation that finds
// the newest run unfinished (stopped by a signal, a timeout, an error or kill -9) resumes it
// under the same run id; otherwise it begins a new run, which retries the failed units. `--fresh`
// always begins a new one. The report is rewritten atomically (temp file + rename) as the run goes,
// and holds the run's state, its per-dataset counters and its per-route HTTP counters; `polypipe
// status` reads it.
//
// Thread-safety: none; the coordinator owns it.

#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace polypipe::fetch {

class RunLog {
 public:
  // Opens `<data_dir>/_runs` (created if missing) and decides the run: resumes the newest
  // unfinished run unless `fresh`. Returns nullopt and sets `error` on I/O failure.
  static std::optional<RunLog> Begin(const std::string& data_dir, const std::string& mode,
                                     bool fresh, std::string* error);

  const std::string& run_id() const { return run_id_; }
  bool resumed() const { return resumed_; }
  // When the run began (unix microseconds); a resumed run keeps its first start.
  int64_t started_at_us() const { return started_at_us_; }
  nlohmann::json& report() { return report_; }

  // Rewrites the report with `state` ("running", "finished", "finished_with_failures",
  // "incomplete", "interrupted", "timed_out", "failed"). Returns an error line on failure.
  std::optional<std::string> Save(const std::string& state);

  // The newest run report of a data directory, or null when there is none.
  static nlohmann::json Latest(const std::string& data_dir);

 private:
  std::string dir_;
  std::string run_id_;
  bool resumed_ = false;
  int64_t started_at_us_ = 0;
  nlohmann::json report_;
};

// Unix time now, in microseconds.
int64_t NowMicros();
// 2026-11-30T22:24:25.123456Z
std::string IsoMicros(int64_t micros);

}  // namespace polypipe::fetch
