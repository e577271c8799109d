#include "bronze/duckdb_session.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <functional>
#include <thread>
#include <vector>

namespace polypipe::bronze {

Status DuckDbDatabase::Open(const DuckDbOptions& options,
                            std::shared_ptr<DuckDbDatabase>* database) {
  database->reset();
  duckdb_config config = nullptr;
  if (duckdb_create_config(&config) != DuckDBSuccess) {
    return Status::Error("cannot create a DuckDB configuration");
  }
  const std::string threads = std::to_string(options.threads < 1 ? 1 : options.threads);
  struct Setting {
    const char* name;
    std::string value;
  };
  std::vector<Setting> settings = {
      {"autoinstall_known_extensions", "false"},
      {"autoload_known_extensions", "false"},
      {"memory_limit", options.memory_limit},
      {"threads", threads},
      // DuckDB keeps what it read of Parquet files in memory beyond memory_limit: compacting 5,478
      // trade files peaked at 204 MB with it, 113 MB without. Nothing here reads a file twice.
      {"enable_external_file_cache", "false"},
  };
  if (!options.temp_directory.empty())
    settings.push_back({"temp_directory", options.temp_directory});
  for (const Setting& s : settings) {
    if (duckdb_set_config(config, s.name, s.value.c_str()) != DuckDBSuccess) {
      duckdb_destroy_config(&config);
      return Status::Error(fmt::format("DuckDB rejected setting {}={}", s.name, s.value));
    }
  }

  duckdb_database db = nullptr;
  char* error = nullptr;
  const duckdb_state opened = duckdb_open_ext(nullptr, &db, config, &error);
  duckdb_destroy_config(&config);
  if (opened != DuckDBSuccess) {
    Status s = Status::Error(
        fmt::format("cannot open an in-memory DuckDB: {}", error ? error : "unknown error"));
    if (error) duckdb_free(error);
    return s;
  }
  database->reset(new DuckDbDatabase(db));
  return Status::Ok();
}

DuckDbDatabase::~DuckDbDatabase() {
  duckdb_close(&db_);
}

Status DuckDbSession::Open(const DuckDbOptions& options, std::unique_ptr<DuckDbSession>* session) {
  session->reset();
  std::shared_ptr<DuckDbDatabase> database;
  Status s = DuckDbDatabase::Open(options, &database);
  if (!s.ok()) return s;
  return Connect(std::move(database), session);
}

Status DuckDbSession::Connect(std::shared_ptr<DuckDbDatabase> database,
                              std::unique_ptr<DuckDbSession>* session) {
  session->reset();
  duckdb_connection conn = nullptr;
  if (duckdb_connect(database->handle(), &conn) != DuckDBSuccess) {
    return Status::Error("cannot connect to an in-memory DuckDB");
  }
  session->reset(new DuckDbSession(std::move(database), conn));
  return Status::Ok();
}

DuckDbSession::~DuckDbSession() {
  duckdb_disconnect(&conn_);
}

Status DuckDbSession::Execute(const std::string& sql, int64_t* rows_changed) {
  duckdb_result result;
  const duckdb_state state = duckdb_query(conn_, sql.c_str(), &result);
  Status s;
  if (state != DuckDBSuccess) {
    const char* error = duckdb_result_error(&result);
    s = Status::Error(error ? error : "DuckDB query failed");
  } else if (rows_changed != nullptr) {
    *rows_changed = static_cast<int64_t>(duckdb_rows_changed(&result));
  }
  duckdb_destroy_result(&result);
  return s;
}

Status DuckDbSession::ForgetOpenedFiles() {
  Status s = Execute("SET enable_external_file_cache = true");
  if (s.ok()) s = Execute("SET enable_external_file_cache = false");
  return s;
}

bool IsOutOfMemory(const Status& s) {
  return !s.ok() && s.message().find("Out of Memory Error") != std::string::npos;
}

Status RetryOutOfMemory(const std::function<Status()>& step,
                        const std::function<void(int retry)>& wait) {
  Status s = step();
  for (int retry = 1; retry < kOutOfMemoryAttempts && IsOutOfMemory(s); ++retry) {
    if (wait) {
      wait(retry);
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min(100 << (retry - 1), 2000)));
    }
    s = step();
  }
  return s;
}

std::string QuoteSqlString(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  out += '\'';
  return out;
}

std::string QuoteSqlIdentifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

