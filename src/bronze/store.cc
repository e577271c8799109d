#include "bronze/store.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <set>
#include <unordered_set>

#include "bronze/durable_fs.h"
#include "bronze/failpoint.h"
#include "bronze/utc_time.h"

namespace polypipe::bronze {
namespace {

constexpr char kLogDir[] = "_log";
constexpr char kTempSuffix[] = ".tmp";

bool IsDatasetName(const std::string& name) {
  if (name.empty() || name.size() > 64 || name.front() == '_') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Takes the data directory's lock, or explains who holds it.
Status Lock(const std::string& dir, int* fd_out) {
  const std::string path = dir + "/.lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus("open lock file", path, errno);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    std::string holder;
    char buf[32] = {};
    const ssize_t n = ::pread(fd, buf, sizeof(buf) - 1, 0);
    ::close(fd);
    if (err != EWOULDBLOCK) return ErrnoStatus("lock", path, err);
    if (n > 0) holder = std::string(buf, static_cast<size_t>(n));
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
    if (holder.empty())
      return Status::Error(fmt::format("data dir {} is in use by another process", dir));
    return Status::Error(fmt::format("data dir {} is in use by pid {}", dir, holder));
  }
  // The pid is only informative (the flock is what excludes), so a failure to record it is ignored.
  const std::string pid = fmt::format("{}\n", ::getpid());
  if (::ftruncate(fd, 0) == 0) {
    [[maybe_unused]] ssize_t ignored = ::pwrite(fd, pid.data(), pid.size(), 0);
  }
  *fd_out = fd;
  return Status::Ok();
}

}  // namespace

struct Store::DatasetState {
  explicit DatasetState(const std::string& dataset) : files(dataset) {}

  std::mutex commit_mu;  // held for the whole of a Commit: one commit at a time per dataset

  // Guarded by Store::mu_.
  DatasetStats stats;
  LiveFileList files;  // in commit order
  // The newest stamp of a file name committed or handed out: new names are later, so no name is
  // used twice (the names themselves are not kept: millions of files at scale).
  int64_t last_stamp_us = 0;
  uint64_t checkpoint_seq = 0;  // the newest checkpoint; 0 when none
  std::string checkpoint_streams;
  // The streams committed since the newest checkpoint, newest value (JSON text) per key.
  std::map<std::string, std::string> overlay;
  uint64_t commits_since_checkpoint = 0;
};

Store::Store(std::string dir, int lock_fd, bool read_only, StoreOptions options)
    : dir_(std::move(dir)), lock_fd_(lock_fd), read_only_(read_only), options_(options) {}

Store::~Store() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // closing the descriptor drops the flock
}

Status Store::Open(const std::string& dir, std::unique_ptr<Store>* store,
                   const StoreOptions& options) {
  store->reset();
  if (dir.empty()) return Status::Error("data dir is empty");
  std::string clean = dir;
  while (clean.size() > 1 && clean.back() == '/') clean.pop_back();
  Status s = MakeDirs(clean);
  if (!s.ok()) return s;
  int fd = -1;
  s = Lock(clean, &fd);
  if (!s.ok()) return s;
  std::unique_ptr<Store> opened(new Store(clean, fd, /*read_only=*/false, options));
  s = opened->LoadAll();
  if (!s.ok()) return s;
  *store = std::move(opened);
  return Status::Ok();
}

Status Store::OpenReadOnly(const std::string& dir, std::unique_ptr<Store>* store) {
  store->reset();
  if (dir.empty()) return Status::Error("data dir is empty");
  std::string clean = dir;
  while (clean.size() > 1 && clean.back() == '/') clean.pop_back();
  if (!IsDirectory(clean)) {
    return Status::Error(fmt::format("data dir {} does not exist or is not a directory", clean));
  }
  // A writer may prune the files this reads (a checkpoint covered them) between the listing and
  // the reading; a second look then finds the newer checkpoint.
  Status s;
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::unique_ptr<Store> opened(new Store(clean, -1, /*read_only=*/true, StoreOptions{}));
    s = opened->LoadAll();
    if (s.ok()) {
      *store = std::move(opened);
      return s;
    }
  }
  return s;
}

