#include "bronze/streams.h"

#include <fmt/format.h>

#include <charconv>
#include <unordered_set>

#include "bronze/durable_fs.h"

namespace polypipe::bronze {
namespace {

// A small session for the Store's own reads and writes of streams files: one thread, a memory limit
// well inside the fetch's budget, spilling to `temp_dir` when given.
Status OpenSession(const std::string& temp_dir, std::unique_ptr<DuckDbSession>* session,
                   const std::string& memory_limit = "64MB") {
  DuckDbOptions options;
  options.memory_limit = memory_limit;
  options.threads = 1;
  options.temp_directory = temp_dir;
  return DuckDbSession::Open(options, session);
}

Status AppendOverlay(DuckDbSession& session, const std::map<std::string, std::string>& overlay,
                     const std::string& table) {
  duckdb_appender appender = nullptr;
  if (duckdb_appender_create_ext(session.connection(), "temp", "main", table.c_str(), &appender) !=
      DuckDBSuccess) {
    const char* error = duckdb_appender_error(appender);
    Status s = Status::Error(fmt::format("cannot append to {}: {}", table, error ? error : "?"));
    duckdb_appender_destroy(&appender);
    return s;
  }
  bool ok = true;
  for (const auto& [key, value] : overlay) {
    ok = duckdb_append_varchar_length(appender, key.data(), key.size()) == DuckDBSuccess &&
         duckdb_append_varchar_length(appender, value.data(), value.size()) == DuckDBSuccess &&
         duckdb_appender_end_row(appender) == DuckDBSuccess;
    if (!ok) break;
  }
  if (ok) ok = duckdb_appender_close(appender) == DuckDBSuccess;
  Status s;
  if (!ok) {
    const char* error = duckdb_appender_error(appender);
    s = Status::Error(fmt::format("cannot append to {}: {}", table, error ? error : "?"));
  }
  duckdb_appender_destroy(&appender);
  return s;
}

// The overlay as a checkpoint's merge sees it, without a copy in DuckDB: the table function
// overlay_streams() lists its streams not set to null, and the scalar function in_overlay(key)
// says whether a key is among its streams. The file's rows then stream through a filter into the
// new file, where a join would hold a hash table of a copy of the overlay (at 1.5M streams the
// merge took 60-80 MB beside the fetch this way, about 30 MB the other).
struct OverlayFunctions {
  explicit OverlayFunctions(const std::map<std::string, std::string>& streams)
      : overlay(streams), next(streams.end()) {
    keys.reserve(streams.size());
    for (const auto& [key, value] : streams) keys.insert(key);
  }

  const std::map<std::string, std::string>& overlay;
  std::map<std::string, std::string>::const_iterator next;
  std::unordered_set<std::string_view> keys;  // a hash lookup per row of the file

  static void Bind(duckdb_bind_info info) {
    duckdb_logical_type varchar = duckdb_create_logical_type(DUCKDB_TYPE_VARCHAR);
    duckdb_bind_add_result_column(info, "key", varchar);
    duckdb_bind_add_result_column(info, "value", varchar);
    duckdb_destroy_logical_type(&varchar);
  }

  static void Init(duckdb_init_info info) {
    duckdb_init_set_max_threads(info, 1);
    auto* o = static_cast<OverlayFunctions*>(duckdb_init_get_extra_info(info));
    o->next = o->overlay.begin();
  }

  static void Produce(duckdb_function_info info, duckdb_data_chunk output) {
    auto* o = static_cast<OverlayFunctions*>(duckdb_function_get_extra_info(info));
    duckdb_vector keys = duckdb_data_chunk_get_vector(output, 0);
    duckdb_vector values = duckdb_data_chunk_get_vector(output, 1);
    idx_t n = 0;
    for (; n < duckdb_vector_size() && o->next != o->overlay.end(); ++o->next) {
      const auto& [key, value] = *o->next;
      if (value == "null") continue;
      duckdb_vector_assign_string_element_len(keys, n, key.data(), key.size());
      duckdb_vector_assign_string_element_len(values, n, value.data(), value.size());
      ++n;
    }
    duckdb_data_chunk_set_size(output, n);
  }

  static void InOverlay(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output) {
    auto* o = static_cast<OverlayFunctions*>(duckdb_scalar_function_get_extra_info(info));
    const idx_t n = duckdb_data_chunk_get_size(input);
    duckdb_vector keys = duckdb_data_chunk_get_vector(input, 0);  // flat: DuckDB flattens input
    auto* data = static_cast<duckdb_string_t*>(duckdb_vector_get_data(keys));
    uint64_t* validity = duckdb_vector_get_validity(keys);
    auto* found = static_cast<bool*>(duckdb_vector_get_data(output));
    for (idx_t r = 0; r < n; ++r) {
      // A NULL key matches nothing, as in a join.
      if (validity != nullptr && !duckdb_validity_row_is_valid(validity, r)) {
        found[r] = false;
        continue;
      }
      found[r] = o->keys.count(std::string_view(duckdb_string_t_data(&data[r]),
                                                duckdb_string_t_length(data[r]))) > 0;
    }
  }

