// `polypipe fetch` end to end: the binary against polysim on loopback, Bronze read back through
// DuckDB and compared with /__sim/truth — complete data, crash safety at every commit step,
// clean interruption, faults, incremental runs and clear errors.

#include <signal.h>

#include <fstream>
#include <map>
#include <thread>

#include "tests/fetch/fetch_harness.h"

namespace polypipe::testing {
namespace {

using nlohmann::json;
using polysim::testing::Process;

int64_t Int(const std::optional<std::string>& v) {
  return v ? std::stoll(*v) : -1;
}

// Checks every dataset's row count and the per-market / per-token detail against the truth.
void ExpectMatchesTruth(FetchHarness& h) {
  const json truth = h.sim().Truth();
  for (const std::string& d : kDatasets) {
    EXPECT_EQ(h.Count(d), truth["datasets"][d].get<int64_t>()) << d;
  }
  auto trades = h.Query("SELECT condition_id, count(*) FROM " + h.Scan("trades") + " GROUP BY 1");
  int64_t markets_with_trades = 0;
  for (const auto& row : trades.rows) {
    EXPECT_EQ(Int(row[1]), truth["market_trades"].value(*row[0], int64_t{-1})) << *row[0];
    ++markets_with_trades;
  }
  int64_t truth_markets_with_trades = 0;
  for (const auto& [cid, n] : truth["market_trades"].items()) truth_markets_with_trades += n > 0;
  EXPECT_EQ(markets_with_trades, truth_markets_with_trades);

  auto prices = h.Query("SELECT token_id, count(*), min(fidelity), max(fidelity) FROM " +
                        h.Scan("prices") + " GROUP BY 1");
  for (const auto& row : prices.rows) {
    EXPECT_EQ(Int(row[1]), truth["token_prices"].value(*row[0], int64_t{-1})) << *row[0];
    EXPECT_EQ(Int(row[2]), truth["token_fidelity"].value(*row[0], int64_t{-1})) << *row[0];
    EXPECT_EQ(row[2], row[3]);
  }
}

// The report of the newest run, as `status` names it.
json LastReport(const FetchHarness& h) {
  const Outcome status = polysim::testing::RunToEnd(
      {POLYPIPE_BINARY, "status", "--json", "--data-dir", h.data_dir().string()});
  const std::string run_id = json::parse(status.output)["last_run"]["run_id"].get<std::string>();
  return json::parse(std::ifstream(h.data_dir() / "_runs" / (run_id + ".json")));
}

// Snapshot datasets are unique per run; trades and prices across runs.
void ExpectUniqueKeys(FetchHarness& h) {
  // Trades: the documented dedup key; genuinely identical fills differ in fill_seq only.
  auto t = h.Query(
      "SELECT count(*), count(DISTINCT (transaction_hash, condition_id, token_id, proxy_wallet, "
      "side, price, size, timestamp, outcome_index, fill_seq)), count(*) FILTER (WHERE fill_seq > "
      "0) FROM " +
      h.Scan("trades"));
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.rows[0][0], t.rows[0][1]);
  EXPECT_GT(Int(t.rows[0][2]), 0) << "the universe has identical fills; all must be kept";
  auto p =
      h.Query("SELECT count(*), count(DISTINCT (token_id, timestamp)) FROM " + h.Scan("prices"));
  EXPECT_EQ(p.rows[0][0], p.rows[0][1]);
  auto m =
      h.Query("SELECT count(*), count(DISTINCT (_run_id, condition_id)) FROM " + h.Scan("markets"));
  EXPECT_EQ(m.rows[0][0], m.rows[0][1]);
  auto g =
      h.Query("SELECT count(*), count(DISTINCT (_run_id, id)) FROM " + h.Scan("gamma_markets"));
  EXPECT_EQ(g.rows[0][0], g.rows[0][1]);
  // Tied traders share a rank: the wallet is part of the key.
  auto l = h.Query(
      "SELECT count(*), count(DISTINCT (_run_id, category, time_period, order_by, rank, "
      "proxy_wallet)) FROM " +
      h.Scan("leaderboard"));
  EXPECT_EQ(l.rows[0][0], l.rows[0][1]);
}

TEST(FetchE2E, CompleteRunMatchesTheTruthWithUniqueKeys) {
  FetchHarness h("fetch-complete");
  const Outcome r = h.Fetch();
  ASSERT_EQ(r.code, 0) << r.output;
  ExpectMatchesTruth(h);
  ExpectUniqueKeys(h);
  EXPECT_EQ(h.StagedFiles(), 0);

  // The run report and `status` agree with Bronze.
  const Outcome status = polysim::testing::RunToEnd(
      {POLYPIPE_BINARY, "status", "--json", "--data-dir", h.data_dir().string()});
  ASSERT_EQ(status.code, 0) << status.output;
  const json s = json::parse(status.output);
  EXPECT_EQ(s["datasets"]["trades"]["rows"], h.Count("trades"));
  EXPECT_EQ(s["last_run"]["state"], "finished");
  EXPECT_GT(s["last_run"]["http"]["data_v2_trades"]["requests"].get<int64_t>(), 0);

  // A second run right after: new snapshots, no new trades or prices (nothing changed).
  const int64_t trades = h.Count("trades"), prices = h.Count("prices");
  const Outcome again = h.Fetch();
  ASSERT_EQ(again.code, 0) << again.output;
  EXPECT_EQ(h.Count("trades"), trades);
  EXPECT_EQ(h.Count("prices"), prices);
  EXPECT_EQ(h.Count("markets"), 2 * h.sim().Truth()["datasets"]["markets"].get<int64_t>());
}

// `status` over a run report whose fields have other types than it writes (edited by hand or
// damaged): it still answers, with "?" and zeros for what it cannot read.
TEST(FetchE2E, StatusReadsADamagedRunReportWithoutFailing) {
  const fs::path dir = polysim::testing::TempDir("status-damaged");
  fs::create_directories(dir / "_runs");
  std::ofstream(dir / "_runs" / "20260101T000000Z.json")
      << R"({"run_id": 5, "state": ["x"], "mode": null,
            "http": {"data_v2_trades": {"requests": "many", "retries": 2}, "clob": 7}})";
  const Outcome text =
      polysim::testing::RunToEnd({POLYPIPE_BINARY, "status", "--data-dir", dir.string()});
  EXPECT_EQ(text.code, 0) << text.output;
  EXPECT_NE(text.output.find("last run ? (?, mode ?): 0 requests, 0 429s, 2 retries"),
            std::string::npos)
      << text.output;
  const Outcome as_json =
      polysim::testing::RunToEnd({POLYPIPE_BINARY, "status", "--json", "--data-dir", dir.string()});
  EXPECT_EQ(as_json.code, 0) << as_json.output;
  EXPECT_EQ(json::parse(as_json.output)["last_run"]["run_id"], 5);
  fs::remove_all(dir);
}

