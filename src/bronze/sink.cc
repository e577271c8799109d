#include "bronze/sink.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "bronze/durable_fs.h"
#include "bronze/failpoint.h"
#include "bronze/partitioner.h"
#include "bronze/row_check.h"
#include "bronze/utc_time.h"

namespace polypipe::bronze {
namespace {

SinkOptions Normalized(SinkOptions o) {
  o.flush_rows = std::max<size_t>(o.flush_rows, 1);
  o.max_rows = std::max(o.max_rows, o.flush_rows);
  return o;
}

Status CheckSchema(const Schema& schema) {
  if (schema.columns.empty()) {
    return Status::Error(fmt::format("schema of {} has no columns", schema.dataset));
  }
  const int p = schema.partition_column;
  if (p < -1 || p >= static_cast<int>(schema.columns.size())) {
    return Status::Error(
        fmt::format("schema of {}: partition_column {} is out of range", schema.dataset, p));
  }
  if (p >= 0 && schema.columns[p].type != ColumnType::kBigint &&
      schema.columns[p].type != ColumnType::kTimestamp) {
    return Status::Error(fmt::format("schema of {}: partition column {} is not BIGINT or TIMESTAMP",
                                     schema.dataset, schema.columns[p].name));
  }
  return Status::Ok();
}

}  // namespace

Sink::Sink(Store& store, const Schema& schema, SinkOptions options)
    : store_(store), schema_(schema), options_(Normalized(std::move(options))) {
  Status s = CheckSchema(schema_);
  if (s.ok()) s = store_.PrepareDataset(schema_.dataset);
  if (s.ok()) {
    // DuckDB spills here if a batch outgrows its memory limit; being inside _staging, a directory
    // left by a crash is cleared by the next recovery.
    static std::atomic<uint64_t> sink_number{0};
    duckdb_temp_dir_ = fmt::format("{}/.duckdb_tmp_{}_{}", store_.StagingDir(schema_.dataset),
                                   ::getpid(), sink_number.fetch_add(1));
    DuckDbOptions db;
    db.memory_limit = options_.duckdb_memory_limit;
    db.threads = options_.duckdb_threads;
    db.temp_directory = duckdb_temp_dir_;
    s = ParquetWriter::Open(schema_, db, &writer_);
  }
  if (!s.ok()) {
    status_ =
        Status::Error(fmt::format("cannot start the {} sink: {}", schema_.dataset, s.message()));
    stopped_ = true;
    return;
  }
  persister_ = std::thread([this] { PersisterLoop(); });
}

Sink::~Sink() {
  Close();
}

Status Sink::Append(std::vector<Row>&& rows, nlohmann::json progress) {
  if (!progress.is_null() && !progress.is_object()) {
    return Status::Error(fmt::format("{}: progress must be a JSON object, got {}", schema_.dataset,
                                     progress.type_name()));
  }
  // Checked before taking the lock, so producers check their rows in parallel.
  std::string first_why;
  size_t rejected = 0;
  rows.erase(std::remove_if(rows.begin(), rows.end(),
                            [&](const Row& row) {
                              std::string why;
                              if (CheckRow(schema_, row, &why)) return false;
                              if (rejected++ == 0) first_why = std::move(why);
                              return true;
                            }),
             rows.end());
  if (rejected > 0) rows_rejected_.fetch_add(rejected, std::memory_order_relaxed);
  size_t repaired = 0;
  for (Row& row : rows) repaired += RepairRowText(&row);
  if (repaired > 0) cells_repaired_.fetch_add(repaired, std::memory_order_relaxed);
  const bool has_progress = progress.is_object() && !progress.empty();

  std::unique_lock<std::mutex> lock(mu_);
  if (rejected > 0 && first_rejection_.empty()) first_rejection_ = std::move(first_why);
  if (!status_.ok()) return status_;
  if (closing_) return Status::Error(fmt::format("the {} sink is closed", schema_.dataset));
  if (rows.empty() && !has_progress) return Status::Ok();

  // Backpressure: the persister swaps as soon as it is free (max_rows >= flush_rows), so this wait
  // ends when it takes the buffer or fails.
  if (active_.rows.size() >= options_.max_rows) {
    appends_blocked_.fetch_add(1, std::memory_order_relaxed);
    space_cv_.wait(lock, [&] { return active_.rows.size() < options_.max_rows || !status_.ok(); });
  }
  if (!status_.ok()) return status_;
  // An Append that waited through a Close must not queue rows nobody will write.
  if (stopped_) return Status::Error(fmt::format("the {} sink is closed", schema_.dataset));

  if (active_.rows.empty()) {
    active_.rows = std::move(rows);
  } else {
    active_.rows.insert(active_.rows.end(), std::make_move_iterator(rows.begin()),
                        std::make_move_iterator(rows.end()));
  }
  if (has_progress) {
    for (auto& [key, value] : progress.items()) active_.progress[key] = std::move(value);
  }
  if (active_.rows.size() > peak_rows_buffered_.load(std::memory_order_relaxed)) {
    peak_rows_buffered_.store(active_.rows.size(), std::memory_order_relaxed);  // under mu_
  }
  ++appended_;
  if (ShouldSwapLocked()) work_cv_.notify_one();
  return Status::Ok();
}

Status Sink::Flush() {
  std::unique_lock<std::mutex> lock(mu_);
  if (!status_.ok()) return status_;
  const uint64_t ticket = appended_;
  if (committed_ >= ticket) return Status::Ok();
  flush_target_ = std::max(flush_target_, ticket);
  work_cv_.notify_one();
  done_cv_.wait(lock, [&] { return committed_ >= ticket || !status_.ok(); });
  return status_;
}

Status Sink::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closing_ = true;
    work_cv_.notify_one();
  }
  if (persister_.joinable()) persister_.join();
  writer_.reset();
  if (!duckdb_temp_dir_.empty()) {
    std::error_code ec;  // best effort: a leftover is removed by the next recovery
    std::filesystem::remove_all(duckdb_temp_dir_, ec);
  }
  std::lock_guard<std::mutex> lock(mu_);
  return status_;
}