  // Registers both in the session's database. REQUIRES: `this` outlives the statements using them.
  Status Register(DuckDbSession& session) {
    duckdb_table_function scan = duckdb_create_table_function();
    duckdb_table_function_set_name(scan, "overlay_streams");
    duckdb_table_function_set_extra_info(scan, this, nullptr);
    duckdb_table_function_set_bind(scan, &Bind);
    duckdb_table_function_set_init(scan, &Init);
    duckdb_table_function_set_function(scan, &Produce);
    bool ok = duckdb_register_table_function(session.connection(), scan) == DuckDBSuccess;
    duckdb_destroy_table_function(&scan);

    duckdb_scalar_function lookup = duckdb_create_scalar_function();
    duckdb_scalar_function_set_name(lookup, "in_overlay");
    duckdb_logical_type varchar = duckdb_create_logical_type(DUCKDB_TYPE_VARCHAR);
    duckdb_logical_type boolean = duckdb_create_logical_type(DUCKDB_TYPE_BOOLEAN);
    duckdb_scalar_function_add_parameter(lookup, varchar);
    duckdb_scalar_function_set_return_type(lookup, boolean);
    duckdb_scalar_function_set_special_handling(lookup);  // NULL keys reach InOverlay
    duckdb_scalar_function_set_extra_info(lookup, this, nullptr);
    duckdb_scalar_function_set_function(lookup, &InOverlay);
    ok = ok && duckdb_register_scalar_function(session.connection(), lookup) == DuckDBSuccess;
    duckdb_destroy_scalar_function(&lookup);
    duckdb_destroy_logical_type(&varchar);
    duckdb_destroy_logical_type(&boolean);
    return ok ? Status::Ok() : Status::Error("cannot register the overlay's functions with DuckDB");
  }
};

}  // namespace

Status DefineStreamsView(DuckDbSession& session, const StreamsSnapshot& snapshot,
                         const std::string& view) {
  return DefineStreamsView(session, snapshot.checkpoint, snapshot.overlay, view);
}

Status DefineStreamsView(DuckDbSession& session, const std::string& checkpoint,
                         const std::map<std::string, std::string>& overlay,
                         const std::string& view) {
  const std::string table = view + "_overlay";
  Status s = session.Execute(fmt::format(
      "CREATE OR REPLACE TEMP TABLE {} (key VARCHAR, value VARCHAR)", QuoteSqlIdentifier(table)));
  if (s.ok()) s = AppendOverlay(session, overlay, table);
  if (!s.ok()) return s;
  std::string sql = fmt::format("CREATE OR REPLACE TEMP VIEW {} AS SELECT key, value FROM {}",
                                QuoteSqlIdentifier(view), QuoteSqlIdentifier(table));
  if (!checkpoint.empty()) {
    sql += fmt::format(
        " UNION ALL SELECT c.key, c.value FROM read_parquet({}) c ANTI JOIN {} o ON c.key = o.key",
        QuoteSqlString(checkpoint), QuoteSqlIdentifier(table));
  }
  return session.Execute(sql);
}

Status ForEachStream(
    const StreamsSnapshot& snapshot, std::string_view prefix,
    const std::function<Status(std::string_view key, std::string_view value)>& visit) {
  if (!snapshot.checkpoint.empty()) {
    std::unique_ptr<DuckDbSession> session;
    Status s = OpenSession("", &session);
    if (!s.ok()) return s;
    const std::string sql =
        fmt::format("SELECT key, value FROM read_parquet({}) WHERE starts_with(key, {})",
                    QuoteSqlString(snapshot.checkpoint), QuoteSqlString(prefix));
    s = ForEachRow(session->connection(), sql, [&](const TextRow& row) {
      if (!row.values[0] || !row.values[1]) return Status::Ok();
      if (snapshot.overlay.count(std::string(*row.values[0]))) return Status::Ok();  // newer
      return visit(*row.values[0], *row.values[1]);
    });
    if (!s.ok()) {
      return Status::Error(fmt::format("cannot read {}: {}", snapshot.checkpoint, s.message()));
    }
  }
  for (auto it = snapshot.overlay.lower_bound(std::string(prefix));
       it != snapshot.overlay.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    Status s = visit(it->first, it->second);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Status WriteStreamsFile(const std::string& checkpoint,
                        const std::map<std::string, std::string>& overlay, const std::string& path,
                        const std::string& temp_dir, int64_t* rows) {
  *rows = 0;
  std::unique_ptr<DuckDbSession> session;
  // The rows stream from file to file a row group at a time: a million streams pass through a
  // 32 MB session.
  Status s = OpenSession(temp_dir, &session, "32MB");
  if (s.ok()) s = session->Execute("SET preserve_insertion_order = false");
  OverlayFunctions functions(overlay);
  if (s.ok()) s = functions.Register(*session);
  if (!s.ok()) return s;
  // A stream set to null is over (a finished trade feed): the file leaves it out, so that runs do
  // not pile up keys nobody reads.
  std::string sql = "SELECT key, value FROM overlay_streams()";
  if (!checkpoint.empty()) {
    sql += fmt::format(
        " UNION ALL SELECT key, value FROM read_parquet({}) WHERE NOT in_overlay(key) AND value "
        "<> 'null'",
        QuoteSqlString(checkpoint));
  }
  s = session->Execute(
      fmt::format("COPY ({}) TO {} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 16384)", sql,
                  QuoteSqlString(path)),
      rows);
  if (!s.ok()) return Status::Error(fmt::format("cannot write {}: {}", path, s.message()));
  return SyncPath(path);
}

}  // namespace polypipe::bronze
