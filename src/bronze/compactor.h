// Compaction: merges the small Parquet files of a dataset's dt= partitions into files of a target
// size, through the commit log (`polypipe compact`, and the end of a fetch run).
//
// Every batch a fetch commits is a file of each partition its rows fall in, so backfills and
// incremental runs leave many small files, and every reader pays per file. A file under half the
// target size is small. In each partition holding at least `min_files` small ones, runs of them (in
// commit order) are copied by DuckDB into one new file of about the target size, with the same
// rows in the same order, and Store::Replace commits the new files of a pass (the partitions of
// up to files_per_pass small files) in place of the old ones in one record: a reader of the log
// sees one set or the other, never both or neither, and Silver knows which of its loaded files a
// new one replaces (see silver/bronze_log.h). A partition whose merge fails (a damaged file) is
// reported and left as it was; the others go on. A pass whose commit fails (a full disk) is
// reported and leaves its partitions as they were.
//
// Thread-safety: one compaction per dataset at a time, and no Sink of the dataset committing
// meanwhile (a fetch compacts on the dataset's Sink's own thread, between its commits).

#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bronze/duckdb_session.h"
#include "bronze/status.h"
#include "bronze/store.h"

namespace polypipe::bronze {

struct CompactOptions {
  int64_t target_bytes = 128ll << 20;
  // A partition is compacted when it holds at least this many small files.
  int min_files = 2;
  std::string run_id;  // of the commit records written
  // Small files listed at a time (the partitions of a pass, at least one): a copy of every live
  // file, hundreds of thousands after a long prices run, would take more memory than the merges.
  size_t files_per_pass = 20'000;
  // The database the merges run in (a fetch's own, idle by then, rather than a second one beside
  // it); when null, one of its own with this memory limit.
  std::shared_ptr<DuckDbDatabase> duckdb;
  std::string memory_limit = "64MB";
  // Small files are grouped by size as well: files of one tier (a factor of kTierFactor apart)
  // are merged only among themselves, and a partition is compacted when one tier holds min_files.
  // Compacting over and over while a run commits then copies a row a few times (once per tier)
  // rather than once per pass.
  bool tiered = false;
  // Checked before each merge: compaction ends early (what is merged stays merged) once it is
  // true.
  std::function<bool()> stopping;
};

// The size tiers of CompactOptions::tiered: a small file (under half the target size) is in tier
// 0 below that bound / kTierFactor^2, in tier 1 below bound / kTierFactor, else in tier 2.
inline constexpr int64_t kTierFactor = 32;

struct CompactStats {
  int64_t partitions = 0;  // partitions compacted (once per tier when tiered)
  int64_t files_in = 0;    // small files replaced
  int64_t files_out = 0;   // files written in their place
  int64_t bytes_in = 0;
  int64_t bytes_out = 0;
  int64_t rows = 0;
  // One line per partition that failed ("trades/dt=2026-01-01: <why>"); its files are unchanged.
  std::vector<std::string> failures;

  void Add(const CompactStats& other);
};

// The live files of `dataset` under half of options.target_bytes.
int64_t CountSmallFiles(const Store& store, const std::string& dataset,
                        const CompactOptions& options);

// The partitions ("dt=YYYY-MM-DD") of `dataset` that hold at least options.min_files small files
// (of one tier when options.tiered).
std::vector<std::string> PartitionsToCompact(const Store& store, const std::string& dataset,
                                             const CompactOptions& options);

// Compacts every partition of PartitionsToCompact; adds to *stats. `progress` (may be empty) is
// called with each partition once its pass is committed. Fails only when compaction cannot start
// (no DuckDB); failed partitions and passes are in stats->failures.
Status CompactDataset(Store& store, const std::string& dataset, const CompactOptions& options,
                      CompactStats* stats,
                      const std::function<void(const std::string& partition)>& progress = {});

}  // namespace polypipe::bronze
