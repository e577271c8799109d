// ParquetWriter: turns rows of one Schema into ZSTD-compressed Parquet files through an in-memory
// DuckDB: rows go into a table through data chunks (never through SQL text), then COPY writes the
// table to a file and the table is emptied for the next file.
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

#include "bronze/duckdb_session.h"
#include "bronze/row.h"
#include "bronze/status.h"

namespace polypipe::bronze {

class ParquetWriter {
 public:
  // Opens a DuckDB session and creates the table for `schema` (which needs at least one column).
  static Status Open(const Schema& schema, const DuckDbOptions& options,
                     std::unique_ptr<ParquetWriter>* writer);
  ~ParquetWriter();

  ParquetWriter(const ParquetWriter&) = delete;
  ParquetWriter& operator=(const ParquetWriter&) = delete;

  // Writes rows[indices[0]], rows[indices[1]], ... in that order to a new Parquet file at `path`
  // (which must not exist). On failure a partial file may be left at `path`; the caller removes it.
  // REQUIRES: every row fits the schema (CheckRow).
  Status Write(const std::vector<Row>& rows, const std::vector<uint32_t>& indices,
               const std::string& path);

 private:
  ParquetWriter(const Schema& schema, std::unique_ptr<DuckDbSession> session);

  Status Load(const std::vector<Row>& rows, const std::vector<uint32_t>& indices);

  const Schema schema_;
  std::unique_ptr<DuckDbSession> session_;
  std::vector<duckdb_logical_type> types_;
  duckdb_data_chunk chunk_ = nullptr;
};

}  // namespace polypipe::bronze
