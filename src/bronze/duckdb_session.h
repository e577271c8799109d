// DuckDbSession: an in-memory DuckDB database with one connection, configured so that it can never
// reach the network (extension auto-install and auto-load are off; parquet and json are built into
// the library), with bounded memory and threads.
//
// SQL built by Bronze only ever contains identifiers and paths it made itself; QuoteSqlString and
// QuoteSqlIdentifier quote those. Data values never go through SQL text.
//
// Sessions may share one database (DuckDbDatabase): their memory then stays under its one limit
// together, and DuckDB spills what the others hold when one needs more, where separate databases
// would each keep up to their own limit.
//
// Thread-safety: a session is used by one thread at a time (DuckDB connections are not meant to be
// shared without synchronization). Distinct sessions are independent, also when they share a
// database; a DuckDbDatabase may be connected to from any thread.

#pragma once

#include <duckdb.h>

#include <functional>
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

// An in-memory database that sessions connect to; closed when its last session is gone.
class DuckDbDatabase {
 public:
  static Status Open(const DuckDbOptions& options, std::shared_ptr<DuckDbDatabase>* database);
  ~DuckDbDatabase();

  DuckDbDatabase(const DuckDbDatabase&) = delete;
  DuckDbDatabase& operator=(const DuckDbDatabase&) = delete;

  duckdb_database handle() const { return db_; }

 private:
  explicit DuckDbDatabase(duckdb_database db) : db_(db) {}

  duckdb_database db_;
};

class DuckDbSession {
 public:
  // A session of its own database.
  static Status Open(const DuckDbOptions& options, std::unique_ptr<DuckDbSession>* session);
  // A session of `database`, which it keeps open. Settings changed with SET that DuckDB keeps per
  // database (memory_limit, threads, preserve_insertion_order, ...) apply to all its sessions.
  static Status Connect(std::shared_ptr<DuckDbDatabase> database,
                        std::unique_ptr<DuckDbSession>* session);
  ~DuckDbSession();

  DuckDbSession(const DuckDbSession&) = delete;
  DuckDbSession& operator=(const DuckDbSession&) = delete;

  duckdb_connection connection() const { return conn_; }

  // Runs one statement and discards its result; sets *rows_changed (when given) to the rows an
  // INSERT, UPDATE, DELETE or COPY wrote.
  Status Execute(const std::string& sql, int64_t* rows_changed = nullptr);

  // Drops the entry DuckDB's external file cache keeps for every file its database has opened,
  // even with the cache disabled: about 460 bytes a file, 60 MB for a compaction of 130,000
  // files. Only the switch from enabled to disabled clears them, and it must not happen while any
  // session of the database reads a file: call it between queries of an otherwise idle database.
  Status ForgetOpenedFiles();

 private:
  DuckDbSession(std::shared_ptr<DuckDbDatabase> db, duckdb_connection conn)
      : db_(std::move(db)), conn_(conn) {}

  std::shared_ptr<DuckDbDatabase> db_;
  duckdb_connection conn_;
};

// Whether `s` carries DuckDB's "Out of Memory Error". In a database its sessions share (a fetch's
// Parquet writers and planner), one statement can find the memory held by another's for a moment.
bool IsOutOfMemory(const Status& s);

// Runs `step`, and runs it again while it fails for memory (IsOutOfMemory), up to
// kOutOfMemoryAttempts runs: the statements holding the memory end and free it. Before each new
// run it calls `wait(n)` (n = 1, 2, ...), by default a pause of 0.1 s doubling up to 2 s (about
// 10 s in all). `step` must leave nothing behind when it fails (a DuckDB statement that fails is
// rolled back).
constexpr int kOutOfMemoryAttempts = 8;
Status RetryOutOfMemory(const std::function<Status()>& step,
                        const std::function<void(int retry)>& wait = {});

struct QueryResult {
  std::vector<std::string> columns;
  // rows[r][c]: the value cast to text, nullopt for NULL.
  std::vector<std::vector<std::optional<std::string>>> rows;
};

// One row of a streamed query: the column names and the values as DuckDB's text casts (nullopt for
// NULL). The views are valid only during the call that receives the row.
struct TextRow {
  std::vector<std::string> columns;
  std::vector<std::optional<std::string_view>> values;
};

// A streamed query, read row by row in DuckDB's chunks (memory stays bounded however many rows
// there are). Used by one thread; the session must outlive it.
class RowCursor {
 public:
  // Runs one SELECT (a trailing ';' is allowed); on failure the status holds DuckDB's message.
  static Status Open(duckdb_connection conn, const std::string& sql,
                     std::unique_ptr<RowCursor>* cursor);
  ~RowCursor();
  RowCursor(const RowCursor&) = delete;
  RowCursor& operator=(const RowCursor&) = delete;

  // The next row (valid until the next call), or nullptr at the end; then status() says whether
  // the query failed on the way.
  const TextRow* Next();
  const Status& status() const { return status_; }

 private:
  RowCursor() = default;

  duckdb_result result_{};
  bool open_ = false;
  bool done_ = false;
  duckdb_data_chunk chunk_ = nullptr;
  idx_t size_ = 0, next_ = 0;
  std::vector<duckdb_string_t*> data_;
  std::vector<uint64_t*> validity_;
  TextRow row_;
  Status status_;
};

// Runs one SELECT (a trailing ';' is allowed) on `conn` and streams its result to `visit` row by
// row, chunk by chunk (memory stays bounded however many rows there are). Stops at the first error
// `visit` returns; on a query failure the status holds DuckDB's message.
Status ForEachRow(duckdb_connection conn, const std::string& sql,
                  const std::function<Status(const TextRow& row)>& visit);

// Runs one SELECT (a trailing ';' is allowed) on `conn` and collects its result as text: DuckDB's
// own casts (lists as "[a, b]", timestamps as "2026-01-01 00:00:00"), keeping the query's column
// names and row order. On failure the status holds DuckDB's message.
Status QueryText(duckdb_connection conn, const std::string& sql, QueryResult* result);

// 'text' with embedded single quotes doubled: a SQL string literal.
std::string QuoteSqlString(std::string_view text);

// "name" with embedded double quotes doubled: a SQL identifier.
std::string QuoteSqlIdentifier(std::string_view name);

}  // namespace polypipe::bronze
