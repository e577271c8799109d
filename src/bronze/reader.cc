#include "bronze/reader.h"

#include <fmt/format.h>

#include <cctype>

#include "bronze/durable_fs.h"

namespace polypipe::bronze {

std::string GlobFor(const std::string& data_dir, const std::string& dataset) {
  return fmt::format("{}/{}/dt=*/*.parquet", data_dir, dataset);
}

std::string ReadParquetSql(const std::string& data_dir, const std::string& dataset) {
  return fmt::format("read_parquet({})", QuoteSqlString(GlobFor(data_dir, dataset)));
}

bool HasCommittedFiles(const std::string& data_dir, const std::string& dataset) {
  const std::string ds_dir = data_dir + "/" + dataset;
  std::vector<std::string> partitions;
  if (!ListDir(ds_dir, &partitions).ok()) return false;
  for (const std::string& p : partitions) {
    if (p.rfind("dt=", 0) != 0) continue;
    std::vector<std::string> files;
    if (!ListDir(ds_dir + "/" + p, &files).ok()) continue;
    for (const std::string& f : files) {
      if (f.size() > 8 && f.compare(f.size() - 8, 8, ".parquet") == 0) return true;
    }
  }
  return false;
}

Status Reader::Open(std::unique_ptr<Reader>* reader) {
  reader->reset();
  std::unique_ptr<DuckDbSession> session;
  DuckDbOptions options;
  options.threads = 2;
  Status s = DuckDbSession::Open(options, &session);
  if (!s.ok()) return s;
  reader->reset(new Reader(std::move(session)));
  return Status::Ok();
}

Status Reader::Query(const std::string& sql, QueryResult* result) {
  *result = QueryResult{};
  std::string inner = sql;
  while (!inner.empty() &&
         (inner.back() == ';' || std::isspace(static_cast<unsigned char>(inner.back())))) {
    inner.pop_back();
  }
  // Casting every column to VARCHAR in SQL lets DuckDB render any type (lists, structs, timestamps)
  // the way it prints them; a projection keeps the inner query's column names and row order.
  const std::string wrapped = "SELECT COLUMNS(*)::VARCHAR FROM (" + inner + "\n) AS bronze_query";
  duckdb_result res;
  if (duckdb_query(session_->connection(), wrapped.c_str(), &res) != DuckDBSuccess) {
    const char* error = duckdb_result_error(&res);
    Status s = Status::Error(fmt::format("query failed: {}", error ? error : "unknown error"));
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