Status RowCursor::Open(duckdb_connection conn, const std::string& sql,
                       std::unique_ptr<RowCursor>* cursor) {
  cursor->reset();
  std::string inner = sql;
  while (!inner.empty() &&
         (inner.back() == ';' || std::isspace(static_cast<unsigned char>(inner.back())))) {
    inner.pop_back();
  }
  // Casting every column to VARCHAR in SQL lets DuckDB render any type (lists, structs, timestamps)
  // the way it prints them; a projection keeps the inner query's column names and row order.
  const std::string wrapped = "SELECT COLUMNS(*)::VARCHAR FROM (" + inner + "\n) AS text_query";
  duckdb_prepared_statement prepared = nullptr;
  if (duckdb_prepare(conn, wrapped.c_str(), &prepared) != DuckDBSuccess) {
    const char* error = duckdb_prepare_error(prepared);
    Status s = Status::Error(error ? error : "unknown error");
    duckdb_destroy_prepare(&prepared);
    return s;
  }
  // A streaming result: rows arrive chunk by chunk instead of all at once.
  std::unique_ptr<RowCursor> opened(new RowCursor());
  duckdb_pending_result pending = nullptr;
  Status s;
  if (duckdb_pending_prepared_streaming(prepared, &pending) != DuckDBSuccess) {
    const char* error = duckdb_pending_error(pending);
    s = Status::Error(error ? error : "unknown error");
  } else if (duckdb_execute_pending(pending, &opened->result_) != DuckDBSuccess) {
    const char* error = duckdb_result_error(&opened->result_);
    s = Status::Error(error ? error : "unknown error");
    duckdb_destroy_result(&opened->result_);
  }
  duckdb_destroy_pending(&pending);
  duckdb_destroy_prepare(&prepared);
  if (!s.ok()) return s;
  opened->open_ = true;
  const idx_t columns = duckdb_column_count(&opened->result_);
  for (idx_t c = 0; c < columns; ++c) {
    const char* name = duckdb_column_name(&opened->result_, c);
    opened->row_.columns.push_back(name ? name : "");
  }
  opened->row_.values.resize(columns);
  opened->data_.resize(columns);
  opened->validity_.resize(columns);
  *cursor = std::move(opened);
  return Status::Ok();
}

RowCursor::~RowCursor() {
  if (chunk_ != nullptr) duckdb_destroy_data_chunk(&chunk_);
  if (open_) duckdb_destroy_result(&result_);
}

const TextRow* RowCursor::Next() {
  while (chunk_ == nullptr || next_ >= size_) {
    if (chunk_ != nullptr) duckdb_destroy_data_chunk(&chunk_);
    if (done_) return nullptr;
    chunk_ = duckdb_fetch_chunk(result_);
    if (chunk_ == nullptr) {
      done_ = true;
      // A streaming query reports an error met while producing later chunks here.
      const char* error = duckdb_result_error(&result_);
      if (error != nullptr && *error != '\0') status_ = Status::Error(error);
      return nullptr;
    }
    size_ = duckdb_data_chunk_get_size(chunk_);
    next_ = 0;
    for (size_t c = 0; c < data_.size(); ++c) {
      duckdb_vector vec = duckdb_data_chunk_get_vector(chunk_, c);
      data_[c] = static_cast<duckdb_string_t*>(duckdb_vector_get_data(vec));
      validity_[c] = duckdb_vector_get_validity(vec);
    }
  }
  const idx_t r = next_++;
  for (size_t c = 0; c < data_.size(); ++c) {
    if (validity_[c] != nullptr && !duckdb_validity_row_is_valid(validity_[c], r)) {
      row_.values[c].reset();
    } else {
      row_.values[c].emplace(duckdb_string_t_data(&data_[c][r]),
                             duckdb_string_t_length(data_[c][r]));
    }
  }
  return &row_;
}

Status ForEachRow(duckdb_connection conn, const std::string& sql,
                  const std::function<Status(const TextRow& row)>& visit) {
  std::unique_ptr<RowCursor> cursor;
  Status s = RowCursor::Open(conn, sql, &cursor);
  while (s.ok()) {
    const TextRow* row = cursor->Next();
    if (row == nullptr) return cursor->status();
    s = visit(*row);
  }
  return s;
}

Status QueryText(duckdb_connection conn, const std::string& sql, QueryResult* result) {
  *result = QueryResult{};
  return ForEachRow(conn, sql, [&](const TextRow& row) {
    if (result->columns.empty()) result->columns = row.columns;
    auto& out = result->rows.emplace_back(row.values.size());
    for (size_t c = 0; c < row.values.size(); ++c) {
      if (row.values[c]) out[c] = std::string(*row.values[c]);
    }
    return Status::Ok();
  });
}

}  // namespace polypipe::bronze
