// CommitRecord: one entry of a dataset's commit log, `<data>/<dataset>/_log/<seq>.json`.
//
// A record is the unit of atomicity in Bronze: the Parquet files it lists and the stream progress
// it carries become part of the dataset together, at the moment the record's file is renamed into
// place. On disk it is a JSON object:
//
//   {"seq": 7, "dataset": "trades", "run_id": "...", "committed_at": "2026-01-01T01:02:03.000004Z",
//    "files": [{"path": "dt=2026-01-01/trades_20260101_010203_000001.parquet", "rows": 1000,
//               "bytes": 52311, "min_event": 1767225600000000, "max_event": 1767229200000000}],
//    "rows": 1000, "progress": {"<stream>": <any JSON>}}
//
// "path" is relative to the dataset folder; "min_event"/"max_event" are microseconds since the Unix
// epoch (UTC) of the file's event times, or null when no row had one.
//
// Thread-safety: plain values and pure functions.

#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "bronze/status.h"

namespace polypipe::bronze {

struct CommittedFile {
  std::string path;  // relative to the dataset folder: "dt=YYYY-MM-DD/<name>.parquet"
  int64_t rows = 0;
  int64_t bytes = 0;
  std::optional<int64_t> min_event_us;
  std::optional<int64_t> max_event_us;
};

struct CommitRecord {
  uint64_t seq = 0;
  std::string dataset;
  std::string run_id;
  std::string committed_at;  // ISO-8601 UTC
  std::vector<CommittedFile> files;
  int64_t rows = 0;  // sum over files
  nlohmann::json progress = nlohmann::json::object();
};

// The record as JSON text (indented, newline-terminated). Strings that are not valid UTF-8 are
// written with U+FFFD in place of the bad bytes rather than failing the commit.
std::string SerializeCommitRecord(const CommitRecord& record);

// Parses and validates a record: every field present with its type, file paths of the form
// "dt=YYYY-MM-DD/<name>.parquet" (nothing that could point outside the dataset folder).
Status ParseCommitRecord(const std::string& text, CommitRecord* record);

// "000000000042.json": the seq zero-padded to 12 digits so that names sort in commit order.
std::string CommitLogFileName(uint64_t seq);

// True if `name` is a commit log file name; sets *seq.
bool ParseCommitLogFileName(const std::string& name, uint64_t* seq);

// True if `path` has the form "dt=YYYY-MM-DD/<name>.parquet" with a plain file name.
bool IsValidCommittedPath(const std::string& path);

}  // namespace polypipe::bronze
