// Sink: where one dataset's rows go during a run. Producers (fetcher workers) Append rows together
// with the stream progress those rows complete; a persister thread writes them to Parquet and
// commits files and progress together through the Store (see store.h and DESIGN.md section 4).
//
// Double buffering: Append adds to the active buffer (a ColumnBatch: the rows are copied into it
// column by column on the producer's thread and the Row objects freed there); when it holds
// flush_rows rows or flush_bytes bytes and the persister is idle, the persister takes the whole
// buffer and the emptied previous one becomes active, so producers only wait for Parquet I/O when
// the active buffer reaches max_rows or flush_bytes while the persister is still busy (the
// backpressure that bounds memory). A batch
// taken before it filled (by Flush or Close) gives the buffers' memory back, so a dataset that is
// done holds none while the run goes on.
//
// Errors are sticky: once a batch fails to commit (disk full, read-only directory), Append, Flush,
// Close and status() all return that error and nothing more is written. A failed batch leaves
// nothing committed; its staged files are removed (or, if the process dies, deleted by the next
// recovery).
//
// Thread-safety: Append, Flush, status() and the counters may be called from any number of threads.
// Close (and the destructor) must not race with other calls on the same Sink.

#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "bronze/column_batch.h"
#include "bronze/parquet_writer.h"
#include "bronze/row.h"
#include "bronze/status.h"
#include "bronze/store.h"

namespace polypipe::bronze {

struct SinkOptions {
  size_t flush_rows = 50'000;  // the persister takes the buffer at this many rows
  size_t max_rows = 200'000;   // producers block at this many buffered rows (raised to flush_rows)
  // The persister also takes the buffer, and producers block, once its values take this many
  // bytes (ColumnBatch::used_bytes): rows of any size, a trade or a 5 KB Gamma market, hold about
  // the same memory, at most about twice this in the two buffers.
  size_t flush_bytes = size_t{16} << 20;
  // ... and once the stream progress it holds takes this many bytes of text: a resumed run whose
  // requests find nothing new appends progress without rows, and would otherwise hold a million
  // streams until its end.
  size_t flush_progress_bytes = size_t{4} << 20;
  std::string run_id;  // written into every commit record
  // The database the Parquet writers are sessions of, shared with other Sinks and readers of the
  // process so that DuckDB's memory stays under one limit; when null, each writer opens its own
  // with the settings below.
  std::shared_ptr<DuckDbDatabase> duckdb;
  std::string duckdb_memory_limit = "200MB";
  int duckdb_threads = 1;
  size_t writer_threads = 2;  // Parquet files of one batch written at once (one per dt= partition)
  // Called on the persister thread after each batch it commits (a fetch compacts the dataset's
  // small files there every few commits): the next batch waits for it, a Flush of this one does
  // not.
  std::function<void()> after_commit;
};

class Sink {
 public:
  // Starts the persister. Problems found here (a schema without columns, a partition column that is
  // not BIGINT/TIMESTAMP, an invalid dataset name, DuckDB failing to open) become the sticky
  // status. REQUIRES: `store` outlives the Sink.
  Sink(Store& store, const Schema& schema, SinkOptions options);
  // Close()s, ignoring its status (call Close to see it).
  ~Sink();

  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;

  // Queues `rows`, then merges `progress` (a JSON object, or null for none) key by key into the
  // progress that will be committed with them: progress is never committed before the rows appended
  // with or before it. Rows that do not fit the schema are dropped and counted (rows_rejected());
  // strings that are not valid UTF-8 get U+FFFD for their bad bytes (cells_repaired()).
  // Blocks while the buffer is full and the persister busy. Returns the sticky error if the Sink
  // has failed (the rows are then not queued), or an error if `progress` is not an object or one
  // column of `rows` holds over 2 GiB of text.
  Status Append(std::vector<Row>&& rows, nlohmann::json progress = {});

