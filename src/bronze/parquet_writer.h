// ParquetWriter: turns rows of one Schema into ZSTD-compressed Parquet files through an in-memory
// DuckDB. COPY reads the rows from a table function that fills DuckDB data chunks straight from a
// ColumnBatch, so values never pass through SQL text and are not copied into a table first.
//
// The COPY is prepared once per directory and always writes the same scratch file there, which
// Write then renames to the path asked for: parsing, binding and planning a statement cost about
// as much CPU as writing a small file, and a batch of trades writes one file per trade date.
//
// Column types map as: kVarchar and kJson -> VARCHAR (JSON stays text, so malformed JSON from the
// API is kept rather than failing the batch), kBigint -> BIGINT, kDouble -> DOUBLE, kBoolean ->
// BOOLEAN, kTimestamp -> TIMESTAMP (microseconds, UTC), kVarcharList -> VARCHAR[].
//
// Thread-safety: not thread-safe; one writer belongs to one thread at a time (a Sink's persister).

#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bronze/column_batch.h"
#include "bronze/duckdb_session.h"
#include "bronze/row.h"
#include "bronze/status.h"

namespace polypipe::bronze {

class ParquetWriter {
 public:
  // Opens a DuckDB session and registers the batch scan for `schema` (which needs at least one
  // column, with distinct names).
  static Status Open(const Schema& schema, const DuckDbOptions& options,
                     std::unique_ptr<ParquetWriter>* writer);
  // The same with a session of `database`, beside its other sessions (writers included).
  static Status Open(const Schema& schema, std::shared_ptr<DuckDbDatabase> database,
                     std::unique_ptr<ParquetWriter>* writer);
  ~ParquetWriter();

  ParquetWriter(const ParquetWriter&) = delete;
  ParquetWriter& operator=(const ParquetWriter&) = delete;

  // Writes rows indices[0], indices[1], ... of `batch` (of this writer's schema) in that order to a
  // new Parquet file at `path` (which must not exist). On failure a partial file may be left at
  // `path` or at this writer's scratch file beside it (a hidden name in the same directory); the
  // caller removes the first, and a Store's recovery clears both from _staging.
  Status Write(const ColumnBatch& batch, const std::vector<uint32_t>& indices,
               const std::string& path);

  // Files written between two preparations of the COPY (see PrepareCopy).
  static constexpr int kCopiesPerPrepare = 1000;

 private:
  ParquetWriter(const Schema& schema, std::unique_ptr<DuckDbSession> session);

  struct Scan;  // the table function's callbacks

  // Registers the batch scan in the session and checks the schema against it.
  static Status Start(const Schema& schema, std::unique_ptr<DuckDbSession> session,
                      std::unique_ptr<ParquetWriter>* writer);

  // Prepares the COPY into `dir`'s scratch file unless it is the one already prepared, and again
  // after kCopiesPerPrepare executions: DuckDB keeps something of every execution of a prepared
  // statement until it is destroyed (about 400 bytes a file: 66 MB after 170,000 files).
  Status PrepareCopy(const std::string& dir);

  const Schema schema_;
  std::unique_ptr<DuckDbSession> session_;
  std::vector<duckdb_logical_type> types_;
  const uint64_t id_;  // names the scratch file and the scan, distinct per writer of the process
  // The table function's name: the catalog of a database holds those of all its writers.
  const std::string scan_name_;
  std::string copy_dir_;
  std::string scratch_path_;
  duckdb_prepared_statement copy_ = nullptr;
  int copies_ = 0;  // executions of copy_
  // The batch being written, read by the table function during Write only.
  const ColumnBatch* scan_batch_ = nullptr;
  const std::vector<uint32_t>* scan_ids_ = nullptr;
  size_t scan_pos_ = 0;
};

}  // namespace polypipe::bronze