// A bigger universe (more short-lived resolved markets): a window holding no coarse point must not
// push a token up the fidelity ladder past the fidelity the truth expects.
TEST(FetchE2E, LargerUniverseMatchesTheTruth) {
  polysim::ServerOptions sim = SimClient::DefaultOptions();
  sim.universe.seed = 42;
  sim.universe.markets = 500;
  sim.universe.history_days = 60;
  sim.universe.heavy_trades = 20'000;
  FetchHarness h("fetch-larger", sim);
  const Outcome r = h.Fetch();
  ASSERT_EQ(r.code, 0) << r.output;
  ExpectMatchesTruth(h);
  ExpectUniqueKeys(h);
}

// A market list planned in parts (one part in DuckDB at a time) plans every market once: the
// same complete data, and a second run finds nothing left to fetch.
TEST(FetchE2E, AListPlannedInPartsMatchesTheTruth) {
  json config = TestConfig();
  config["plan"]["markets_per_part"] = 7;
  // Checkpoints from the first commits on: planning then reads the streams from their files, and
  // keeps its own names for them while it runs (a newer checkpoint prunes them).
  config["log"]["checkpoint_every"] = 2;
  FetchHarness h("fetch-parts", SimClient::DefaultOptions(), config);
  const auto plan_files = [&] {
    std::error_code ec;
    int n = 0;
    for (auto it = fs::recursive_directory_iterator(h.data_dir() / ".plan", ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      n += it->is_regular_file() ? 1 : 0;
    }
    return n;
  };
  const Outcome r = h.Fetch();
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("markets in the list, planned in "), std::string::npos) << r.output;
  ExpectMatchesTruth(h);
  ExpectUniqueKeys(h);
  EXPECT_EQ(plan_files(), 0);
  const int64_t trades = h.Count("trades"), prices = h.Count("prices");
  // What a killed run's planning left behind is removed by the next run.
  fs::create_directories(h.data_dir() / ".plan");
  std::ofstream(h.data_dir() / ".plan" / "0-trades.parquet") << "left by a killed run";
  const Outcome again = h.Fetch();
  ASSERT_EQ(again.code, 0) << again.output;
  EXPECT_EQ(h.Count("trades"), trades);
  EXPECT_EQ(h.Count("prices"), prices);
  EXPECT_EQ(plan_files(), 0);
}

