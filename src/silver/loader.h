// Loader: `polypipe load-silver`. Loads the committed Bronze files that the Silver database has
// not loaded yet into the star schema (sql/schema.sql), then recreates the Gold views.
//
// What is loaded: only files named by Bronze commit records (see BronzeLog), so a load running
// beside a fetch sees exactly the batches committed before it started and never takes the
// Bronze lock. Every loaded file is recorded with its commit record in loader.files, inside the
// Silver database.
//
// Atomicity: one load is one DuckDB transaction — the new files' rows, the bookkeeping and the
// Gold views commit together or not at all; a crash (or `kill -9`) at any instant leaves the
// database as the previous load left it, and the next load redoes the work. The failpoint
// `silver.mid_load` (POLYPIPE_FAILPOINT, see bronze/failpoint.h) kills the process after every
// table is written and before the commit. DuckDB's own file lock keeps a second writer out.
//
// Compaction: a compaction's commit whose replaced files are all loaded is only recorded; any other
// is loaded and deduplicated like a re-fetch. loader.files keeps only files Bronze still holds.
//
// Idempotence: a load with no new commit records writes nothing. Dimensions take the newest
// snapshot of each natural key; facts are deduplicated by their natural keys, so Bronze files
// that repeat rows (snapshots of later runs, `fetch --fresh`) add nothing twice.
//
// Thread-safety: one Loader per thread; DuckDB parallelises each statement itself.

#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "bronze/status.h"

namespace polypipe::silver {

using bronze::Status;

struct LoadOptions {
  std::string bronze_dir = "data";
  std::string silver_path = "data/polymarket.duckdb";
  int threads = 0;  // DuckDB threads; 0 = one per core
  // What the load may use (config `silver.memory_limit`): DuckDB gets 70% of it as its
  // memory_limit (see DuckDbMemoryLimit) and spills to temp_directory past that.
  // REQUIRES: a size fetch::IsMemorySize accepts.
  std::string memory_limit = "1GB";
  std::string temp_directory;  // empty: "<silver_path>.tmp"
  bool dry_run = false;
};

// What one dataset contributes to a load.
struct DatasetLoad {
  std::string dataset;
  int64_t commits = 0;
  int64_t files = 0;
  int64_t rows = 0;           // Bronze rows in those files (from the commit records)
  int64_t pending = 0;        // commit records whose files are not all in place yet
  int64_t loaded_before = 0;  // files of this dataset loaded by earlier loads
  double seconds = 0;
};

struct LoadReport {
  std::vector<DatasetLoad> datasets;
  int64_t files = 0;
  int64_t rows = 0;
  int64_t load_id = 0;  // 0 when nothing was loaded
  // Files of compactions whose replaced files were all loaded: recorded, not read.
  int64_t compacted_files = 0;
  double seconds = 0;
  // Facts whose market, token or trader is missing from the dimensions after this load (kept,
  // unlinked; `polypipe check` lists them).
  int64_t orphan_trades = 0;
  int64_t orphan_prices = 0;
};

// Why a load failed: kUsage for bad arguments (exit 2), kFailure for everything else (exit 1).
enum class FailureKind { kNone, kUsage, kFailure };

class Loader {
 public:
  // `progress` receives human-readable progress lines (nullptr: silent).
  Loader(LoadOptions options, std::FILE* progress);

  Loader(const Loader&) = delete;
  Loader& operator=(const Loader&) = delete;

  // Plans and (unless dry_run) runs one load. On failure the database is unchanged.
  Status Run(LoadReport* report);

  FailureKind failure_kind() const { return failure_kind_; }

 private:
  Status RunOnce(LoadReport* report);
  void Say(const std::string& line) const;

  LoadOptions options_;
  std::FILE* progress_;
  FailureKind failure_kind_ = FailureKind::kNone;
  bool files_vanished_ = false;  // the failed attempt's planned files are not all there any more
};

// `polypipe load-silver`: runs a Loader, prints the plan or the summary on stdout and one line on
// stderr on failure. Returns the exit code (0, 1, or 2 for bad arguments).
int RunLoadSilver(const LoadOptions& options);

}  // namespace polypipe::silver
