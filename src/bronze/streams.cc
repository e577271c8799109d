#include "bronze/streams.h"

#include <fmt/format.h>

#include <charconv>

#include "bronze/durable_fs.h"

namespace polypipe::bronze {
namespace {

// A small session for the Store's own reads and writes of streams files: one thread, a memory limit
// well inside the fetch's budget, spilling to `temp_dir` when given.
Status OpenSession(const std::string& temp_dir, std::unique_ptr<DuckDbSession>* session) {
  DuckDbOptions options;
  options.memory_limit = "64MB";
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
  Status s = OpenSession(temp_dir, &session);
  // Order does not matter, and row groups stay small: a million streams pass through a 64 MB
  // session, spilling what does not fit.
  if (s.ok()) s = session->Execute("SET preserve_insertion_order = false");
  if (s.ok()) s = DefineStreamsView(*session, checkpoint, overlay, "streams");
  if (!s.ok()) return s;
  // A stream set to null is over (a finished trade feed): the file leaves it out, so that runs do
  // not pile up keys nobody reads.
  s = session->Execute(
      fmt::format("COPY (SELECT key, value FROM streams WHERE value <> 'null') TO {} (FORMAT "
                  "parquet, COMPRESSION zstd, ROW_GROUP_SIZE 16384)",
                  QuoteSqlString(path)));
  QueryResult result;
  if (s.ok()) {
    s = QueryText(session->connection(),
                  fmt::format("SELECT count(*) FROM read_parquet({})", QuoteSqlString(path)),
                  &result);
  }
  if (!s.ok()) return Status::Error(fmt::format("cannot write {}: {}", path, s.message()));
  const std::string& count = result.rows.at(0).at(0).value_or("0");
  std::from_chars(count.data(), count.data() + count.size(), *rows);
  return SyncPath(path);
}

}  // namespace polypipe::bronze