Status Store::LoadAll() {
  std::vector<std::string> names;
  Status s = ListDir(dir_, &names);
  if (!s.ok()) return s;
  for (const std::string& name : names) {
    if (!IsDatasetName(name) || !IsDirectory(dir_ + "/" + name)) continue;
    s = LoadDataset(name);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Status Store::LoadDataset(const std::string& dataset) {
  const std::string ds_dir = DatasetDir(dataset);
  const std::string log_dir = ds_dir + "/" + kLogDir;
  const std::string staging = StagingDir(dataset);

  // 1. List the log. Temp files are records or checkpoints whose write was interrupted before the
  //    rename, so they never committed anything.
  std::vector<uint64_t> record_seqs, checkpoint_seqs, streams_seqs;
  std::set<std::string> dirs_to_sync;
  if (IsDirectory(log_dir)) {
    std::vector<std::string> names;
    Status s = ListDir(log_dir, &names);
    if (!s.ok()) return s;
    for (const std::string& name : names) {
      uint64_t seq = 0;
      if (EndsWith(name, kTempSuffix)) {
        if (read_only_) continue;  // a writer may be in the middle of this very commit
        s = RemoveFile(log_dir + "/" + name);
        if (!s.ok()) return s;
        ++recovery_.temp_logs_deleted;
        dirs_to_sync.insert(log_dir);
      } else if (ParseCommitLogFileName(name, &seq)) {
        record_seqs.push_back(seq);
      } else if (ParseCheckpointFileName(name, &seq)) {
        checkpoint_seqs.push_back(seq);
      } else if (ParseCheckpointStreamsFileName(name, &seq)) {
        streams_seqs.push_back(seq);
      }
    }
  }
  std::sort(record_seqs.begin(), record_seqs.end());

  // 2. The newest checkpoint whose manifest reads and whose streams file is whole.
  Checkpoint checkpoint;
  std::string checkpoint_streams;
  Status found =
      NewestCheckpoint(log_dir, dataset, checkpoint_seqs, &checkpoint, &checkpoint_streams);
  if (!found.ok()) return found;
  const uint64_t covered = checkpoint.seq;
  std::erase_if(record_seqs, [&](uint64_t seq) { return seq <= covered; });
  if (!record_seqs.empty() && record_seqs.front() != covered + 1) {
    return Status::Error(fmt::format(
        "{}: the log has no checkpoint covering commits {} to {} and their records are gone; the "
        "dataset is damaged",
        log_dir, covered + 1, record_seqs.front() - 1));
  }

  // 3. Roll committed files forward: a crash between a record's rename and its files' renames
  //    leaves them in _staging. A file that is nowhere is fine only if a later record removed it
  //    (a compaction deleted it): `missing` holds the others until then.
  std::map<std::string, std::string> missing;  // path -> what names it
  const auto place = [&](const CommittedFile& f, const std::string& named_by) -> Status {
    const std::string final_path = ds_dir + "/" + f.path;
    const std::string staged = staging + "/" + BaseName(f.path);
    if (IsRegularFile(final_path)) {
      if (PathExists(staged)) {  // a copy that outlived its rename; the placed file is the one
        Status s = RemoveFile(staged);
        if (!s.ok()) return s;
        ++recovery_.staged_files_deleted;
        dirs_to_sync.insert(staging);
      }
      return Status::Ok();
    }
    if (!IsRegularFile(staged)) {  // damaged, unless a later compaction removed it
      missing.emplace(f.path, named_by);
      return Status::Ok();
    }
    Status s = MakeDirs(DirName(final_path));
    if (s.ok()) s = RenameFile(staged, final_path);
    if (!s.ok()) return s;
    ++recovery_.files_rolled_forward;
    dirs_to_sync.insert(DirName(final_path));
    dirs_to_sync.insert(staging);
    return Status::Ok();
  };
  {
    std::lock_guard<std::mutex> lock(mu_);
    DatasetState& state = StateLocked(dataset);
    if (covered > 0) ApplyCheckpointLocked(state, checkpoint, checkpoint_streams);
  }
  DatasetState* state = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    state = &StateLocked(dataset);
  }
  for (size_t i = 0; i < checkpoint.files.size() && !read_only_; ++i) {
    Status s = place(checkpoint.files[i].file, log_dir + "/" + CheckpointFileName(covered));
    if (!s.ok()) return s;
  }
  checkpoint.files.clear();

  // 4. The records after the checkpoint, one at a time: a long log without a checkpoint (written
  //    before checkpoints existed, or with them off) gets them as it is read, so memory stays
  //    bounded.
  for (uint64_t seq : record_seqs) {
    const std::string path = log_dir + "/" + CommitLogFileName(seq);
    std::string text;
    Status s = ReadFile(path, &text);
    if (!s.ok()) return s;
    CommitRecord record;
    s = ParseCommitRecord(text, &record);
    if (!s.ok()) return Status::Error(fmt::format("{}: {}", path, s.message()));
    if (record.seq != seq || record.dataset != dataset) {
      return Status::Error(
          fmt::format("{}: commit record is not valid: it says seq {} of dataset \"{}\"", path,
                      record.seq, record.dataset));
    }
    for (size_t f = 0; f < record.files.size() && !read_only_; ++f) {
      s = place(record.files[f], fmt::format("{}: commit {}", path, seq));
      if (!s.ok()) return s;
    }
    // A compaction's old files: deleted once its record exists, so a crash may have left some.
    for (size_t f = 0; f < record.removed.size() && !read_only_; ++f) {
      missing.erase(record.removed[f]);
      const std::string removed = ds_dir + "/" + record.removed[f];
      if (!PathExists(removed)) continue;
      s = RemoveFile(removed);
      if (!s.ok()) return s;
      ++recovery_.removed_files_deleted;
      dirs_to_sync.insert(DirName(removed));
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      ApplyLocked(*state, record);
    }
    if (!read_only_ && CheckpointDue(*state)) {
      s = WriteCheckpoint(dataset, *state);
      if (!s.ok()) return s;
      ++recovery_.checkpoints_written;
    }
  }

  if (!missing.empty()) {
    return Status::Error(
        fmt::format("{} names {}, which is neither in {} nor in {}; the dataset is damaged",
                    missing.begin()->second, missing.begin()->first, ds_dir, staging));
  }

  // 5. Whatever is still staged belongs to a batch that never committed; a streams file without
  //    its manifest belongs to a checkpoint that never completed, or to one already pruned.
  if (!read_only_ && IsDirectory(staging)) {
    std::vector<std::string> names;
    Status s = ListDir(staging, &names);
    if (!s.ok()) return s;
    for (const std::string& name : names) {
      const std::string path = staging + "/" + name;
      if (IsDirectory(path)) {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
        if (ec) return Status::Error(fmt::format("cannot remove {}: {}", path, ec.message()));
      } else {
        s = RemoveFile(path);
        if (!s.ok()) return s;
      }
      ++recovery_.staged_files_deleted;
      dirs_to_sync.insert(staging);
    }
  }
  for (uint64_t seq : streams_seqs) {
    if (read_only_ || seq == covered ||
        std::find(checkpoint_seqs.begin(), checkpoint_seqs.end(), seq) != checkpoint_seqs.end()) {
      continue;
    }
    Status s = RemoveFile(log_dir + "/" + CheckpointStreamsFileName(seq));
    if (!s.ok()) return s;
    dirs_to_sync.insert(log_dir);
  }
  for (const std::string& d : dirs_to_sync) {
    Status s = SyncPath(d);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Status NewestCheckpoint(const std::string& log_dir, const std::string& dataset,
                        std::vector<uint64_t> seqs, Checkpoint* checkpoint,
                        std::string* streams_path) {
  *checkpoint = Checkpoint{};
  streams_path->clear();
  std::sort(seqs.rbegin(), seqs.rend());
  for (uint64_t seq : seqs) {
    const std::string path = log_dir + "/" + CheckpointFileName(seq);
    const std::string streams = log_dir + "/" + CheckpointStreamsFileName(seq);
    std::string text;
    int64_t bytes = -1;
    Status s = ReadFile(path, &text);
    if (!s.ok() && !PathExists(path)) return s;  // pruned under a reader: it looks again
    if (s.ok()) s = ParseCheckpoint(text, checkpoint);
    if (s.ok() && (checkpoint->seq != seq || checkpoint->dataset != dataset)) {
      s = Status::Error("it names another seq or dataset");
    }
    if (s.ok()) s = FileSize(streams, &bytes);
    if (s.ok() && bytes != checkpoint->streams_bytes) s = Status::Error("short streams file");
    if (s.ok()) {
      *streams_path = streams;
      return s;
    }
    *checkpoint = Checkpoint{};  // a damaged checkpoint: an older one and more records will do
  }
  return Status::Ok();
}

Status ReadLog(const std::string& data_dir, const std::string& dataset, LogSnapshot* log) {
  *log = LogSnapshot{};
  const std::string log_dir = data_dir + "/" + dataset + "/" + kLogDir;
  if (!IsDirectory(log_dir)) return Status::Ok();
  Status s;
  // A writer may prune what this reads between the listing and the reading (a newer checkpoint
  // covers it); a second look finds that checkpoint.
  for (int attempt = 0; attempt < 3; ++attempt) {
    *log = LogSnapshot{};
    std::vector<std::string> names;
    s = ListDir(log_dir, &names);
    if (!s.ok()) return s;
    std::vector<uint64_t> records, checkpoints;
    for (const std::string& name : names) {
      uint64_t seq = 0;
      if (ParseCommitLogFileName(name, &seq)) records.push_back(seq);
      if (ParseCheckpointFileName(name, &seq)) checkpoints.push_back(seq);
    }
    s = NewestCheckpoint(log_dir, dataset, checkpoints, &log->checkpoint, &log->streams_path);
    std::sort(records.begin(), records.end());
    for (size_t i = 0; s.ok() && i < records.size(); ++i) {
      if (records[i] <= log->checkpoint.seq) continue;
      const std::string path = log_dir + "/" + CommitLogFileName(records[i]);
      std::string text;
      CommitRecord record;
      s = ReadFile(path, &text);
      if (s.ok()) s = ParseCommitRecord(text, &record);
      if (s.ok() && (record.seq != records[i] || record.dataset != dataset)) {
        s = Status::Error(
            fmt::format("commit record says seq {} of dataset \"{}\"", record.seq, record.dataset));
      }
      if (!s.ok()) s = Status::Error(fmt::format("{}: {}", path, s.message()));
      if (s.ok()) log->records.push_back(std::move(record));
    }
    if (s.ok()) return s;
  }
  return s;
}

Store::DatasetState& Store::StateLocked(const std::string& dataset) {
  std::unique_ptr<DatasetState>& state = datasets_[dataset];
  if (!state) state = std::make_unique<DatasetState>(dataset);
  return *state;
}

void Store::AddFileLocked(DatasetState& state, const CommittedFile& f, uint64_t seq,
                          const std::string& run_id) {
  DatasetStats& st = state.stats;
  ++st.files;
  st.rows += f.rows;
  st.bytes += f.bytes;
  if (f.min_event_us && (!st.min_event_us || *f.min_event_us < *st.min_event_us)) {
    st.min_event_us = f.min_event_us;
  }
  if (f.max_event_us && (!st.max_event_us || *f.max_event_us > *st.max_event_us)) {
    st.max_event_us = f.max_event_us;
  }
  // A name of another form than NewFileName's never equals one it makes.
  if (const std::optional<int64_t> stamp = state.files.Add(f, seq, run_id)) {
    state.last_stamp_us = std::max(state.last_stamp_us, *stamp);
  }
}

void Store::ApplyLocked(DatasetState& state, const CommitRecord& record, StreamTexts* progress) {
  DatasetStats& st = state.stats;
  for (const CommittedFile& f : record.files) AddFileLocked(state, f, record.seq, record.run_id);
  if (!record.removed.empty()) {
    const std::unordered_set<std::string> removed(record.removed.begin(), record.removed.end());
    state.files.Remove(removed, [&](const LiveFileRef& f) {
      --st.files;
      st.rows -= f.rows();
      st.bytes -= f.bytes();
    });
  }
  ++st.commits;
  st.last_seq = std::max(st.last_seq, record.seq);
  st.last_commit_at = record.committed_at;
  st.last_run_id = record.run_id;
  ++state.commits_since_checkpoint;
  if (progress != nullptr) {
    for (auto& [key, value] : *progress) state.overlay[key] = std::move(value);
  } else if (record.progress.is_object()) {
    for (const auto& [key, value] : record.progress.items()) {
      state.overlay[key] = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
  }
}

void Store::ApplyCheckpointLocked(DatasetState& state, const Checkpoint& checkpoint,
                                  const std::string& streams_path) {
  state.stats = DatasetStats{};
  state.files.Clear();
  state.overlay.clear();
  for (const LiveFile& f : checkpoint.files) AddFileLocked(state, f.file, f.seq, f.run_id);
  state.stats.commits = checkpoint.commits;
  state.stats.last_seq = checkpoint.seq;
  state.stats.last_commit_at = checkpoint.last_commit_at;
  state.stats.last_run_id = checkpoint.last_run_id;
  state.checkpoint_seq = checkpoint.seq;
  state.checkpoint_streams = streams_path;
  state.commits_since_checkpoint = 0;
}

bool Store::CheckpointDue(const DatasetState& state) const {
  if (options_.checkpoint_every <= 0 || state.commits_since_checkpoint == 0) return false;
  return state.commits_since_checkpoint >= static_cast<uint64_t>(options_.checkpoint_every) ||
         state.overlay.size() >= options_.checkpoint_streams;
}

Status Store::WriteCheckpoint(const std::string& dataset, DatasetState& state) {
  const std::string log_dir = DatasetDir(dataset) + "/" + kLogDir;
  Checkpoint checkpoint;
  std::string previous_streams;
  uint64_t previous = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    checkpoint.seq = state.stats.last_seq;
    checkpoint.dataset = dataset;
    checkpoint.commits = state.stats.commits;
    checkpoint.last_commit_at = state.stats.last_commit_at;
    checkpoint.last_run_id = state.stats.last_run_id;
    previous_streams = state.checkpoint_streams;
    previous = state.checkpoint_seq;
  }
  const std::string streams = log_dir + "/" + CheckpointStreamsFileName(checkpoint.seq);
  const std::string manifest = log_dir + "/" + CheckpointFileName(checkpoint.seq);
  // Only commits change the overlay, and they wait for this one (commit_mu): it is read in place.
  Status s = WriteStreamsFile(previous_streams, state.overlay, streams + kTempSuffix,
                              StagingDir(dataset) + "/.spill", &checkpoint.streams);
  if (s.ok()) s = FileSize(streams + kTempSuffix, &checkpoint.streams_bytes);
  if (s.ok()) s = RenameFile(streams + kTempSuffix, streams);
  if (!s.ok()) {
    RemoveFile(streams + kTempSuffix);
    return Status::Error(fmt::format("checkpoint of {}: {}", dataset, s.message()));
  }
  Failpoint("bronze.mid_checkpoint");
  // The file list is read in place, not copied (a million entries at scale): only commits change
  // it, and they wait for this one.
  s = WriteFileSynced(manifest + kTempSuffix,
                      [&](const std::function<Status(std::string_view)>& write) {
                        const LiveFileSource files = [&](const auto& visit) {
                          LiveFile file;
                          state.files.ForEach([&](const LiveFileRef& f) {
                            f.Fill(&file);
                            visit(file);
                          });
                        };
                        return SerializeCheckpoint(checkpoint, files, write);
                      });
  if (s.ok()) s = RenameFile(manifest + kTempSuffix, manifest);
  if (s.ok()) s = SyncPath(log_dir);
  if (!s.ok()) {
    RemoveFile(manifest + kTempSuffix);
    return Status::Error(fmt::format("checkpoint of {}: {}", dataset, s.message()));
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    state.checkpoint_seq = checkpoint.seq;
    state.checkpoint_streams = streams;
    state.overlay.clear();
    state.commits_since_checkpoint = 0;
  }
  Failpoint("bronze.after_checkpoint");
  // Keep the previous checkpoint and the records after it: a damaged newest checkpoint can then
  // be passed over.
  const uint64_t retained = checkpoint.seq > static_cast<uint64_t>(options_.log_retention)
                                ? checkpoint.seq - static_cast<uint64_t>(options_.log_retention)
                                : 0;
  return Prune(dataset, std::min(previous, retained), previous);
}

Status Store::Prune(const std::string& dataset, uint64_t upto_record, uint64_t before_checkpoint) {
  const std::string log_dir = DatasetDir(dataset) + "/" + kLogDir;
  std::vector<std::string> names;
  Status s = ListDir(log_dir, &names);
  if (!s.ok()) return s;
  std::sort(names.begin(), names.end());
  bool removed = false;
  // Manifests go before their streams files, so a checkpoint never exists without its streams.
  for (const std::string& name : names) {
    uint64_t seq = 0;
    const bool stale = (ParseCheckpointFileName(name, &seq) && seq < before_checkpoint) ||
                       (ParseCommitLogFileName(name, &seq) && seq <= upto_record);
    if (!stale) continue;
    s = RemoveFile(log_dir + "/" + name);
    if (!s.ok()) return s;
    removed = true;
    Failpoint("bronze.mid_prune");
  }
  for (const std::string& name : names) {
    uint64_t seq = 0;
    if (!ParseCheckpointStreamsFileName(name, &seq) || seq >= before_checkpoint) continue;
    s = RemoveFile(log_dir + "/" + name);
    if (!s.ok()) return s;
    removed = true;
  }
  return removed ? SyncPath(log_dir) : Status::Ok();
}

std::vector<std::string> Store::Datasets() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> names;
  for (const auto& [name, state] : datasets_) names.push_back(name);
  return names;  // std::map keeps them sorted
}

StreamsSnapshot Store::Streams(const std::string& dataset) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = datasets_.find(dataset);
  if (it == datasets_.end()) return StreamsSnapshot{};
  return StreamsSnapshot{it->second->checkpoint_streams, it->second->overlay};
}

Status Store::Progress(const std::string& dataset, nlohmann::json* progress,
                       std::string_view prefix) const {
  *progress = nlohmann::json::object();
  return ForEachStream(Streams(dataset), prefix, [&](std::string_view key, std::string_view value) {
    nlohmann::json v = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
    if (v.is_discarded()) {
      return Status::Error(fmt::format("{}: stream {} holds no JSON", dataset, key));
    }
    (*progress)[std::string(key)] = std::move(v);
    return Status::Ok();
  });
}

DatasetStats Store::Stats(const std::string& dataset) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = datasets_.find(dataset);
  if (it == datasets_.end()) return DatasetStats{};
  return it->second->stats;
}