// --- Crash safety: the same rows as an uninterrupted run, whatever instant the process dies ---

class FetchCrashTest : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() {
    FetchHarness h("fetch-reference");
    const Outcome r = h.Fetch();
    ASSERT_EQ(r.code, 0) << r.output;
    for (const std::string& d : kDatasets) reference_[d] = h.Checksum(d);
  }
  static std::map<std::string, std::string> reference_;
};
std::map<std::string, std::string> FetchCrashTest::reference_;

void ExpectSameRows(FetchHarness& h, const std::map<std::string, std::string>& reference) {
  for (const std::string& d : kDatasets) EXPECT_EQ(h.Checksum(d), reference.at(d)) << d;
}

// A fetch killed at `failpoint`, then run again: it resumes, leaves nothing staged and holds the
// rows of an uninterrupted run.
void KillAtThenRerun(FetchHarness& h, const std::string& failpoint,
                     const std::map<std::string, std::string>& reference) {
  const Outcome crashed = h.Fetch({}, {"POLYPIPE_FAILPOINT=" + failpoint});
  ASSERT_EQ(crashed.code, 128 + SIGKILL) << "the failpoint was not reached:\n" << crashed.output;
  const Outcome rerun = h.Fetch();
  ASSERT_EQ(rerun.code, 0) << rerun.output;
  EXPECT_NE(rerun.output.find("resuming run"), std::string::npos) << rerun.output;
  EXPECT_EQ(h.StagedFiles(), 0);
  ExpectSameRows(h, reference);
}

TEST_P(FetchCrashTest, KilledAtACommitStepThenRerunGivesTheUninterruptedRows) {
  ASSERT_FALSE(reference_.empty());
  FetchHarness h("fetch-crash");
  KillAtThenRerun(h, GetParam(), reference_);
}

