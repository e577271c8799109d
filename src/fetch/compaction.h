// Compaction in a fetch run (bronze/compactor.h). Every batch a Sink commits is a file of each dt=
// partition its rows fall in, and the Store keeps every live file in memory: a backfill whose
// batches span years of days would hold millions of them. So once trades or prices hold more than
// compact.max_live_small_files small files, a thread of its own compacts the dataset beside the
// fetch (tiered: a row is copied a few times per size tier however long the run, and each size
// tier of a partition keeps a few small files); and the end of a run compacts every partition
// still holding more than compact.auto_max_small_files small files into as few files as the
// target size allows. compact.auto_max_small_files 0 turns both off.
//
// Thread-safety: CompactionWhileFetching may be used from any thread; its hooks run on their
// Sinks' persister threads and only ask for a pass.

#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>

#include "bronze/compactor.h"
#include "bronze/store.h"
#include "fetch/config.h"
#include "fetch/console.h"

namespace polypipe::fetch {

class Context;

class CompactionWhileFetching {
 public:
  // `stop` is the run's: once set, passes end before their next merge.
  CompactionWhileFetching(bronze::Store& store, const FetchConfig& config, std::string run_id,
                          const std::atomic<bool>& stop);
  ~CompactionWhileFetching();

  // The Sink hook (SinkOptions::after_commit) of `dataset`: every few commits, asks for a pass
  // (tiered, when the dataset holds more than compact.max_live_small_files small files; the
  // thread starts with the first); empty when compact.auto_max_small_files is 0.
  std::function<void()> AfterCommit(const std::string& dataset);

  // Runs the passes asked for so far (none once the run is stopping), then ends the thread. Later
  // requests are ignored.
  void Stop();

  // What the passes did, for the run report: files_in, files_out, bytes_in, bytes_out, failures
  // (the first few distinct lines); null when they did nothing.
  nlohmann::json Report() const;

 private:
  void Ask(const std::string& dataset);
  void Loop();
  void Pass(const std::string& dataset);

  bronze::Store& store_;
  const FetchConfig& config_;
  const std::string run_id_;
  const std::atomic<bool>& stop_;
  mutable std::mutex mu_;
  std::condition_variable asked_;
  std::set<std::string> pending_;  // datasets a pass is asked for
  bool ending_ = false;
  std::thread thread_;
  bronze::CompactStats stats_;
  std::set<std::string> failures_;
};

// The end of a run: every partition holding more than compact.auto_max_small_files small files
// is compacted in the run's DuckDB, idle by then, with a line every few seconds (thousands of
// partitions take minutes). A partition that fails is reported and left as it was; no data
// depends on it. Returns what was done, for the run report (null when nothing was).
nlohmann::json CompactSmallFiles(Context& ctx, bronze::Store& store, const FetchConfig& config,
                                 const std::string& run_id, Console& console);

}  // namespace polypipe::fetch
