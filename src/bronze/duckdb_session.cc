#include "bronze/duckdb_session.h"

#include <fmt/format.h>

#include <cctype>
#include <vector>

namespace polypipe::bronze {

Status DuckDbSession::Open(const DuckDbOptions& options, std::unique_ptr<DuckDbSession>* session) {
  session->reset();
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
  duckdb_connection conn = nullptr;
  if (duckdb_connect(db, &conn) != DuckDBSuccess) {
    duckdb_close(&db);
    return Status::Error("cannot connect to an in-memory DuckDB");
  }
  session->reset(new DuckDbSession(db, conn));
  return Status::Ok();
}

DuckDbSession::~DuckDbSession() {
  duckdb_disconnect(&conn_);
  duckdb_close(&db_);
}

Status DuckDbSession::Execute(const std::string& sql) {
  duckdb_result result;
  const duckdb_state state = duckdb_query(conn_, sql.c_str(), &result);
  Status s;
  if (state != DuckDBSuccess) {
    const char* error = duckdb_result_error(&result);
    s = Status::Error(error ? error : "DuckDB query failed");
  }
  duckdb_destroy_result(&result);
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

Status QueryText(duckdb_connection conn, const std::string& sql, QueryResult* result) {
  *result = QueryResult{};
  std::string inner = sql;
  while (!inner.empty() &&
         (inner.back() == ';' || std::isspace(static_cast<unsigned char>(inner.back())))) {
    inner.pop_back();
  }
  // Casting every column to VARCHAR in SQL lets DuckDB render any type (lists, structs, timestamps)
  // the way it prints them; a projection keeps the inner query's column names and row order.
  const std::string wrapped = "SELECT COLUMNS(*)::VARCHAR FROM (" + inner + "\n) AS text_query";
  duckdb_result res;
  if (duckdb_query(conn, wrapped.c_str(), &res) != DuckDBSuccess) {
    const char* error = duckdb_result_error(&res);
    Status s = Status::Error(error ? error : "unknown error");
    duckdb_destroy_result(&res);
    return s;
  }
  const idx_t columns = duckdb_column_count(&res);
  for (idx_t c = 0; c < columns; ++c) {
    const char* name = duckdb_column_name(&res, c);
    result->columns.push_back(name ? name : "");
  }
  while (duckdb_data_chunk chunk = duckdb_fetch_chunk(res)) {
    const idx_t n = duckdb_data_chunk_get_size(chunk);
    const size_t base = result->rows.size();
    result->rows.resize(base + n, std::vector<std::optional<std::string>>(columns));
    for (idx_t c = 0; c < columns; ++c) {
      duckdb_vector vec = duckdb_data_chunk_get_vector(chunk, c);
      auto* data = static_cast<duckdb_string_t*>(duckdb_vector_get_data(vec));
      uint64_t* validity = duckdb_vector_get_validity(vec);
      for (idx_t r = 0; r < n; ++r) {
        if (validity != nullptr && !duckdb_validity_row_is_valid(validity, r)) continue;
        result->rows[base + r][c] =
            std::string(duckdb_string_t_data(&data[r]), duckdb_string_t_length(data[r]));
      }
    }
    duckdb_destroy_data_chunk(&chunk);
  }
  duckdb_destroy_result(&res);
  return Status::Ok();
}

}  // namespace polypipe::bronze
