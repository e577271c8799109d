// Store: an open Bronze data directory, `<data>/<dataset>/{dt=YYYY-MM-DD,_staging,_log}/...`.
//
// Opening a Store takes the directory's lock (`<data>/.lock`; one process per data directory), then
// recovers every dataset from whatever a crash left behind (see Open), then loads the commit logs.
// From then on the Store is the only writer of commit records: Sinks stage Parquet files and hand
// them to Commit, which makes files and stream progress durable together. A Store opened with
// OpenReadOnly only reads the logs, beside a writer in another process.
//
// Every few commits the Store writes a checkpoint of a dataset (see commit_record.h): its live
// files and all its stream progress. Loading reads the newest valid checkpoint plus the records
// after it, so opening costs the same after a thousand commits as after a million; records and
// checkpoints a newer checkpoint covers are pruned (`log_retention` records are kept behind it for
// inspection). Stream progress is kept in memory only for the streams committed since the newest
// checkpoint; the rest stays in the checkpoint's streams file and is read through DuckDB (Streams,
// Progress).
//
// Thread-safety: all methods may be called concurrently from any thread. Commits to one dataset are
// serialized; commits to different datasets proceed in parallel.

#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bronze/commit_record.h"
#include "bronze/live_files.h"
#include "bronze/status.h"
#include "bronze/streams.h"

namespace polypipe::bronze {

// What `polypipe status` shows for one dataset, as of the last commit.
struct DatasetStats {
  int64_t files = 0;
  int64_t rows = 0;
  int64_t bytes = 0;
  std::optional<int64_t> min_event_us;  // over all committed files; nullopt if none had one
  std::optional<int64_t> max_event_us;
  uint64_t commits = 0;
  uint64_t last_seq = 0;       // 0 when nothing was committed
  std::string last_commit_at;  // ISO-8601 UTC; empty when nothing was committed
  std::string last_run_id;     // run id of the last commit; empty when nothing was committed
};

struct StoreOptions {
  // A checkpoint follows every `checkpoint_every` commits of a dataset (0: never), and sooner once
  // the streams committed since the last one reach `checkpoint_streams` (they are held in memory).
  int checkpoint_every = 100;
  size_t checkpoint_streams = 50'000;
  // Commit records kept behind the newest checkpoint; older ones, once the checkpoint before it
  // covers them too, are deleted.
  int log_retention = 1000;
};

// What recovery did while opening (all zero after a clean shutdown).
struct RecoveryReport {
  int files_rolled_forward = 0;   // committed files moved from _staging into dt=
  int staged_files_deleted = 0;   // staged files that no commit names
  int temp_logs_deleted = 0;      // commit records or checkpoints interrupted before their rename
  int checkpoints_written = 0;    // long logs without a checkpoint get one while loading
  int removed_files_deleted = 0;  // files a compaction replaced, left by a crash
};

// The commit log of one dataset as a reader (Silver) sees it: the newest valid checkpoint (seq 0
// when none) and the records after it in seq order. Takes no lock; works beside a writer.
struct LogSnapshot {
  Checkpoint checkpoint;
  std::string streams_path;  // the checkpoint's streams file; empty when none
  std::vector<CommitRecord> records;
};
Status ReadLog(const std::string& data_dir, const std::string& dataset, LogSnapshot* log);

// The newest of the checkpoints `seqs` of a dataset's log whose manifest reads and whose streams
// file is whole (a Checkpoint with seq 0 when none is); fails only when a checkpoint vanished
// while being read (a writer pruned it: look again).
Status NewestCheckpoint(const std::string& log_dir, const std::string& dataset,
                        std::vector<uint64_t> seqs, Checkpoint* checkpoint,
                        std::string* streams_path);

class Store {
 public:
  // Opens (creating if needed) the data directory `dir`, locks it and runs recovery on every
  // dataset folder in it: files named by a commit record that are still in _staging are renamed
  // into place; staged files no record names are deleted; temp log files are deleted. Fails if
  // another process holds the lock ("data dir X is in use by pid N"), if a commit record is
  // damaged, or if a record names a file that exists nowhere.
  static Status Open(const std::string& dir, std::unique_ptr<Store>* store,
                     const StoreOptions& options = {});

  // Opens an existing data directory for reading its commit logs only (`polypipe status`, while a
  // fetch may be running): no lock, no recovery, nothing written. Progress, Stats, CommittedFiles
  // and Datasets reflect the commits on disk at the time of the call; PrepareDataset and Commit
  // fail. A commit whose files are still being renamed counts as committed (it is).
  static Status OpenReadOnly(const std::string& dir, std::unique_ptr<Store>* store);

  // Releases the lock.
  ~Store();

  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::string& dir() const { return dir_; }
  bool read_only() const { return read_only_; }
  const RecoveryReport& recovery() const { return recovery_; }

  // Names of the dataset folders in the directory (including ones a Sink created since Open),
  // sorted.
  std::vector<std::string> Datasets() const;

  // The stream progress of the dataset: the "progress" objects of all its commits merged in commit
  // order (a later commit's value for a key replaces an earlier one), as of now. A stream set to
  // null reads as null until the next checkpoint, then is gone.
  StreamsSnapshot Streams(const std::string& dataset) const;

