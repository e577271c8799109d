// SilverDb: the Silver DuckDB database file (`data/polymarket.duckdb` by default), opened with one
// connection. It can never reach the network (extension auto-install and auto-load are off;
// parquet and json are built into the library) and runs in UTC, so that TIMESTAMP values mean
// the same thing on every machine.
//
// DuckDB itself allows one writing process per file: a second writer (or a reader beside a writer)
// fails to open with DuckDB's lock message, which Open passes on.
//
// Thread-safety: one thread at a time, except Progress, which may be called from another thread
// while a statement runs (it reads DuckDB's progress counter).

#pragma once

#include <duckdb.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bronze/reader.h"
#include "bronze/status.h"

namespace polypipe::silver {

using bronze::QueryResult;
using bronze::Status;

struct SilverDbOptions {
  bool read_only = false;
  int threads = 0;             // 0: DuckDB's default (one per core)
  std::string memory_limit;    // empty: DuckDB's default (80% of RAM)
  std::string temp_directory;  // empty: DuckDB's default ("<path>.tmp")
};

class SilverDb {
 public:
  // Opens (creating when writable and missing) the database file at `path`.
  static Status Open(const std::string& path, const SilverDbOptions& options,
                     std::unique_ptr<SilverDb>* db);
  ~SilverDb();

  SilverDb(const SilverDb&) = delete;
  SilverDb& operator=(const SilverDb&) = delete;

  const std::string& path() const { return path_; }
  duckdb_connection connection() const { return conn_; }

  // Runs one or more statements (separated by ';'), discarding results.
  Status Execute(const std::string& sql);

  // Runs one query; every value is returned as DuckDB's text cast (nullopt for NULL).
  Status Query(const std::string& sql, QueryResult* result);

  // Runs a query whose first cell is an integer (NULL reads as 0).
  Status QueryInt(const std::string& sql, int64_t* value);

  // True if `schema`.`table` exists.
  Status TableExists(const std::string& schema, const std::string& table, bool* exists);

  // The running statement's progress in percent, or -1 when DuckDB cannot tell.
  double Progress() const;

 private:
  SilverDb(std::string path, duckdb_database db, duckdb_connection conn)
      : path_(std::move(path)), db_(db), conn_(conn) {}

  std::string path_;
  duckdb_database db_;
  duckdb_connection conn_;
};

// Appends rows to one table through DuckDB's appender, inside the connection's open transaction:
// values travel as typed values, never as SQL text.
class TableAppender {
 public:
  // `catalog` is "temp" for a temporary table, otherwise the database's name (nullptr: default).
  TableAppender(SilverDb& db, const char* catalog, const char* schema, const char* table);
  ~TableAppender();

  TableAppender(const TableAppender&) = delete;
  TableAppender& operator=(const TableAppender&) = delete;

  void Text(const std::string& value);
  void Int(int64_t value);
  void Bool(bool value);
  void Null();
  void EndRow();
  // Flushes the rows; the first error of any call above is reported here.
  Status Close();

 private:
  void Track(duckdb_state state);

  duckdb_appender appender_ = nullptr;
  Status status_;
};

// The memory_limit to give DuckDB so that the whole process stays within `process_limit` (a size
// such as "1GB"): DuckDB does not count all it allocates (its code, per-thread vectors and
// buffers): given 850 MB it peaked at 1,122 MB in a load of 20M trades, given 697 MB at 923 MB, so
// it gets 70% of the limit. Returns `process_limit` unchanged when it is not a number and a unit.
std::string DuckDbMemoryLimit(const std::string& process_limit);

// DuckDB's message without its trailing detail lines: one line for stderr.
std::string FirstLine(const std::string& message);

}  // namespace polypipe::silver
