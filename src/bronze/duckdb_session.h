// DuckDbSession: an in-memory DuckDB database with one connection, configured so that it can never
// reach the network (extension auto-install and auto-load are off; parquet and json are built into
// the library), with bounded memory and threads.
//
// SQL built by Bronze only ever contains identifiers and paths it made itself; QuoteSqlString and
// QuoteSqlIdentifier quote those. Data values never go through SQL text.
//
// Thread-safety: a session is used by one thread at a time (DuckDB connections are not meant to be
// shared without synchronization). Distinct sessions are independent.

#pragma once

#include <duckdb.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bronze/status.h"

namespace polypipe::bronze {

struct DuckDbOptions {
  std::string memory_limit = "200MB";
  int threads = 1;
  // Where DuckDB may spill when a batch exceeds memory_limit; empty leaves DuckDB's default, which
  // for an in-memory database is ".tmp" in the working directory.
  std::string temp_directory;
};

class DuckDbSession {
 public:
  static Status Open(const DuckDbOptions& options, std::unique_ptr<DuckDbSession>* session);
  ~DuckDbSession();

  DuckDbSession(const DuckDbSession&) = delete;
  DuckDbSession& operator=(const DuckDbSession&) = delete;

  duckdb_connection connection() const { return conn_; }

  // Runs one statement and discards its result.
  Status Execute(const std::string& sql);

 private:
  DuckDbSession(duckdb_database db, duckdb_connection conn) : db_(db), conn_(conn) {}

  duckdb_database db_;
  duckdb_connection conn_;
};

struct QueryResult {
  std::vector<std::string> columns;
  // rows[r][c]: the value cast to text, nullopt for NULL.
  std::vector<std::vector<std::optional<std::string>>> rows;
};

// Runs one SELECT (a trailing ';' is allowed) on `conn` and collects its result as text: DuckDB's
// own casts (lists as "[a, b]", timestamps as "2026-01-01 00:00:00"), keeping the query's column
// names and row order. On failure the status holds DuckDB's message.
Status QueryText(duckdb_connection conn, const std::string& sql, QueryResult* result);

// 'text' with embedded single quotes doubled: a SQL string literal.
std::string QuoteSqlString(std::string_view text);

// "name" with embedded double quotes doubled: a SQL identifier.
std::string QuoteSqlIdentifier(std::string_view name);

}  // namespace polypipe::bronze
