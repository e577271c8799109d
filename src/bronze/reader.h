// Reading committed Bronze data back: the glob that matches a dataset's committed files, and a
// small Reader that runs SQL over them in an in-memory DuckDB and returns every value as text.
// Meant for tests and for fetchers that need a little of what is already on disk (e.g. the newest
// market snapshot); bulk loading is Silver's business.
//
// Only files in dt= folders are ever matched, so staged (uncommitted) files are never read.
//
// Thread-safety: GlobFor and HasCommittedFiles are safe from any thread; a Reader is used by one
// thread at a time.

#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bronze/duckdb_session.h"
#include "bronze/status.h"

namespace polypipe::bronze {

// "<data_dir>/<dataset>/dt=*/*.parquet"
std::string GlobFor(const std::string& data_dir, const std::string& dataset);

// The SQL expression read_parquet('<glob>') for the dataset, with the path quoted; use it in FROM.
// Note: DuckDB fails a query over a glob that matches nothing (see HasCommittedFiles).
std::string ReadParquetSql(const std::string& data_dir, const std::string& dataset);

// True if at least one committed file of the dataset is in place.
bool HasCommittedFiles(const std::string& data_dir, const std::string& dataset);

class Reader {
 public:
  static Status Open(std::unique_ptr<Reader>* reader);

  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // Runs one SELECT and collects its result. Values are DuckDB's text casts (lists as
  // "[a, b]", timestamps as "2026-01-01 00:00:00"); strings containing NUL bytes are cut at the
  // first.
  Status Query(const std::string& sql, QueryResult* result);

 private:
  explicit Reader(std::unique_ptr<DuckDbSession> session) : session_(std::move(session)) {}

  std::unique_ptr<DuckDbSession> session_;
};

}  // namespace polypipe::bronze
