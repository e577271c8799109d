#include "cli/status.h"

#include <fmt/core.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "bronze/duckdb_session.h"
#include "bronze/store.h"
#include "bronze/streams.h"
#include "fetch/run_log.h"

namespace polypipe::cli {
namespace {

// o[key] as a T, or `fallback` when o is not an object, lacks the key or holds another type: the
// files read here may have been edited or damaged, and status must still answer.
template <typename T>
T Field(const nlohmann::json& o, const char* key, T fallback) {
  if (!o.is_object()) return fallback;
  auto it = o.find(key);
  if (it == o.end()) return fallback;
  try {
    return it->get<T>();
  } catch (const nlohmann::json::exception&) {
    return fallback;
  }
}

// Stream progress in words: how many streams are done, pending, and (trades) out of the API's
// reach. A market whose trading began before the trade feed's window is never done: its older
// fills exist only on chain. Counted in DuckDB over the dataset's streams (millions at real
// scale), not in memory.
bronze::Status Streams(bronze::DuckDbSession& db, const bronze::Store& store,
                       const std::string& dataset, nlohmann::json* out) {
  bronze::Status s = bronze::DefineStreamsView(db, store.Streams(dataset), "streams");
  bronze::QueryResult r;
  if (s.ok()) {
    s = bronze::QueryText(db.connection(), R"(
WITH s AS (
  SELECT key, value, starts_with(key, 'market:') AS market, starts_with(key, 'feed:') AS feed,
         coalesce(json_extract_string(value, '$.done') = 'true', false) AS done, json_exists(value, '$.done') AS has_done
  FROM streams WHERE json_type(value) = 'OBJECT')
SELECT
  count(*) FILTER (WHERE (market AND done) OR (NOT market AND NOT feed AND
                   (done OR (NOT has_done AND json_exists(value, '$.to'))))),
  count(*) FILTER (WHERE (market AND NOT done AND coalesce(json_extract_string(value, '$.out_of_window') <> 'true', true))
                   OR (feed AND coalesce(json_extract_string(value, '$.finished') <> 'true', true))
                   OR (NOT market AND NOT feed AND has_done AND NOT done)),
  count(*) FILTER (WHERE market AND NOT done AND json_extract_string(value, '$.out_of_window') = 'true'),
  count(*) FILTER (WHERE market),
  (SELECT max(json_extract_string(value, '$')) FROM streams WHERE key = 'complete_run_id'
                                          AND json_type(value) = 'VARCHAR')
FROM s)",
                          &r);
  }
  if (!s.ok()) return bronze::Status::Error(fmt::format("{}: {}", dataset, s.message()));
  const auto number = [&](size_t c) -> int64_t {
    const std::optional<std::string>& v = r.rows.at(0).at(c);
    return v ? std::stoll(*v) : 0;  // DuckDB's own count(*)
  };
  *out = {{"done", number(0)}, {"pending", number(1)}};
  if (number(3) > 0) (*out)["out_of_window"] = number(2);
  if (const auto& run = r.rows.at(0).at(4)) (*out)["complete_snapshot_run"] = *run;
  return s;
}

std::string Time(const std::optional<int64_t>& us) {
  return us ? fetch::IsoMicros(*us).substr(0, 19) + "Z" : "-";
}

// What the last run left out, per dataset and reason (nothing is left out silently).
void PrintLeftOut(const nlohmann::json& run) {
  const auto datasets = run.find("datasets");
  if (datasets == run.end() || !datasets->is_object()) return;
  for (const auto& [name, d] : datasets->items()) {
    const auto left = d.is_object() ? d.find("left_out") : d.end();
    if (!d.is_object() || left == d.end() || !left->is_object() || left->empty()) continue;
    std::string line;
    for (const auto& [reason, n] : left->items()) {
      line += fmt::format("{}{} {}", line.empty() ? "" : ", ",
                          n.is_number_integer() ? n.get<int64_t>() : 0, reason);
    }
    fmt::print("left out of {}: {}\n", name, line);
  }
}

// The units of work the last run could not complete: the next run retries them.
void PrintFailedUnits(const nlohmann::json& run) {
  const int64_t count = Field(run, "failed_unit_count", int64_t{0});
  if (count <= 0) return;
  fmt::print("failed units: {} (retried by the next run)\n", count);
  const auto units = run.find("failed_units");
  if (units == run.end() || !units->is_array()) return;
  constexpr size_t kShown = 10;
  for (size_t i = 0; i < units->size() && i < kShown; ++i) {
    const nlohmann::json& u = (*units)[i];
    const std::string unit = Field<std::string>(u, "unit", "");
    const std::string error = Field<std::string>(u, "error", "?");
    // A unit named by its URL is already in the error line.
    const std::string name = error.find(unit) == std::string::npos ? " " + unit : "";
    fmt::print("  {}{} via {}: {}\n", Field<std::string>(u, "dataset", "?"), name,
               Field<std::string>(u, "route", "?"), error);
  }
  if (count > static_cast<int64_t>(kShown)) {
    fmt::print("  ... and {} more\n", count - static_cast<int64_t>(kShown));
  }
}

}  // namespace

