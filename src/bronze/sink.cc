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

// An Append's text, and a buffer's before the Append that fills it, stay below these, so a column
// of the buffer never reaches ColumnBatch::kMaxTextBytes.
constexpr size_t kMaxAppendTextBytes = size_t{512} << 20;
static_assert(2 * kMaxAppendTextBytes <= ColumnBatch::kMaxTextBytes);

// The most text one column of `rows` holds (strings and list items).
size_t MostColumnText(const std::vector<Row>& rows) {
  std::vector<size_t> text;
  for (const Row& row : rows) {
    if (text.size() < row.size()) text.resize(row.size());
    for (size_t col = 0; col < row.size(); ++col) {
      if (const auto* s = std::get_if<std::string>(&row[col])) {
        text[col] += s->size();
      } else if (const auto* list = std::get_if<std::vector<std::string>>(&row[col])) {
        for (const std::string& item : *list) text[col] += item.size();
      }
    }
  }
  return text.empty() ? 0 : *std::max_element(text.begin(), text.end());
}

SinkOptions Normalized(SinkOptions o) {
  o.flush_rows = std::max<size_t>(o.flush_rows, 1);
  o.max_rows = std::max(o.max_rows, o.flush_rows);
  o.writer_threads = std::max<size_t>(o.writer_threads, 1);
  o.flush_bytes = std::clamp<size_t>(o.flush_bytes, 1, kMaxAppendTextBytes);
  o.flush_progress_bytes = std::max<size_t>(o.flush_progress_bytes, 1);
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
    if (!options_.duckdb) {
      // DuckDB spills here if a batch outgrows its memory limit; being inside _staging, a
      // directory left by a crash is cleared by the next recovery.
      static std::atomic<uint64_t> sink_number{0};
      duckdb_temp_dir_ = fmt::format("{}/.duckdb_tmp_{}_{}", store_.StagingDir(schema_.dataset),
                                     ::getpid(), sink_number.fetch_add(1));
    }
    std::unique_ptr<ParquetWriter> writer;
    s = OpenWriter(&writer);
    if (s.ok()) writers_.push_back(std::move(writer));
  }
  if (!s.ok()) {
    status_ =
        Status::Error(fmt::format("cannot start the {} sink: {}", schema_.dataset, s.message()));
    stopped_ = true;
    return;
  }
  persister_ = std::thread([this] { PersisterLoop(); });
}

Status Sink::OpenWriter(std::unique_ptr<ParquetWriter>* writer) const {
  if (options_.duckdb) return ParquetWriter::Open(schema_, options_.duckdb, writer);
  DuckDbOptions db;
  db.memory_limit = options_.duckdb_memory_limit;
  db.threads = options_.duckdb_threads;
  db.temp_directory = duckdb_temp_dir_;
  return ParquetWriter::Open(schema_, db, writer);
}

Sink::~Sink() {
  Close();
}

Status Sink::Append(std::vector<Row>&& rows, nlohmann::json progress) {
  if (!progress.is_null() && !progress.is_object()) {
    return Status::Error(fmt::format("{}: progress must be a JSON object, got {}", schema_.dataset,
                                     progress.type_name()));
  }
  // Checked and repaired before taking the lock, so producers do this in parallel.
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
  StreamTexts texts = StreamTextsOf(progress);  // held as text: a tenth of the memory
  const bool has_progress = !texts.empty();
  if (const size_t text = MostColumnText(rows); text >= kMaxAppendTextBytes) {
    return Status::Error(
        fmt::format("{}: {} rows with {} bytes of text in one column are too "
                    "many for one append",
                    schema_.dataset, rows.size(), text));
  }

  std::unique_lock<std::mutex> lock(mu_);
  if (rejected > 0 && first_rejection_.empty()) first_rejection_ = std::move(first_why);
  if (!status_.ok()) return status_;
  if (closing_) return Status::Error(fmt::format("the {} sink is closed", schema_.dataset));
  if (rows.empty() && !has_progress) return Status::Ok();

  // Backpressure: the persister swaps as soon as it is free (max_rows >= flush_rows), so this wait
  // ends when it takes the buffer or fails.
  if (FullLocked()) {
    appends_blocked_.fetch_add(1, std::memory_order_relaxed);
    space_cv_.wait(lock, [&] { return !FullLocked() || !status_.ok(); });
  }
  if (!status_.ok()) return status_;
  // An Append that waited through a Close must not queue rows nobody will write.
  if (stopped_) return Status::Error(fmt::format("the {} sink is closed", schema_.dataset));

  // Converted straight into the buffer: a batch built outside the lock would be copied again here.
  for (const Row& row : rows) active_.rows.Append(row);
  if (has_progress) {
    for (auto& [key, value] : texts) {
      auto [it, added] = active_.progress.try_emplace(key);
      active_.progress_bytes += value.size() + (added ? key.size() : 0);
      active_.progress_bytes -= it->second.size();
      it->second = std::move(value);
    }
  }
  if (active_.rows.size() > peak_rows_buffered_.load(std::memory_order_relaxed)) {
    peak_rows_buffered_.store(active_.rows.size(), std::memory_order_relaxed);  // under mu_
  }
  ++appended_;
  if (ShouldSwapLocked()) work_cv_.notify_one();
  lock.unlock();
  rows = {};  // freed on the thread that made them, outside the lock
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
  writers_.clear();
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
  return FilledLocked(options_.flush_rows) || flush_target_ > swapped_ || closing_;
}

