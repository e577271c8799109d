#include "bronze/duckdb_session.h"

#include <fmt/format.h>

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

}  // namespace polypipe::bronze
