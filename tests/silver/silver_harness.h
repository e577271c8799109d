// Harness for Silver tests: a FetchHarness (polysim in-process, the fetcher as a child process,
// Bronze in a temp dir) plus a Silver database file beside it, `load-silver` and `check` run as
// child processes, and queries against the DuckDB file (opened per query, so the binary can take
// the file between queries).

#pragma once

#include <set>

#include "silver/silver_db.h"
#include "tests/fetch/fetch_harness.h"

namespace polypipe::testing {

class SilverHarness : public FetchHarness {
 public:
  using FetchHarness::FetchHarness;

  fs::path silver_path() const { return data_dir().parent_path() / "silver.duckdb"; }

  Outcome Load(const std::vector<std::string>& extra = {},
               const std::vector<std::string>& env = {}) {
    std::vector<std::string> args = {POLYPIPE_BINARY,     "load-silver", "--bronze",
                                     data_dir().string(), "--silver",    silver_path().string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return polysim::testing::RunToEnd(args, 300, env);
  }
  Outcome Check(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {POLYPIPE_BINARY, "check", "--silver", silver_path().string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return polysim::testing::RunToEnd(args, 300);
  }

  // Runs SQL against the Silver file (read-only unless `write`).
  silver::QueryResult SilverQuery(const std::string& sql, bool write = false) {
    std::unique_ptr<silver::SilverDb> db;
    silver::SilverDbOptions options;
    options.read_only = !write;
    silver::QueryResult result;
    silver::Status s = silver::SilverDb::Open(silver_path().string(), options, &db);
    if (s.ok()) s = write ? db->Execute(sql) : db->Query(sql, &result);
    EXPECT_TRUE(s.ok()) << s.message() << "\n" << sql;
    return result;
  }
  int64_t SilverInt(const std::string& sql) {
    auto r = SilverQuery(sql);
    if (r.rows.empty() || !r.rows[0][0]) return -1;
    return std::stoll(*r.rows[0][0]);
  }
  // Every base table of the database ("schema.table"), sorted.
  std::vector<std::string> Tables() {
    auto r = SilverQuery(
        "SELECT table_schema || '.' || table_name FROM information_schema.tables "
        "WHERE table_type = 'BASE TABLE' ORDER BY 1");
    std::vector<std::string> out;
    for (const auto& row : r.rows) out.push_back(*row[0]);
    return out;
  }
  // Order-independent checksum of each table (row count and the sum of row hashes).
  std::map<std::string, std::string> Checksums(const std::set<std::string>& skip = {}) {
    std::map<std::string, std::string> out;
    for (const std::string& t : Tables()) {
      if (skip.count(t)) continue;
      auto r = SilverQuery(
          "SELECT count(*)::VARCHAR || ':' || coalesce(sum(hash(x)::HUGEINT), "
          "0)::VARCHAR FROM " +
          t + " x");
      out[t] = r.rows.empty() || !r.rows[0][0] ? "?" : *r.rows[0][0];
    }
    return out;
  }
};

}  // namespace polypipe::testing