Status Sink::status() const {
  std::lock_guard<std::mutex> lock(mu_);
  return status_;
}

std::string Sink::first_rejection() const {
  std::lock_guard<std::mutex> lock(mu_);
  return first_rejection_;
}

bool Sink::ShouldSwapLocked() const {
  if (busy_ || !status_.ok() || appended_ == swapped_) return false;
  return active_.rows.size() >= options_.flush_rows || flush_target_ > swapped_ || closing_;
}

void Sink::PersisterLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    work_cv_.wait(lock, [&] { return ShouldSwapLocked() || closing_ || !status_.ok(); });
    if (!ShouldSwapLocked()) {
      if (closing_ || !status_.ok()) break;
      continue;
    }
    Buffer batch = std::move(active_);
    active_ = Buffer{};
    const uint64_t covers = appended_;
    swapped_ = covers;
    busy_ = true;
    space_cv_.notify_all();

    lock.unlock();
    Status s = Persist(batch);
    batch = Buffer{};  // free the rows before waiting for the next batch
    lock.lock();

    busy_ = false;
    if (s.ok()) {
      committed_ = covers;
    } else {
      status_ = s;
    }
    done_cv_.notify_all();
    space_cv_.notify_all();
  }
  stopped_ = true;
  space_cv_.notify_all();
}

namespace {
constexpr size_t kFsyncPerFileUpTo = 16;
}  // namespace

Status Sink::Persist(Buffer& batch) {
  Failpoint("bronze.before_stage");
  const std::string& dataset = schema_.dataset;
  const std::string staging = store_.StagingDir(dataset);
  const std::vector<Partition> partitions = PartitionRows(schema_, batch.rows, NowMicros());

  std::vector<CommittedFile> files;
  std::vector<std::string> staged;
  // A batch of many partitions (trades spread over years of days) is made durable with one
  // filesystem sync instead of an fsync per file.
  const bool many = partitions.size() > kFsyncPerFileUpTo;
  auto discard = [&](const Status& cause) {
    for (const std::string& path : staged) RemoveFile(path);
    return Status::Error(fmt::format("{}: batch not committed: {}", dataset, cause.message()));
  };

  for (size_t i = 0; i < partitions.size(); ++i) {
    const Partition& p = partitions[i];
    const std::string name = store_.NewFileName(dataset);
    const std::string path = staging + "/" + name;
    staged.push_back(path);
    Status s = writer_->Write(batch.rows, p.rows, path);
    if (s.ok() && !many) s = SyncPath(path);
    CommittedFile f;
    if (s.ok()) s = FileSize(path, &f.bytes);
    if (!s.ok()) return discard(s);
    f.path = fmt::format("dt={}/{}", p.date, name);
    f.rows = static_cast<int64_t>(p.rows.size());
    f.min_event_us = p.min_event_us;
    f.max_event_us = p.max_event_us;
    files.push_back(std::move(f));
    if (i + 1 < partitions.size()) Failpoint("bronze.mid_stage");
  }
  if (!files.empty()) {
    Status s = many ? SyncFileSystem(staging) : SyncPath(staging);
    if (!s.ok()) return discard(s);
  }
  Failpoint("bronze.after_stage");

  bool record_written = false;
  Status s = store_.Commit(dataset, options_.run_id, files, batch.progress, &record_written);
  if (!s.ok()) {
    if (!record_written) return discard(s);
    // The record stands, so the files are committed and recovery will place any left in _staging.
    return Status::Error(
        fmt::format("{}: commit recorded but not completed: {}", dataset, s.message()));
  }
  uint64_t rows = 0;
  uint64_t bytes = 0;
  for (const CommittedFile& f : files) {
    rows += static_cast<uint64_t>(f.rows);
    bytes += static_cast<uint64_t>(f.bytes);
  }
  rows_committed_.fetch_add(rows, std::memory_order_relaxed);
  files_committed_.fetch_add(files.size(), std::memory_order_relaxed);
  bytes_committed_.fetch_add(bytes, std::memory_order_relaxed);
  commits_.fetch_add(1, std::memory_order_relaxed);
  return Status::Ok();
}

}  // namespace polypipe::bronze