  // The streams of Streams(dataset) whose key starts with `prefix`, as one JSON object (an empty
  // object if none). Meant for the few streams of a sweep or a run; the millions of a market or
  // token dataset are read through Streams.
  Status Progress(const std::string& dataset, nlohmann::json* progress,
                  std::string_view prefix = "") const;

  DatasetStats Stats(const std::string& dataset) const;

  // Paths relative to the data directory ("trades/dt=2026-01-01/trades_....parquet") of every
  // committed file of the dataset, in commit order.
  std::vector<std::string> CommittedFiles(const std::string& dataset) const;

  // The live files of the dataset (committed and not replaced by a compaction), in commit order.
  std::vector<LiveFile> LiveFiles(const std::string& dataset) const;
  // Calls `visit` with each of them in turn, without a copy of the list (hundreds of thousands of
  // files at scale), under the Store's lock: `visit` must not call the Store.
  void ForEachLiveFile(const std::string& dataset,
                       const std::function<void(const LiveFileRef& file)>& visit) const;

  // --- Writer side, used by Sink ---

  // Checks that `dataset` is a plain lowercase name ([a-z0-9_], not starting with '_') and creates
  // its folders.
  Status PrepareDataset(const std::string& dataset);

  std::string DatasetDir(const std::string& dataset) const { return dir_ + "/" + dataset; }
  std::string StagingDir(const std::string& dataset) const {
    return DatasetDir(dataset) + "/_staging";
  }

  // A new Parquet file name "<dataset>_<YYYYMMDD>_<HHMMSS>_<micro>.parquet" stamped with the
  // current UTC time, bumped by a microsecond as often as needed so that it is unique within the
  // dataset. REQUIRES: PrepareDataset(dataset) succeeded.
  std::string NewFileName(const std::string& dataset);

  // Commits `files` (staged as `_staging/<file name>`, fsynced by the caller) and `progress` (an
  // object, or null for none) for `dataset`: writes the next commit record atomically, then renames
  // the files into their dt= folders. *record_written tells the caller whether the record reached
  // its final name: once it has, the commit stands (recovery finishes it) even if a later step
  // failed, so the staged files must be left alone; if not, nothing was committed.
  Status Commit(const std::string& dataset, const std::string& run_id,
                const std::vector<CommittedFile>& files, StreamTexts progress,
                bool* record_written);
  // The same with `progress` as a JSON object (or null for none).
  Status Commit(const std::string& dataset, const std::string& run_id,
                const std::vector<CommittedFile>& files, const nlohmann::json& progress,
                bool* record_written);

  // Replaces live files of `dataset` (`removed`, paths as in CommittedFile::path) by `files`
  // (staged like Commit's, holding exactly their rows) in one commit: a reader of the log sees
  // either the old files or the new ones. Once the record is written and the new files placed, the
  // old ones are deleted; recovery finishes a deletion a crash interrupted. Fails before writing
  // anything if a removed file is not live.
  Status Replace(const std::string& dataset, const std::string& run_id,
                 const std::vector<CommittedFile>& files, const std::vector<std::string>& removed,
                 bool* record_written);

 private:
  struct DatasetState;

  Store(std::string dir, int lock_fd, bool read_only, StoreOptions options);

  // Commit and Replace: writes the record of `files`, `removed` and `progress`, then places and
  // deletes the files.
  Status WriteCommit(const std::string& dataset, const std::string& run_id,
                     const std::vector<CommittedFile>& files,
                     const std::vector<std::string>& removed, StreamTexts progress,
                     bool* record_written);
  // Loads every dataset's log; unless read-only, recovers each dataset first.
  Status LoadAll();
  Status LoadDataset(const std::string& dataset);
  // The state of a dataset, created on first use. REQUIRES: mu_ held.
  DatasetState& StateLocked(const std::string& dataset);
  // Adds a committed file to the in-memory state. REQUIRES: mu_ held.
  void AddFileLocked(DatasetState& state, const CommittedFile& file, uint64_t seq,
                     const std::string& run_id);
  // Adds a record's effect to the in-memory state. REQUIRES: mu_ held.
  // `progress` replaces record.progress when given (moved from).
  void ApplyLocked(DatasetState& state, const CommitRecord& record,
                   StreamTexts* progress = nullptr);
  // Takes a checkpoint's state as the dataset's. REQUIRES: mu_ held.
  void ApplyCheckpointLocked(DatasetState& state, const Checkpoint& checkpoint,
                             const std::string& streams_path);
  // Whether enough has been committed since the last checkpoint to write one.
  bool CheckpointDue(const DatasetState& state) const;
  // Writes a checkpoint of the dataset as of its last commit, then prunes what it covers.
  // REQUIRES: state.commit_mu held (or the Store not yet shared, while loading).
  Status WriteCheckpoint(const std::string& dataset, DatasetState& state);
  Status Prune(const std::string& dataset, uint64_t upto_record, uint64_t before_checkpoint);

  const std::string dir_;
  const int lock_fd_;  // -1 when read-only
  const bool read_only_;
  const StoreOptions options_;
  RecoveryReport recovery_;

  mutable std::mutex mu_;  // guards datasets_ and the in-memory part of each DatasetState
  std::map<std::string, std::unique_ptr<DatasetState>> datasets_;
};

}  // namespace polypipe::bronze
