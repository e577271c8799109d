// BronzeLog: what Silver may load from a Bronze data directory — the files named by the commit
// records in `<data>/<dataset>/_log/`, in commit order, with their row counts.
//
// Only commit records are trusted: a Parquet file that no record names (a fetch still writing,
// or staging leftovers) is never listed. A record whose files are not all in their dt= folders
// yet (a fetch is between writing the record and renaming the files) is reported as pending and
// left for the next load. No lock is taken, so this works beside a running fetch.
//
// Thread-safety: plain values and a pure function of the directory's contents.

#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bronze/status.h"

namespace polypipe::silver {

using bronze::Status;

// The Bronze datasets Silver loads, in load order (dimensions before the facts that refer to
// them).
extern const std::vector<std::string> kBronzeDatasets;

struct BronzeFile {
  std::string path;  // relative to the data directory: "<dataset>/dt=YYYY-MM-DD/<name>.parquet"
  int64_t rows = 0;
  bool replaced = false;  // a later compaction replaced it: its rows are in that commit's files
};

struct BronzeCommit {
  std::string dataset;
  uint64_t seq = 0;
  std::string run_id;
  std::vector<BronzeFile> files;
  nlohmann::json progress;  // the record's stream progress
  // A compaction's: the files its own replace (paths as BronzeFile::path), whose rows they hold.
  std::vector<std::string> removed;
  bool in_place = true;  // every file not replaced is in its dt= folder
  // Known from a checkpoint, not a record: its files are listed, its progress is in the
  // checkpoint's streams file.
  bool from_checkpoint = false;
};

// Reads the commit log of `dataset` under `data_dir` (an absent dataset folder or log is empty):
// the commits its newest checkpoint covers (with their live files only), then the records after it
// (their files marked when a later record replaced them), in seq order; sets
// *checkpoint_streams to that checkpoint's streams file (empty when none). Fails, naming the file,
// on a record that cannot be read or parsed.
Status ReadCommits(const std::string& data_dir, const std::string& dataset,
                   std::vector<BronzeCommit>* commits, std::string* checkpoint_streams);

}  // namespace polypipe::silver
