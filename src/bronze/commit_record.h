// CommitRecord: one entry of a dataset's commit log, `<data>/<dataset>/_log/<seq>.json`, and
// Checkpoint: the whole of a dataset's log up to a seq in two files beside the records.
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
// A compaction's record also lists the files it replaces, `"removed": ["dt=.../<name>.parquet"]`:
// its own files hold exactly their rows, so from that record on the dataset holds the new files
// instead of the old ones. Records without the field remove nothing.
//
// A checkpoint (Delta Lake's `_delta_log` checkpoints are the model) lets recovery skip the records
// it covers, and lets them be pruned. `<seq>.checkpoint.json` is the manifest: the dataset's live
// files with the commit that added each, and its counters; `<seq>.streams.parquet` holds the stream
// progress merged over every record up to seq, one row per stream (key VARCHAR, value VARCHAR of
// JSON text). The streams file is written first; the manifest's rename makes the checkpoint exist.
//
// Thread-safety: plain values and pure functions.

#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
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

// Stream progress on its way to the log: stream key -> value as compact JSON text (a market's state
// held as text takes a tenth of the memory of a parsed one).
using StreamTexts = std::map<std::string, std::string>;

// `progress` (a JSON object) as StreamTexts; strings that are not valid UTF-8 get U+FFFD.
StreamTexts StreamTextsOf(const nlohmann::json& progress);

struct CommitRecord {
  uint64_t seq = 0;
  std::string dataset;
  std::string run_id;
  std::string committed_at;  // ISO-8601 UTC
  std::vector<CommittedFile> files;
  int64_t rows = 0;  // sum over files
  nlohmann::json progress = nlohmann::json::object();
  std::vector<std::string> removed;  // paths like CommittedFile::path, of earlier commits' files
};

// A file of the dataset as of a checkpoint, and the commit that added it.
struct LiveFile {
  CommittedFile file;
  uint64_t seq = 0;
  std::string run_id;
};

struct Checkpoint {
  uint64_t seq = 0;  // the last commit it covers
  std::string dataset;
  uint64_t commits = 0;  // commits up to seq
  std::string last_commit_at;
  std::string last_run_id;
  int64_t streams = 0;        // rows of the streams file
  int64_t streams_bytes = 0;  // its size, checked when the checkpoint is read
  std::vector<LiveFile> files;
};

// The record as JSON text (indented, newline-terminated). Strings that are not valid UTF-8 are
// written with U+FFFD in place of the bad bytes rather than failing the commit.
std::string SerializeCommitRecord(const CommitRecord& record);
// The same with `progress` in place of record.progress.
std::string SerializeCommitRecord(const CommitRecord& record, const StreamTexts& progress);

// Parses and validates a record: every field present with its type, file paths of the form
// "dt=YYYY-MM-DD/<name>.parquet" (nothing that could point outside the dataset folder).
Status ParseCommitRecord(const std::string& text, CommitRecord* record);

// "000000000042.json": the seq zero-padded to 12 digits so that names sort in commit order.
std::string CommitLogFileName(uint64_t seq);

// True if `name` is a commit log file name; sets *seq.
bool ParseCommitLogFileName(const std::string& name, uint64_t* seq);

// The manifest as one line of JSON text, and back, validated like a record.
std::string SerializeCheckpoint(const Checkpoint& checkpoint);
// Files as a function that calls `visit` with each in turn.
using LiveFileSource = std::function<void(const std::function<void(const LiveFile&)>& visit)>;
// The same with the files of `files` in place of checkpoint.files, handed to `write` about a
// megabyte at a time (a checkpoint of a million files is hundreds of MB of text); writes nothing
// more after the first error `write` returns, and returns it.
Status SerializeCheckpoint(const Checkpoint& checkpoint, const LiveFileSource& files,
                           const std::function<Status(std::string_view text)>& write);
Status ParseCheckpoint(const std::string& text, Checkpoint* checkpoint);

// "000000000042.checkpoint.json" and "000000000042.streams.parquet"; the parsers set *seq.
std::string CheckpointFileName(uint64_t seq);
std::string CheckpointStreamsFileName(uint64_t seq);
bool ParseCheckpointFileName(const std::string& name, uint64_t* seq);
bool ParseCheckpointStreamsFileName(const std::string& name, uint64_t* seq);

// True if `path` has the form "dt=YYYY-MM-DD/<name>.parquet" with a plain file name.
bool IsValidCommittedPath(const std::string& path);

}  // namespace polypipe::bronze