INSTANTIATE_TEST_SUITE_P(Failpoints, FetchCrashTest,
                         ::testing::Values("bronze.before_stage:5", "bronze.mid_stage:2",
                                           "bronze.after_stage:7", "bronze.mid_commit:9",
                                           "bronze.after_commit:11", "bronze.mid_rename:3"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

TEST_F(FetchCrashTest, KilledAtRandomMomentsThenRerunGivesTheUninterruptedRows) {
  ASSERT_FALSE(reference_.empty());
  // Slow enough (the leaderboard at 60 pages/s) that every kill lands inside the run.
  json config = TestConfig();
  config["rate_limits"]["data_leaderboard"] = {{"requests", 60}, {"window_seconds", 1}};
  FetchHarness h("fetch-kill", SimClient::DefaultOptions(), config);
  for (int delay_ms : {120, 300, 500}) {
    Process p =
        polysim::testing::Spawn(h.FetchArgs(), (h.data_dir().parent_path() / "log").string());
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    kill(p.pid, SIGKILL);
    ASSERT_EQ(p.Wait(30), 128 + SIGKILL) << "the run ended before the kill";
  }
  const Outcome rerun = h.Fetch();
  ASSERT_EQ(rerun.code, 0) << rerun.output;
  EXPECT_EQ(h.StagedFiles(), 0);
  ExpectSameRows(h, reference_);
}

// --- Compaction while fetching (fetch/compaction.h) ---

// Batches of a few hundred rows: the trades and prices Sinks commit dozens of times and merge their
// small files as they go, once they hold more than 40. The end-of-run compaction is kept out (a
// threshold no partition reaches), so every merge here happened while fetching.
json CompactingConfig() {
  json config = TestConfig();
  config["queues"]["trades"] = 150;
  config["queues"]["prices"] = 300;
  config["compact"] = {
      {"target_size_mb", 1}, {"auto_max_small_files", 1000}, {"max_live_small_files", 40}};
  return config;
}

TEST(FetchE2E, CompactingWhileFetchingKeepsEveryRowOnce) {
  FetchHarness h("fetch-compacting", SimClient::DefaultOptions(), CompactingConfig());
  const Outcome r = h.Fetch();
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("while fetching"), std::string::npos) << r.output;
  const json report = LastReport(h);
  ASSERT_TRUE(report.contains("compaction_while_fetching")) << report.dump(1);
  const json& c = report["compaction_while_fetching"];
  EXPECT_GT(c["files_in"].get<int64_t>(), c["files_out"].get<int64_t>());
  EXPECT_TRUE(c["failures"].empty()) << c.dump();
  EXPECT_FALSE(report.contains("compaction")) << "the end of the run merged nothing";
  ExpectMatchesTruth(h);
  ExpectUniqueKeys(h);
  EXPECT_EQ(h.StagedFiles(), 0);
}

// Killed between a merge's commit record and the deletion of the files it replaced (only merges
// remove files, and only merges while fetching run here): the rerun finishes the deletion and
// the fetch, with the rows of an uninterrupted run.
TEST_F(FetchCrashTest, KilledWhileCompactingThenRerunGivesTheUninterruptedRows) {
  ASSERT_FALSE(reference_.empty());
  FetchHarness h("fetch-compacting-kill", SimClient::DefaultOptions(), CompactingConfig());
  KillAtThenRerun(h, "bronze.mid_remove:3", reference_);
  ExpectUniqueKeys(h);
}

// --- Interruption: SIGINT commits what is in memory, exits 130, and the rerun completes ---

TEST_F(FetchCrashTest, SigintStopsCleanlyAndTheRerunCompletes) {
  json config = TestConfig();
  config["rate_limits"]["data_leaderboard"] = {{"requests", 30}, {"window_seconds", 1}};
  FetchHarness h("fetch-sigint", SimClient::DefaultOptions(), config);
  Process p = polysim::testing::Spawn(h.FetchArgs(), (h.data_dir().parent_path() / "log").string());
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  ASSERT_EQ(kill(p.pid, SIGINT), 0);
  EXPECT_EQ(p.Wait(30), 130);
  EXPECT_EQ(h.StagedFiles(), 0);
  const int64_t partial = h.Count("leaderboard");
  EXPECT_GT(partial, 0) << "rows fetched before the signal are committed";
  EXPECT_LT(partial, h.sim().Truth()["datasets"]["leaderboard"].get<int64_t>());
  const Outcome rerun = h.Fetch();
  ASSERT_EQ(rerun.code, 0) << rerun.output;
  ExpectSameRows(h, reference_);
}

// --- Faults: every kind polysim injects is survived, with complete data and counted faults ---

TEST_F(FetchCrashTest, FaultsAreSurvivedWithCompleteDataAndCounted) {
  for (auto mode : {polysim::LimitMode::kRejectJson, polysim::LimitMode::kRejectCloudflare}) {
    polysim::ServerOptions sim = SimClient::DefaultOptions();
    sim.traffic.faults = {0.05, 0.03, 0.03, 0.02, 0, 1, 11, {}};
    sim.traffic.mode = mode;
    sim.traffic.rules = {{"/data/v2/trades", 4, 1}, {"/clob/batch-prices-history", 30, 1}};
    FetchHarness h("fetch-faults", sim);
    const Outcome r = h.Fetch();
    ASSERT_EQ(r.code, 0) << r.output;
    ExpectSameRows(h, reference_);
    const json report = LastReport(h);
    int64_t retries = 0, limited = 0, failed = 0, blocked = 0;
    for (const auto& [route, s] : report["http"].items()) {
      retries += s["retries"].get<int64_t>();
      limited += s["rate_limited"].get<int64_t>();
      failed += s["server_errors"].get<int64_t>() + s["unavailable"].get<int64_t>() +
                s["transport_errors"].get<int64_t>();
      blocked += s["blocked"].get<int64_t>();
    }
    EXPECT_GT(retries, 0);
    EXPECT_GT(limited, 0);
    EXPECT_GT(failed, 0);
    EXPECT_GT(blocked, 0);
    int64_t bad_pages = 0;
    for (const auto& [name, d] : report["datasets"].items())
      bad_pages += d["bad_pages"].get<int64_t>();
    EXPECT_GT(bad_pages, 0) << "truncated bodies are counted and asked again";
  }
}

// --- Incremental: a second run after the clock moved fetches only the new trades ---

TEST(FetchE2E, SecondRunFetchesOnlyNewTrades) {
  FetchHarness h("fetch-incremental");
  ASSERT_EQ(h.Fetch().code, 0);
  const int64_t before = h.sim().Truth()["datasets"]["trades"].get<int64_t>();
  ASSERT_EQ(h.Count("trades"), before);
  auto advanced = h.sim().Post("/__sim/advance?seconds=432000", "");
  ASSERT_TRUE(advanced);
  const json truth = h.sim().Truth();
  const int64_t after = truth["datasets"]["trades"].get<int64_t>();
  ASSERT_GT(after, before) << "the clock must add trades to open markets";
  const Outcome r = h.Fetch();
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(h.Count("trades"), after);
  auto runs =
      h.Query("SELECT _run_id, count(*) FROM " + h.Scan("trades") + " GROUP BY 1 ORDER BY 1");
  ASSERT_EQ(runs.rows.size(), 2u);
  EXPECT_EQ(Int(runs.rows[1][1]), after - before) << "the second run fetched only new trades";
  ExpectUniqueKeys(h);
  auto dup =
      h.Query("SELECT count(*) - count(DISTINCT (token_id, timestamp)) FROM " + h.Scan("prices"));
  EXPECT_EQ(Int(dup.rows[0][0]), 0);
}

// --- --limit and --timeout ---

TEST(FetchE2E, LimitTakesTheFirstMarketsOfTheListAndOnlyTheirTrades) {
  FetchHarness h("fetch-limit");
  const Outcome r = h.Fetch({"--mode", "trades", "--limit", "10"});
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(h.Count("markets"), 10);
  EXPECT_EQ(h.Count("market_tokens"), 20);
  const json truth = h.sim().Truth();
  auto ids = h.Query("SELECT condition_id FROM " + h.Scan("markets"));
  int64_t want = 0;
  for (const auto& row : ids.rows) want += truth["market_trades"].value(*row[0], int64_t{0});
  EXPECT_EQ(h.Count("trades"), want);
  auto outside =
      h.Query("SELECT count(*) FROM " + h.Scan("trades") +
              " WHERE condition_id NOT IN (SELECT condition_id FROM " + h.Scan("markets") + ")");
  EXPECT_EQ(Int(outside.rows[0][0]), 0);
  EXPECT_EQ(h.Count("leaderboard"), 0) << "--mode trades fetches nothing else";
}

TEST(FetchE2E, ADataDirWithAQuoteInItsPathWorks) {
  FetchHarness h("fetch-o'quote");
  const Outcome r = h.Fetch({"--mode", "trades", "--limit", "5"});
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(h.Count("markets"), 5);
  EXPECT_GT(h.Count("trades"), 0);
}

TEST(FetchE2E, TimeoutStopsCleanlyWithExitZeroAndTheNextRunResumes) {
  json config = TestConfig();
  config["rate_limits"]["data_leaderboard"] = {{"requests", 20}, {"window_seconds", 1}};
  FetchHarness h("fetch-timeout", SimClient::DefaultOptions(), config);
  const Outcome stopped = h.Fetch({"--mode", "leaderboard", "--timeout", "1"});
  ASSERT_EQ(stopped.code, 0) << stopped.output;
  EXPECT_NE(stopped.output.find("timed_out"), std::string::npos) << stopped.output;
  const int64_t partial = h.Count("leaderboard");
  EXPECT_GT(partial, 0);
  EXPECT_LT(partial, h.sim().Truth()["datasets"]["leaderboard"].get<int64_t>());
  json fast = TestConfig();
  std::ofstream(h.config_path()) << fast.dump();
  const Outcome resumed = h.Fetch({"--mode", "leaderboard"});
  ASSERT_EQ(resumed.code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resuming run"), std::string::npos) << resumed.output;
  EXPECT_EQ(h.Count("leaderboard"), h.sim().Truth()["datasets"]["leaderboard"].get<int64_t>());
  auto runs = h.Query("SELECT count(DISTINCT _run_id), count(DISTINCT snapshot_ts) FROM " +
                      h.Scan("leaderboard"));
  EXPECT_EQ(Int(runs.rows[0][0]), 1) << "one snapshot, completed by the resumed run";
  EXPECT_EQ(Int(runs.rows[0][1]), 1);
}

// A trades run stopped with feeds in flight and checkpoints behind it (which drop finished feeds
// from the streams) resumes from what they committed: every trade arrives, once.
TEST(FetchE2E, ATradesRunResumedAfterCheckpointsGetsEveryTrade) {
  json config = TestConfig();
  config["log"]["checkpoint_every"] = 2;
  config["queues"]["trades"] = 100;
  config["rate_limits"]["data_v2_trades"] = {{"requests", 3}, {"window_seconds", 1}};
  FetchHarness h("fetch-trades-resume", SimClient::DefaultOptions(), config);
  const Outcome markets = h.Fetch({"--mode", "markets"});
  ASSERT_EQ(markets.code, 0) << markets.output;
  const Outcome stopped = h.Fetch({"--mode", "trades", "--timeout", "2"});
  ASSERT_EQ(stopped.code, 0) << stopped.output;
  ASSERT_NE(stopped.output.find("timed_out"), std::string::npos) << stopped.output;
  const int64_t truth = h.sim().Truth()["datasets"]["trades"].get<int64_t>();
  EXPECT_LT(h.Count("trades"), truth);
  config["rate_limits"]["data_v2_trades"] = {{"requests", 0}};
  std::ofstream(h.config_path()) << config.dump();
  const Outcome resumed = h.Fetch({"--mode", "trades"});
  ASSERT_EQ(resumed.code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resuming run"), std::string::npos) << resumed.output;
  EXPECT_EQ(h.Count("trades"), truth);
  auto unique = h.Query(
      "SELECT count(*), count(DISTINCT (transaction_hash, condition_id, token_id, proxy_wallet, "
      "side, price, size, timestamp, outcome_index, fill_seq)) FROM " +
      h.Scan("trades"));
  EXPECT_EQ(unique.rows[0][0], unique.rows[0][1]);
}

// --- Errors: one clear line and the documented exit code ---

TEST(FetchE2E, BadConfigIsAUsageError) {
  FetchHarness h("fetch-badconfig");
  std::ofstream(h.config_path()) << R"({"retry": {"max_attempts": "many"}})";
  const Outcome r = h.Fetch();
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("retry.max_attempts"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(h.data_dir())) << "nothing is written";
}

TEST(FetchE2E, UnreachableHostFailsWithOneLine) {
  FetchHarness h("fetch-unreachable");
  std::vector<std::string> args = h.FetchArgs({"--mode", "leaderboard"});
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "--data-api") args[i + 1] = "http://127.0.0.1:1/data";
  }
  const Outcome r = polysim::testing::RunToEnd(args, 120);
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("127.0.0.1:1"), std::string::npos) << r.output;
  EXPECT_EQ(h.Count("leaderboard"), 0);
}