  // Commits everything appended before the call (rows and progress) and waits until it is durable.
  Status Flush();

  // Flushes, stops the persister and releases DuckDB. Later Appends fail; later Closes return the
  // same status.
  Status Close();

  // Ok, or the error that stopped the Sink.
  Status status() const;

  const Schema& schema() const { return schema_; }

  // Counters for progress displays (monotonic, updated as commits land).
  uint64_t rows_committed() const { return rows_committed_.load(std::memory_order_relaxed); }
  uint64_t files_committed() const { return files_committed_.load(std::memory_order_relaxed); }
  uint64_t bytes_committed() const { return bytes_committed_.load(std::memory_order_relaxed); }
  uint64_t commits() const { return commits_.load(std::memory_order_relaxed); }
  uint64_t rows_rejected() const { return rows_rejected_.load(std::memory_order_relaxed); }
  // Appends that had to wait for buffer space (backpressure), and the most rows the active buffer
  // ever held (at most max_rows - 1 plus the largest single Append).
  uint64_t appends_blocked() const { return appends_blocked_.load(std::memory_order_relaxed); }
  uint64_t peak_rows_buffered() const {
    return peak_rows_buffered_.load(std::memory_order_relaxed);
  }
  uint64_t cells_repaired() const { return cells_repaired_.load(std::memory_order_relaxed); }
  // Why the first rejected row was rejected; empty if none was.
  std::string first_rejection() const;

 private:
  struct Buffer {
    explicit Buffer(const Schema& schema) : rows(schema) {}
    ColumnBatch rows;
    StreamTexts progress;
    size_t progress_bytes = 0;  // keys and values of `progress`
  };

  void PersisterLoop();
  // REQUIRES: mu_ held.
  bool ShouldSwapLocked() const;
  bool FullLocked() const;
  // The active buffer holds `rows` rows, or flush_bytes of values, or flush_progress_bytes of
  // progress.
  bool FilledLocked(size_t rows) const;
  // A writer for this Sink's schema (a session of options_.duckdb, else its own in-memory DuckDB).
  Status OpenWriter(std::unique_ptr<ParquetWriter>* writer) const;
  // Stages, commits and places one batch. Runs on the persister thread without mu_.
  Status Persist(Buffer& batch);

  Store& store_;
  const Schema schema_;
  const SinkOptions options_;
  std::string duckdb_temp_dir_;
  // Used by the persister thread only; the first opens with the Sink, the others with the first
  // batch of several partitions.
  std::vector<std::unique_ptr<ParquetWriter>> writers_;

  mutable std::mutex mu_;
  std::condition_variable work_cv_;   // the persister waits for a batch or for Close
  std::condition_variable space_cv_;  // producers wait for buffer space
  std::condition_variable done_cv_;   // Flush waits for commits
  Buffer active_{schema_};
  Buffer spare_{schema_};  // the persister's last batch, emptied: the next active buffer
  Status status_;
  std::string first_rejection_;
  bool busy_ = false;     // the persister holds a batch
  bool closing_ = false;  // Close was called: persist what is left, then stop
  bool stopped_ = false;  // the persister has exited (or never started)
  // Appends are numbered; each of these is the number of the last Append it covers.
  uint64_t appended_ = 0;
  uint64_t swapped_ = 0;
  uint64_t committed_ = 0;
  uint64_t flush_target_ = 0;

  std::atomic<uint64_t> rows_committed_{0};
  std::atomic<uint64_t> files_committed_{0};
  std::atomic<uint64_t> bytes_committed_{0};
  std::atomic<uint64_t> commits_{0};
  std::atomic<uint64_t> rows_rejected_{0};
  std::atomic<uint64_t> cells_repaired_{0};
  std::atomic<uint64_t> appends_blocked_{0};
  std::atomic<uint64_t> peak_rows_buffered_{0};

  std::thread persister_;
};

}  // namespace polypipe::bronze
