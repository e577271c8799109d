// duckdb_baseline: runs SQL statements in one in-memory DuckDB and times each, the yardstick the
// fetcher benchmark compares polypipe against (DuckDB reading polysim's dumped JSON pages and
// writing them to Parquet, with no HTTP in between).
//
// Usage: duckdb_baseline [--threads N] SQL [SQL...]
// Prints one line per statement, "<seconds> s  <first cell of the result>", then "total <s> s".
// Exits 1 (printing DuckDB's error) on the first statement that fails. Network extension loading
// is switched off: json and parquet are built into the library.

#include <duckdb.h>
#include <fmt/core.h>

#include <chrono>
#include <cstring>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

// The first cell of the result, if any: COPY answers with its row count.
std::string FirstCell(duckdb_result* result) {
  if (duckdb_column_count(result) == 0 || duckdb_row_count(result) == 0) return "";
  char* text = duckdb_value_varchar(result, 0, 0);
  std::string out = text ? text : "NULL";
  duckdb_free(text);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string threads;
  std::vector<std::string> statements;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
      threads = argv[++i];
    } else {
      statements.emplace_back(argv[i]);
    }
  }
  if (statements.empty()) {
    fmt::print(stderr, "usage: duckdb_baseline [--threads N] SQL [SQL...]\n");
    return 2;
  }

  duckdb_config config = nullptr;
  if (duckdb_create_config(&config) != DuckDBSuccess) {
    fmt::print(stderr, "duckdb_baseline: cannot create a DuckDB configuration\n");
    return 1;
  }
  std::vector<std::pair<const char*, std::string>> settings = {
      {"autoinstall_known_extensions", "false"}, {"autoload_known_extensions", "false"}};
  if (!threads.empty()) settings.emplace_back("threads", threads);
  for (const auto& [name, value] : settings) {
    if (duckdb_set_config(config, name, value.c_str()) != DuckDBSuccess) {
      fmt::print(stderr, "duckdb_baseline: DuckDB rejected {}={}\n", name, value);
      duckdb_destroy_config(&config);
      return 1;
    }
  }
  duckdb_database db = nullptr;
  char* error = nullptr;
  if (duckdb_open_ext(nullptr, &db, config, &error) != DuckDBSuccess) {
    fmt::print(stderr, "duckdb_baseline: cannot open DuckDB: {}\n", error ? error : "unknown");
    duckdb_free(error);
    duckdb_destroy_config(&config);
    return 1;
  }
  duckdb_destroy_config(&config);
  duckdb_connection conn = nullptr;
  if (duckdb_connect(db, &conn) != DuckDBSuccess) {
    fmt::print(stderr, "duckdb_baseline: cannot connect\n");
    duckdb_close(&db);
    return 1;
  }

  int code = 0;
  const auto start = Clock::now();
  for (const std::string& sql : statements) {
    const auto t0 = Clock::now();
    duckdb_result result;
    const duckdb_state state = duckdb_query(conn, sql.c_str(), &result);
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    if (state != DuckDBSuccess) {
      const char* message = duckdb_result_error(&result);
      fmt::print(stderr, "duckdb_baseline: {}\n  in: {}\n", message ? message : "query failed",
                 sql);
      duckdb_destroy_result(&result);
      code = 1;
      break;
    }
    fmt::print("{:.3f} s  {}\n", seconds, FirstCell(&result));
    duckdb_destroy_result(&result);
  }
  fmt::print("total {:.3f} s\n", std::chrono::duration<double>(Clock::now() - start).count());
  duckdb_disconnect(&conn);
  duckdb_close(&db);
  return code;
}