TEST(FetchE2E, UnwritableDataDirFailsWithOneLine) {
  FetchHarness h("fetch-unwritable");
  const fs::path file = h.data_dir().parent_path() / "not-a-dir";
  std::ofstream(file) << "x";
  std::vector<std::string> args = h.FetchArgs({"--mode", "markets"});
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "--data-dir") args[i + 1] = (file / "data").string();
  }
  const Outcome r = polysim::testing::RunToEnd(args, 60);
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("not-a-dir"), std::string::npos) << r.output;
}

TEST(FetchE2E, MalformedResponsesCommitNothingAndFail) {
  polysim::ServerOptions sim = SimClient::DefaultOptions();
  sim.traffic.faults.truncate = 1.0;
  FetchHarness h("fetch-malformed", sim);
  const Outcome r = h.Fetch({"--mode", "leaderboard"});
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("leaderboard"), std::string::npos) << r.output;
  EXPECT_EQ(h.Count("leaderboard"), 0);
  EXPECT_EQ(h.StagedFiles(), 0);
}

TEST(FetchE2E, ASecondFetchOnTheSameDataDirIsRefused) {
  json config = TestConfig();
  config["rate_limits"]["data_leaderboard"] = {{"requests", 20}, {"window_seconds", 1}};
  FetchHarness h("fetch-lock", SimClient::DefaultOptions(), config);
  Process first = polysim::testing::Spawn(h.FetchArgs({"--mode", "leaderboard"}),
                                          (h.data_dir().parent_path() / "log").string());
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  const Outcome second = h.Fetch({"--mode", "leaderboard"});
  EXPECT_EQ(second.code, 1) << second.output;
  EXPECT_NE(second.output.find("in use"), std::string::npos) << second.output;
  kill(first.pid, SIGTERM);
  EXPECT_EQ(first.Wait(30), 130);
}

}  // namespace
}  // namespace polypipe::testing