std::vector<std::string> Store::CommittedFiles(const std::string& dataset) const {
  std::vector<std::string> paths;
  ForEachLiveFile(dataset,
                  [&](const LiveFileRef& f) { paths.push_back(dataset + "/" + f.path()); });
  return paths;
}

std::vector<LiveFile> Store::LiveFiles(const std::string& dataset) const {
  std::vector<LiveFile> files;
  ForEachLiveFile(dataset, [&](const LiveFileRef& f) { files.push_back(f.ToLiveFile()); });
  return files;
}

void Store::ForEachLiveFile(const std::string& dataset,
                            const std::function<void(const LiveFileRef& file)>& visit) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = datasets_.find(dataset);
  if (it == datasets_.end()) return;
  it->second->files.ForEach(visit);
}

Status Store::PrepareDataset(const std::string& dataset) {
  if (read_only_) return Status::Error(fmt::format("data dir {} is open read-only", dir_));
  if (!IsDatasetName(dataset)) {
    return Status::Error(
        fmt::format("dataset name \"{}\" is not valid (lowercase letters, digits and '_', not "
                    "starting with '_')",
                    dataset));
  }
  Status s = MakeDirs(DatasetDir(dataset) + "/" + kLogDir);
  if (s.ok()) s = MakeDirs(StagingDir(dataset));
  if (!s.ok()) return s;
  std::lock_guard<std::mutex> lock(mu_);
  StateLocked(dataset);
  return Status::Ok();
}