int Status(const std::string& data_dir, bool json) {
  if (!std::filesystem::is_directory(data_dir)) {
    fmt::print(stderr, "polypipe status: {}: no such data directory\n", data_dir);
    return 1;
  }
  std::unique_ptr<bronze::Store> store;
  if (bronze::Status s = bronze::Store::OpenReadOnly(data_dir, &store); !s.ok()) {
    fmt::print(stderr, "polypipe status: {}\n", s.message());
    return 1;
  }
  std::unique_ptr<bronze::DuckDbSession> db;
  bronze::DuckDbOptions options;
  options.memory_limit = "100MB";
  if (bronze::Status s = bronze::DuckDbSession::Open(options, &db); !s.ok()) {
    fmt::print(stderr, "polypipe status: {}\n", s.message());
    return 1;
  }
  nlohmann::json out = {{"data_dir", data_dir}, {"datasets", nlohmann::json::object()}};
  for (const std::string& name : store->Datasets()) {
    const bronze::DatasetStats st = store->Stats(name);
    nlohmann::json streams;
    if (bronze::Status s = Streams(*db, *store, name, &streams); !s.ok()) {
      fmt::print(stderr, "polypipe status: cannot count the streams of {}\n", s.message());
      return 1;
    }
    nlohmann::json d = {{"files", st.files},
                        {"rows", st.rows},
                        {"bytes", st.bytes},
                        {"commits", st.commits},
                        {"last_commit_at", st.last_commit_at},
                        {"streams", std::move(streams)}};
    d["newest_event"] = st.max_event_us ? nlohmann::json(Time(st.max_event_us)) : nlohmann::json();
    out["datasets"][name] = std::move(d);
  }
  nlohmann::json run = fetch::RunLog::Latest(data_dir);
  out["last_run"] = run;

  if (json) {
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  fmt::print("{:<18} {:>7} {:>13} {:>12} {:>21} {:>9} {:>9} {:>13}\n", "dataset", "files", "rows",
             "bytes", "newest event", "done", "pending", "out of window");
  for (const auto& [name, d] : out["datasets"].items()) {
    const nlohmann::json& st = d["streams"];
    fmt::print(
        "{:<18} {:>7} {:>13} {:>12} {:>21} {:>9} {:>9} {:>13}\n", name, d["files"].get<int64_t>(),
        d["rows"].get<int64_t>(), d["bytes"].get<int64_t>(),
        d["newest_event"].is_string() ? d["newest_event"].get<std::string>() : "-",
        st["done"].get<int64_t>(), st["pending"].get<int64_t>(),
        st.contains("out_of_window") ? std::to_string(st["out_of_window"].get<int64_t>()) : "-");
  }
  if (run.is_object()) {
    int64_t requests = 0, limited = 0, retries = 0, errors = 0;
    if (run.contains("http") && run["http"].is_object()) {
      for (const auto& [route, s] : run["http"].items()) {
        requests += Field(s, "requests", int64_t{0});
        limited += Field(s, "rate_limited", int64_t{0});
        retries += Field(s, "retries", int64_t{0});
        errors += Field(s, "client_errors", int64_t{0}) + Field(s, "transport_errors", int64_t{0}) +
                  Field(s, "server_errors", int64_t{0}) + Field(s, "blocked", int64_t{0});
      }
    }
    fmt::print("last run {} ({}, mode {}): {} requests, {} 429s, {} retries, {} errors\n",
               Field<std::string>(run, "run_id", "?"), Field<std::string>(run, "state", "?"),
               Field<std::string>(run, "mode", "?"), requests, limited, retries, errors);
    PrintLeftOut(run);
    PrintFailedUnits(run);
  } else {
    fmt::print("no fetch run yet\n");
  }
  return 0;
}

}  // namespace polypipe::cli
