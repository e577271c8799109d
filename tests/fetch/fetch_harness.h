// Harness for end-to-end fetch tests: an in-process polysim on a free loopback port, a fresh data
// directory, a test config (short backoffs, small queues so runs commit many times), the
// polypipe binary run as a child process, and Bronze read back through DuckDB.

#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bronze/duckdb_session.h"
#include "bronze/reader.h"
#include "tests/sim/process.h"
#include "tests/sim/sim_client.h"

namespace polypipe::testing {

using polysim::testing::Outcome;
using polysim::testing::SimClient;
namespace fs = std::filesystem;

// Settings every e2e test starts from: fast retries, many small commits.
inline nlohmann::json TestConfig() {
  return nlohmann::json::parse(R"({
    "retry": {"max_attempts": 6, "base_delay": 0.02, "max_delay": 0.3, "exponential_base": 2,
              "host_down_seconds": 10},
    "api": {"timeout": 20, "connect_timeout": 5},
    "workers": {"markets": 1, "trades": 3, "prices": 3, "leaderboard": 2, "gamma": 2},
    "queues": {"markets": 40, "market_tokens": 80, "trades": 1500, "prices": 4000,
               "leaderboard": 900, "gamma_markets": 40, "gamma_events": 20, "gamma_categories": 15},
    "rate_limits": {"data": {"requests": 0}, "data_v2_trades": {"requests": 0},
      "data_leaderboard": {"requests": 0}, "clob": {"requests": 0}, "clob_markets": {"requests": 0},
      "clob_prices_history": {"requests": 0}, "clob_batch_prices_history": {"requests": 0},
      "gamma": {"requests": 0}, "gamma_markets": {"requests": 0}, "gamma_events": {"requests": 0},
      "gamma_tags": {"requests": 0}}
  })");
}

class FetchHarness {
 public:
  explicit FetchHarness(const std::string& name,
                        const polysim::ServerOptions& sim = SimClient::DefaultOptions(),
                        const nlohmann::json& config = TestConfig())
      : sim_(sim), dir_(polysim::testing::TempDir(name)) {
    std::ofstream(dir_ / "config.json") << config.dump(2);
  }
  ~FetchHarness() { fs::remove_all(dir_); }

  SimClient& sim() { return sim_; }
  fs::path data_dir() const { return dir_ / "data"; }
  fs::path config_path() const { return dir_ / "config.json"; }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(sim_.port()); }

  // The fetch command line pointed at this polysim and data directory, plus `extra` flags.
  std::vector<std::string> FetchArgs(const std::vector<std::string>& extra = {}) const {
    std::vector<std::string> args = {POLYPIPE_BINARY,     "fetch",          "--data-dir",
                                     data_dir().string(), "--config",       config_path().string(),
                                     "--data-api",        base() + "/data", "--clob-api",
                                     base() + "/clob",    "--gamma-api",    base() + "/gamma"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  Outcome Fetch(const std::vector<std::string>& extra = {},
                const std::vector<std::string>& env = {}, double seconds = 240) {
    return polysim::testing::RunToEnd(FetchArgs(extra), seconds, env);
  }

  // Runs one SELECT over Bronze; `{dataset}` placeholders are not expanded: use Glob().
  bronze::QueryResult Query(const std::string& sql) {
    std::unique_ptr<bronze::Reader> reader;
    bronze::QueryResult result;
    bronze::Status s = bronze::Reader::Open(&reader);
    if (s.ok()) s = reader->Query(sql, &result);
    EXPECT_TRUE(s.ok()) << s.message() << "\n" << sql;
    return result;
  }
  std::string Scan(const std::string& dataset) const {
    return "read_parquet(" + bronze::QuoteSqlString(bronze::GlobFor(data_dir().string(), dataset)) +
           ")";
  }
  int64_t Count(const std::string& dataset) {
    if (!bronze::HasCommittedFiles(data_dir().string(), dataset)) return 0;
    auto r = Query("SELECT count(*) FROM " + Scan(dataset));
    return r.rows.empty() ? -1 : std::stoll(*r.rows[0][0]);
  }
  // An order-independent checksum of the dataset's rows without lineage (and the snapshot time,
  // which differs between runs): equal checksums = the same multiset of rows.
  std::string Checksum(const std::string& dataset) {
    if (!bronze::HasCommittedFiles(data_dir().string(), dataset)) return "empty";
    const std::string exclude = dataset == "leaderboard"
                                    ? "_fetched_at, _run_id, _source, snapshot_ts"
                                    : "_fetched_at, _run_id, _source";
    auto r = Query(
        "SELECT count(*)::VARCHAR || ':' || sum(hash(t)::HUGEINT)::VARCHAR FROM (SELECT * "
        "EXCLUDE (" +
        exclude + ") FROM " + Scan(dataset) + ") t");
    return r.rows.empty() || !r.rows[0][0] ? "?" : *r.rows[0][0];
  }
  // Files left in _staging folders (must be none after a run or a recovery).
  int StagedFiles() const {
    int n = 0;
    if (!fs::exists(data_dir())) return 0;
    for (const auto& e : fs::recursive_directory_iterator(data_dir())) {
      if (e.is_regular_file() && e.path().parent_path().filename() == "_staging") ++n;
    }
    return n;
  }

 private:
  SimClient sim_;
  fs::path dir_;
};

inline const std::vector<std::string> kDatasets = {
    "markets",     "market_tokens", "trades",       "prices",
    "leaderboard", "gamma_markets", "gamma_events", "gamma_categories"};

}  // namespace polypipe::testing
