#include "silver/silver_db.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <regex>

#include "bronze/duckdb_session.h"

namespace polypipe::silver {

std::string FirstLine(const std::string& message) {
  std::string line = message.substr(0, message.find('\n'));
  while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
  return line;
}

std::string DuckDbMemoryLimit(const std::string& process_limit) {
  static const std::regex kSize(R"(\s*([0-9]+(\.[0-9]+)?)\s*([a-zA-Z]+)\s*)");
  static const std::map<std::string, double> kUnits = {{"b", 1},
                                                       {"bytes", 1},
                                                       {"kb", 1e3},
                                                       {"mb", 1e6},
                                                       {"gb", 1e9},
                                                       {"tb", 1e12},
                                                       {"kib", 1024.0},
                                                       {"mib", 1024.0 * 1024},
                                                       {"gib", 1024.0 * 1024 * 1024},
                                                       {"tib", 1024.0 * 1024 * 1024 * 1024}};
  std::smatch m;
  if (!std::regex_match(process_limit, m, kSize)) return process_limit;
  std::string unit = m[3].str();
  for (char& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto it = kUnits.find(unit);
  if (it == kUnits.end()) return process_limit;
  const double bytes = std::stod(m[1].str()) * it->second;
  return fmt::format("{}KiB", std::max<int64_t>(1, static_cast<int64_t>(bytes * 0.70 / 1024)));
}

Status SilverDb::Open(const std::string& path, const SilverDbOptions& options,
                      std::unique_ptr<SilverDb>* db) {
  db->reset();
  duckdb_config config = nullptr;
  if (duckdb_create_config(&config) != DuckDBSuccess) {
    return Status::Error("cannot create a DuckDB configuration");
  }
  std::vector<std::pair<const char*, std::string>> settings = {
      {"autoinstall_known_extensions", "false"},
      {"autoload_known_extensions", "false"},
      {"access_mode", options.read_only ? "READ_ONLY" : "READ_WRITE"},
      // Read Parquet kept in memory outside memory_limit (see bronze/duckdb_session.cc).
      {"enable_external_file_cache", "false"},
  };
  if (options.threads > 0) settings.emplace_back("threads", std::to_string(options.threads));
  if (!options.memory_limit.empty()) settings.emplace_back("memory_limit", options.memory_limit);
  if (!options.temp_directory.empty()) {
    settings.emplace_back("temp_directory", options.temp_directory);
  }
  for (const auto& [name, value] : settings) {
    if (duckdb_set_config(config, name, value.c_str()) != DuckDBSuccess) {
      duckdb_destroy_config(&config);
      return Status::Error(fmt::format("DuckDB rejected setting {}={}", name, value));
    }
  }
  duckdb_database handle = nullptr;
  char* error = nullptr;
  const duckdb_state opened = duckdb_open_ext(path.c_str(), &handle, config, &error);
  duckdb_destroy_config(&config);
  if (opened != DuckDBSuccess) {
    Status s = Status::Error(
        fmt::format("cannot open {}: {}", path, FirstLine(error ? error : "unknown error")));
    if (error) duckdb_free(error);
    return s;
  }
  duckdb_connection conn = nullptr;
  if (duckdb_connect(handle, &conn) != DuckDBSuccess) {
    duckdb_close(&handle);
    return Status::Error(fmt::format("cannot connect to {}", path));
  }
  std::unique_ptr<SilverDb> opened_db(new SilverDb(path, handle, conn));
  Status s = opened_db->Execute("SET TimeZone = 'UTC'");
  if (!s.ok()) return s;
  // DuckDB only tracks a statement's progress (SilverDb::Progress) with its progress bar enabled;
  // it never prints it. Without it the progress lines just show the elapsed time.
  opened_db->Execute("SET enable_progress_bar = true; SET enable_progress_bar_print = false");
  // Row order inside a table means nothing here (keys are explicit); not keeping it lets DuckDB
  // insert in parallel and with less memory.
  s = opened_db->Execute("SET preserve_insertion_order = false");
  if (!s.ok()) return s;
  *db = std::move(opened_db);
  return Status::Ok();
}

SilverDb::~SilverDb() {
  duckdb_disconnect(&conn_);
  duckdb_close(&db_);
}

Status SilverDb::Execute(const std::string& sql) {
  duckdb_result result;
  const duckdb_state state = duckdb_query(conn_, sql.c_str(), &result);
  Status s;
  if (state != DuckDBSuccess) {
    const char* error = duckdb_result_error(&result);
    s = Status::Error(FirstLine(error ? error : "DuckDB query failed"));
  }
  duckdb_destroy_result(&result);
  return s;
}

Status SilverDb::Query(const std::string& sql, QueryResult* result) {
  Status s = bronze::QueryText(conn_, sql, result);
  if (!s.ok()) return Status::Error(FirstLine(s.message()));
  return s;
}

Status SilverDb::QueryInt(const std::string& sql, int64_t* value) {
  *value = 0;
  QueryResult r;
  Status s = Query(sql, &r);
  if (!s.ok()) return s;
  if (r.rows.empty() || r.rows[0].empty() || !r.rows[0][0]) return Status::Ok();
  try {
    *value = std::stoll(*r.rows[0][0]);
  } catch (const std::exception&) {
    return Status::Error(fmt::format("expected an integer, got \"{}\"", *r.rows[0][0]));
  }
  return Status::Ok();
}

Status SilverDb::TableExists(const std::string& schema, const std::string& table, bool* exists) {
  int64_t n = 0;
  Status s = QueryInt(fmt::format("SELECT count(*) FROM information_schema.tables WHERE "
                                  "table_schema = {} AND table_name = {}",
                                  bronze::QuoteSqlString(schema), bronze::QuoteSqlString(table)),
                      &n);
  *exists = n > 0;
  return s;
}

double SilverDb::Progress() const {
  const duckdb_query_progress_type p = duckdb_query_progress(conn_);
  return p.percentage;
}

TableAppender::TableAppender(SilverDb& db, const char* catalog, const char* schema,
                             const char* table) {
  if (duckdb_appender_create_ext(db.connection(), catalog, schema, table, &appender_) !=
      DuckDBSuccess) {
    const char* error = appender_ ? duckdb_appender_error(appender_) : nullptr;
    status_ = Status::Error(fmt::format("cannot append to {}.{}: {}", schema, table,
                                        FirstLine(error ? error : "unknown error")));
  }
}

TableAppender::~TableAppender() {
  if (appender_ != nullptr) duckdb_appender_destroy(&appender_);
}

void TableAppender::Track(duckdb_state state) {
  if (state == DuckDBSuccess || !status_.ok()) return;
  const char* error = duckdb_appender_error(appender_);
  status_ = Status::Error(FirstLine(error ? error : "append failed"));
}

void TableAppender::Text(const std::string& value) {
  if (status_.ok()) Track(duckdb_append_varchar_length(appender_, value.data(), value.size()));
}
void TableAppender::Int(int64_t value) {
  if (status_.ok()) Track(duckdb_append_int64(appender_, value));
}
void TableAppender::Bool(bool value) {
  if (status_.ok()) Track(duckdb_append_bool(appender_, value));
}
void TableAppender::Null() {
  if (status_.ok()) Track(duckdb_append_null(appender_));
}
void TableAppender::EndRow() {
  if (status_.ok()) Track(duckdb_appender_end_row(appender_));
}

Status TableAppender::Close() {
  if (status_.ok() && appender_ != nullptr) Track(duckdb_appender_close(appender_));
  return status_;
}

}  // namespace polypipe::silver