std::string Store::NewFileName(const std::string& dataset) {
  const std::string staging = StagingDir(dataset);
  std::lock_guard<std::mutex> lock(mu_);
  DatasetState& state = StateLocked(dataset);
  int64_t stamp = std::max(NowMicros(), state.last_stamp_us + 1);
  std::string name;
  // Bounded: each step moves to a later name, and only names staged by an earlier process that
  // no record names (a crash before its commit) are skipped.
  for (int attempt = 0; attempt < 1'000'000; ++attempt, ++stamp) {
    name = fmt::format("{}_{}.parquet", dataset, FileStampOfMicros(stamp));
    if (!PathExists(staging + "/" + name)) break;
  }
  state.last_stamp_us = stamp;
  return name;
}

Status Store::Commit(const std::string& dataset, const std::string& run_id,
                     const std::vector<CommittedFile>& files, const nlohmann::json& progress,
                     bool* record_written) {
  *record_written = false;
  if (!progress.is_null() && !progress.is_object()) {
    return Status::Error(fmt::format("progress for {} is not a JSON object", dataset));
  }
  return Commit(dataset, run_id, files, StreamTextsOf(progress), record_written);
}

Status Store::Commit(const std::string& dataset, const std::string& run_id,
                     const std::vector<CommittedFile>& files, StreamTexts progress,
                     bool* record_written) {
  return WriteCommit(dataset, run_id, files, {}, std::move(progress), record_written);
}