bool Sink::FullLocked() const {
  return FilledLocked(options_.max_rows);
}

bool Sink::FilledLocked(size_t rows) const {
  return active_.rows.size() >= rows || active_.rows.used_bytes() >= options_.flush_bytes ||
         active_.progress_bytes >= options_.flush_progress_bytes;
}

void Sink::PersisterLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    work_cv_.wait(lock, [&] { return ShouldSwapLocked() || closing_ || !status_.ok(); });
    if (!ShouldSwapLocked()) {
      if (closing_ || !status_.ok()) break;
      continue;
    }
    // A batch taken by a Flush or Close rather than because it filled ends a pause in the dataset
    // (or the dataset): its memory goes back instead of waiting in the spare buffer, where a Sink
    // whose fetch is over would hold it for the rest of the run.
    const bool pause = !FilledLocked(options_.flush_rows);
    Buffer batch = std::move(active_);
    active_ = std::move(spare_);
    const uint64_t covers = appended_;
    swapped_ = covers;
    busy_ = true;
    space_cv_.notify_all();

    lock.unlock();
    Status s = Persist(batch);
    if (pause) {
      batch = Buffer(schema_);
    } else {
      batch.rows.Clear();
      batch.progress.clear();
      batch.progress_bytes = 0;
    }
    lock.lock();
    spare_ = std::move(batch);
    if (pause && active_.rows.empty() && active_.progress.empty()) active_ = Buffer(schema_);

    busy_ = false;
    if (s.ok()) {
      committed_ = covers;
    } else {
      status_ = s;
    }
    done_cv_.notify_all();
    space_cv_.notify_all();
    if (s.ok() && options_.after_commit) {
      lock.unlock();
      options_.after_commit();
      lock.lock();
    }
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

  // A batch of many partitions (trades spread over years of days) is made durable with one
  // filesystem sync instead of an fsync per file.
  const bool many = partitions.size() > kFsyncPerFileUpTo;
  std::vector<std::string> staged;
  std::vector<CommittedFile> files(partitions.size());
  for (size_t i = 0; i < partitions.size(); ++i) {
    const std::string name = store_.NewFileName(dataset);
    staged.push_back(staging + "/" + name);
    files[i].path = fmt::format("dt={}/{}", partitions[i].date, name);
    files[i].rows = static_cast<int64_t>(partitions[i].rows.size());
    files[i].min_event_us = partitions[i].min_event_us;
    files[i].max_event_us = partitions[i].max_event_us;
  }
  auto discard = [&](const Status& cause) {
    for (const std::string& path : staged) RemoveFile(path);
    return Status::Error(fmt::format("{}: batch not committed: {}", dataset, cause.message()));
  };

  // The files are written by up to writer_threads writers at once, each taking the next partition.
  while (writers_.size() < std::min(partitions.size(), options_.writer_threads)) {
    std::unique_ptr<ParquetWriter> writer;
    if (!OpenWriter(&writer).ok()) break;  // fewer writers: slower, not wrong
    writers_.push_back(std::move(writer));
  }
  std::atomic<size_t> next{0};
  std::mutex error_mu;
  Status error;
  auto write = [&](ParquetWriter& writer) {
    size_t i;
    while ((i = next.fetch_add(1)) < partitions.size()) {
      // The run's planner shares the writers' database: a write that finds its memory held
      // waits for it.
      Status s =
          RetryOutOfMemory([&] { return writer.Write(batch.rows, partitions[i].rows, staged[i]); });
      if (s.ok() && !many) s = SyncPath(staged[i]);
      if (s.ok()) s = FileSize(staged[i], &files[i].bytes);
      if (!s.ok()) {
        next.store(partitions.size());
        std::lock_guard lock(error_mu);
        if (error.ok()) error = s;
        return;
      }
      if (i + 1 < partitions.size()) Failpoint("bronze.mid_stage");
    }
  };
  std::vector<std::thread> helpers;
  for (size_t w = 1; w < writers_.size(); ++w) helpers.emplace_back(write, std::ref(*writers_[w]));
  write(*writers_[0]);
  for (std::thread& t : helpers) t.join();
  if (!error.ok()) return discard(error);

  if (!files.empty()) {
    Status s = many ? SyncFileSystem(staging) : SyncPath(staging);
    if (!s.ok()) return discard(s);
  }
  Failpoint("bronze.after_stage");

  bool record_written = false;
  Status s =
      store_.Commit(dataset, options_.run_id, files, std::move(batch.progress), &record_written);
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