Status Store::Replace(const std::string& dataset, const std::string& run_id,
                      const std::vector<CommittedFile>& files,
                      const std::vector<std::string>& removed, bool* record_written) {
  return WriteCommit(dataset, run_id, files, removed, StreamTexts{}, record_written);
}

Status Store::WriteCommit(const std::string& dataset, const std::string& run_id,
                          const std::vector<CommittedFile>& files,
                          const std::vector<std::string>& removed, StreamTexts progress,
                          bool* record_written) {
  *record_written = false;
  if (read_only_) return Status::Error(fmt::format("data dir {} is open read-only", dir_));
  if (!IsDatasetName(dataset))
    return Status::Error(fmt::format("bad dataset name \"{}\"", dataset));
  DatasetState* state;
  {
    std::lock_guard<std::mutex> lock(mu_);
    state = &StateLocked(dataset);
  }
  std::lock_guard<std::mutex> commit_lock(state->commit_mu);
  if (!removed.empty()) {
    std::set<std::string_view> seen;
    for (const std::string& path : removed) {
      if (!seen.insert(path).second) {
        return Status::Error(fmt::format("{}/{} is removed twice", dataset, path));
      }
    }
    std::optional<std::string> missing;
    {
      std::lock_guard<std::mutex> lock(mu_);
      missing = state->files.FirstMissing(removed);
    }
    if (missing) {
      return Status::Error(
          fmt::format("{}/{} is not a live file of the dataset", dataset, *missing));
    }
  }

  const std::string ds_dir = DatasetDir(dataset);
  const std::string log_dir = ds_dir + "/" + kLogDir;
  const std::string staging = StagingDir(dataset);

  CommitRecord record;
  {
    std::lock_guard<std::mutex> lock(mu_);
    record.seq = state->stats.last_seq + 1;
  }
  record.dataset = dataset;
  record.run_id = run_id;
  record.committed_at = IsoOfMicros(NowMicros());

  // Everything that can be checked is checked before the record exists, so that a bad argument
  // cannot produce a record that recovery would then reject.
  std::set<std::string> dt_dirs;
  for (const CommittedFile& f : files) {
    if (!IsValidCommittedPath(f.path)) {
      return Status::Error(fmt::format("{}: not a valid committed file path", f.path));
    }
    const std::string staged = staging + "/" + BaseName(f.path);
    if (!IsRegularFile(staged)) return Status::Error(fmt::format("{} is not staged", staged));
    dt_dirs.insert(ds_dir + "/" + DirName(f.path));
    record.rows += f.rows;
    record.files.push_back(f);
  }
  record.removed = removed;
  Status s = MakeDirs(log_dir);
  for (const std::string& d : dt_dirs) {
    if (s.ok()) s = MakeDirs(d);
  }
  if (!s.ok()) return s;

  const std::string final_log = log_dir + "/" + CommitLogFileName(record.seq);
  const std::string temp_log = final_log + kTempSuffix;
  s = WriteFileSynced(temp_log, SerializeCommitRecord(record, progress));
  if (!s.ok()) {
    RemoveFile(temp_log);
    return s;
  }
  Failpoint("bronze.mid_commit");
  s = RenameFile(temp_log, final_log);
  if (!s.ok()) {
    RemoveFile(temp_log);
    return s;
  }
  *record_written = true;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ApplyLocked(*state, record, &progress);
  }
  s = SyncPath(log_dir);
  if (!s.ok()) return s;
  Failpoint("bronze.after_commit");

  for (size_t i = 0; i < files.size(); ++i) {
    s = RenameFile(staging + "/" + BaseName(files[i].path), ds_dir + "/" + files[i].path);
    if (!s.ok()) return s;
    if (i + 1 < files.size()) Failpoint("bronze.mid_rename");
  }
  for (const std::string& d : dt_dirs) {
    s = SyncPath(d);
    if (!s.ok()) return s;
  }
  if (!files.empty()) s = SyncPath(staging);
  std::set<std::string> removed_from;
  for (size_t i = 0; s.ok() && i < removed.size(); ++i) {
    s = RemoveFile(ds_dir + "/" + removed[i]);
    removed_from.insert(ds_dir + "/" + DirName(removed[i]));
    if (i + 1 < removed.size()) Failpoint("bronze.mid_remove");
  }
  for (const std::string& d : removed_from) {
    if (s.ok()) s = SyncPath(d);
  }
  if (s.ok() && CheckpointDue(*state)) s = WriteCheckpoint(dataset, *state);
  return s;
}

}  // namespace polypipe::bronze
