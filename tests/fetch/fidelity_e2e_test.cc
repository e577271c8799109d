// `polypipe fetch` against the awkward real cases polysim models (polymarket-api.md section 1's
// note): closed markets whose CLOB flag says "no order book", fills the trade feed cannot reach
// (older than its window), dust fills the API hides by default, fills indexed late, and a request
// that keeps failing for one market. Each test fails without the fetcher behaviour it names.

#include <signal.h>

#include <fstream>
#include <string>
#include <vector>

#include "tests/fetch/fetch_harness.h"

namespace polypipe::testing {
namespace {

using nlohmann::json;

int64_t Int(const std::optional<std::string>& v) {
  return v ? std::stoll(*v) : -1;
}

// Trades whose dedup key another trade in Bronze already has.
int64_t RepeatedTrades(FetchHarness& h) {
  auto r = h.Query(
      "SELECT count(*) - count(DISTINCT (transaction_hash, condition_id, token_id, proxy_wallet, "
      "side, price, size, timestamp, outcome_index, fill_seq)) FROM " +
      h.Scan("trades"));
  return r.rows.empty() ? -1 : Int(r.rows[0][0]);
}

json Status(FetchHarness& h) {
  const Outcome r = polysim::testing::RunToEnd(
      {POLYPIPE_BINARY, "status", "--json", "--data-dir", h.data_dir().string()});
  EXPECT_EQ(r.code, 0) << r.output;
  return json::parse(r.output, nullptr, false);
}

// A universe whose history reaches back past the trade feed's three-year window.
polysim::ServerOptions OldUniverse() {
  polysim::ServerOptions o = SimClient::DefaultOptions();
  o.universe.markets = 160;
  o.universe.mean_trades = 12;
  o.universe.heavy_markets = 0;
  o.universe.history_days = 4 * 365;
  return o;
}

int64_t LeftOut(const json& report, const std::string& dataset, const std::string& reason) {
  return report["datasets"][dataset]["left_out"].value(reason, int64_t{0});
}

TEST(FetchFidelity, ClosedMarketsWhoseClobFlagIsOffStillGetTheirPrices) {
  FetchHarness h("fidelity-prices");
  for (const char* mode : {"markets", "gamma", "trades"})
    ASSERT_EQ(h.Fetch({"--mode", mode}).code, 0);
  // CLOB says "no order book" for every closed market, and for the markets that never had one.
  auto off = h.Query(
      "SELECT count(*) FILTER (WHERE NOT enable_order_book AND closed), "
      "count(*) FILTER (WHERE accepting_order_timestamp IS NULL) FROM " +
      h.Scan("markets"));
  ASSERT_GT(Int(off.rows[0][0]), 0) << "the universe must hold closed markets";
  const json truth = h.sim().Truth();
  ASSERT_EQ(Int(off.rows[0][1]), truth["markets_without_book"].get<int64_t>());

  const Outcome r = h.Fetch({"--mode", "prices"});
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(h.Count("prices"), truth["datasets"]["prices"].get<int64_t>());
  auto per_token = h.Query("SELECT token_id, count(*) FROM " + h.Scan("prices") + " GROUP BY 1");
  for (const auto& row : per_token.rows) {
    EXPECT_EQ(Int(row[1]), truth["token_prices"].value(*row[0], int64_t{-1})) << *row[0];
  }
  // Left out, and counted per token: the markets that never had a book (Gamma's enableOrderBook
  // false, no accepting_order_timestamp) and those no source dates that never traded.
  auto bookless = h.Query(
      "SELECT count(*) FROM " + h.Scan("markets") + " m LEFT JOIN (SELECT condition_id, " +
      "bool_or(enable_order_book) AS book FROM " + h.Scan("gamma_markets") +
      " GROUP BY 1) g USING (condition_id) WHERE accepting_order_timestamp IS NULL AND (g.book = "
      "false OR (g.book IS NULL AND NOT EXISTS (SELECT 1 FROM " +
      h.Scan("trades") + " t WHERE t.condition_id = m.condition_id)))");
  ASSERT_GT(Int(bookless.rows[0][0]), 0);
  const json report = Status(h)["last_run"];
  EXPECT_EQ(LeftOut(report, "prices", "no_book"), 2 * Int(bookless.rows[0][0]));
}

TEST(FetchFidelity, DustFillsAreFetched) {
  FetchHarness h("fidelity-dust");
  const Outcome r = h.Fetch({"--mode", "trades"});
  ASSERT_EQ(r.code, 0) << r.output;
  const json truth = h.sim().Truth();
  ASSERT_GT(truth["dust_trades"].get<int64_t>(), 0);
  EXPECT_EQ(h.Count("trades"), truth["datasets"]["trades"].get<int64_t>());
  auto dust = h.Query("SELECT count(*) FROM " + h.Scan("trades") + " WHERE size < 0.01");
  EXPECT_EQ(Int(dust.rows[0][0]), truth["dust_trades"].get<int64_t>());
}

TEST(FetchFidelity, MarketsOlderThanTheFeedWindowAreCountedAndNeverComplete) {
  FetchHarness h("fidelity-window", OldUniverse());
  ASSERT_EQ(h.Fetch({"--mode", "gamma"}).code, 0);  // start dates
  const Outcome r = h.Fetch({"--mode", "trades"});
  ASSERT_EQ(r.code, 0) << r.output;
  const json truth = h.sim().Truth();
  const int64_t out = truth["markets_out_of_window"].get<int64_t>();
  ASSERT_GT(out, 0) << "the universe must hold markets older than the window";
  ASSERT_GT(truth["trades_outside_window"].get<int64_t>(), 0);
  // What the feed serves is all there: the fills inside the window.
  EXPECT_EQ(h.Count("trades"), truth["datasets"]["trades"].get<int64_t>());
  auto per_market =
      h.Query("SELECT condition_id, count(*) FROM " + h.Scan("trades") + " GROUP BY 1");
  for (const auto& row : per_market.rows) {
    EXPECT_EQ(Int(row[1]), truth["market_trades"].value(*row[0], int64_t{-1})) << *row[0];
  }
  // Out-of-window markets are reported, in the run report and in status, and never as done.
  json status = Status(h);
  EXPECT_EQ(LeftOut(status["last_run"], "trades", "out_of_window"), out);
  const json& streams = status["datasets"]["trades"]["streams"];
  EXPECT_EQ(streams["out_of_window"].get<int64_t>(), out);
  const Outcome text =
      polysim::testing::RunToEnd({POLYPIPE_BINARY, "status", "--data-dir", h.data_dir().string()});
  EXPECT_NE(text.output.find("out of window"), std::string::npos) << text.output;

  // A second run asks nothing of the closed ones and still counts every out-of-window market.
  const Outcome again = h.Fetch({"--mode", "trades"});
  ASSERT_EQ(again.code, 0) << again.output;
  status = Status(h);
  EXPECT_EQ(status["datasets"]["trades"]["streams"]["out_of_window"].get<int64_t>(), out);
  EXPECT_EQ(LeftOut(status["last_run"], "trades", "out_of_window"), out);
  EXPECT_EQ(h.Count("trades"), truth["datasets"]["trades"].get<int64_t>());
}

// Silver's check passes on out-of-window markets (the data is all the API serves) but says what
// is incomplete. Kept apart from FetchFidelity, which `make tsan` runs too: DuckDB is prebuilt
// without TSan, so load-silver does not run under it.
TEST(SilverFidelity, CheckWarnsAboutMarketsOutOfTheFeedWindow) {
  polysim::ServerOptions sim = OldUniverse();
  sim.universe.markets = 60;
  FetchHarness h("fidelity-window-silver", sim);
  ASSERT_EQ(h.Fetch({"--mode", "gamma"}).code, 0);
  ASSERT_EQ(h.Fetch({"--mode", "trades"}).code, 0);
  const int64_t out = h.sim().Truth()["markets_out_of_window"].get<int64_t>();
  ASSERT_GT(out, 0);
  const std::string silver = (h.data_dir() / "s.duckdb").string();
  ASSERT_EQ(polysim::testing::RunToEnd({POLYPIPE_BINARY, "load-silver", "--bronze",
                                        h.data_dir().string(), "--silver", silver},
                                       240)
                .code,
            0);
  const Outcome check =
      polysim::testing::RunToEnd({POLYPIPE_BINARY, "check", "--silver", silver}, 120);
  EXPECT_EQ(check.code, 0) << check.output;
  const size_t line = check.output.find("trades_out_of_window");
  ASSERT_NE(line, std::string::npos) << check.output;
  const std::string rule = check.output.substr(line, check.output.find('\n', line) - line);
  EXPECT_NE(rule.find(" " + std::to_string(out) + " "), std::string::npos) << rule;
}

// Late fills: run, move the clock on, run again (some fills of that half hour are still being
// indexed), move it on again (they are indexed now, stamped behind what the second run served),
// and run a third time.
int64_t FetchWithLateFills(FetchHarness& h, json* report) {
  for (int run = 0; run < 3; ++run) {
    if (run > 0) {
      EXPECT_TRUE(h.sim().Post("/__sim/advance?seconds=1800", ""));
    }
    const Outcome r = h.Fetch({"--mode", "trades"});
    EXPECT_EQ(r.code, 0) << r.output;
  }
  *report = Status(h)["last_run"];
  return h.Count("trades");
}

polysim::ServerOptions LateUniverse() {
  polysim::ServerOptions o = SimClient::DefaultOptions();
  o.universe.late_fills = 0.5;
  o.universe.mean_trades = 400;
  return o;
}

TEST(FetchFidelity, LateFillsInsideTheOverlapAreCaughtExactlyOnce) {
  FetchHarness h("fidelity-late", LateUniverse());
  json report;
  const int64_t rows = FetchWithLateFills(h, &report);
  const json truth = h.sim().Truth();
  EXPECT_EQ(rows, truth["datasets"]["trades"].get<int64_t>());
  EXPECT_GT(report["datasets"]["trades"]["anomalies"].value("late fills caught by the overlap", 0),
            0);
  EXPECT_EQ(RepeatedTrades(h), 0) << "the overlap re-reads committed fills and drops them";
}

TEST(FetchFidelity, WithoutAnOverlapLateFillsAreLost) {
  json config = TestConfig();
  config["trades"] = {{"lag_seconds", 0}};
  FetchHarness h("fidelity-late-strict", LateUniverse(), config);
  json report;
  const int64_t rows = FetchWithLateFills(h, &report);
  EXPECT_LT(rows, h.sim().Truth()["datasets"]["trades"].get<int64_t>())
      << "the limit the overlap exists for: a fill indexed behind the watermark is not re-read";
}

TEST(FetchFidelity, ADeeperRePollRecoversThemWithoutWritingAFillTwice) {
  json config = TestConfig();
  config["trades"] = {{"lag_seconds", 0}};
  FetchHarness h("fidelity-late-deep", LateUniverse(), config);
  json report;
  const int64_t lost = h.sim().Truth()["datasets"]["trades"].get<int64_t>();
  const int64_t rows = FetchWithLateFills(h, &report);
  const int64_t want = h.sim().Truth()["datasets"]["trades"].get<int64_t>();
  ASSERT_LT(rows, want) << "(" << lost << " before) the strict runs must have lost late fills";
  // The periodic deep re-poll: one run reaching two hours back reads the committed keys of the
  // stretch its state does not hold back from Bronze.
  const Outcome deep = h.Fetch({"--mode", "trades", "--trades-lag", "7200"});
  ASSERT_EQ(deep.code, 0) << deep.output;
  EXPECT_NE(deep.output.find("s behind their newest trade"), std::string::npos) << deep.output;
  EXPECT_EQ(h.Count("trades"), want);
  EXPECT_EQ(RepeatedTrades(h), 0);
}

TEST(FetchFidelity, AMarketWhoseRequestsKeepFailingFailsAloneAndIsRetried) {
  polysim::ServerOptions faulty = SimClient::DefaultOptions();
  SimClient probe(faulty);
  const json truth = probe.Truth();
  int seen = 0;
  // A market in the middle of the list, with trades: its feed shares requests with 19 others.
  std::string bad;
  const json list = probe.Json("/clob/markets");
  ASSERT_TRUE(list.is_object()) << list.dump().substr(0, 200);
  for (const auto& m : list["data"]) {
    const std::string cid = m["condition_id"].get<std::string>();
    if (++seen > 25 && truth["market_trades"].value(cid, int64_t{0}) > 0) {
      bad = cid;
      break;
    }
  }
  ASSERT_FALSE(bad.empty());
  faulty.traffic.faults.html_403_matches = {bad};
  // Splitting takes several failed requests in a row; they must not look like a host outage.
  json config = TestConfig();
  config["retry"]["host_down_seconds"] = 60;
  FetchHarness h("fidelity-isolate", faulty, config);

  const Outcome r = h.Fetch({"--mode", "trades"});
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("1 unit(s) of work failed"), std::string::npos) << r.output;
  // Every other market is complete; the failing one is named with its route, status and body.
  auto per_market =
      h.Query("SELECT condition_id, count(*) FROM " + h.Scan("trades") + " GROUP BY 1");
  int64_t other = 0;
  for (const auto& row : per_market.rows) {
    if (*row[0] == bad) continue;
    EXPECT_EQ(Int(row[1]), truth["market_trades"].value(*row[0], int64_t{-1})) << *row[0];
    other += Int(row[1]);
  }
  EXPECT_EQ(other + truth["market_trades"][bad].get<int64_t>(),
            truth["datasets"]["trades"].get<int64_t>());
  json status = Status(h);
  const json& run = status["last_run"];
  EXPECT_EQ(run["state"], "finished_with_failures");
  ASSERT_EQ(run["failed_units"].size(), 1u) << run["failed_units"].dump();
  const json& unit = run["failed_units"][0];
  EXPECT_EQ(unit["unit"], bad);
  EXPECT_EQ(unit["route"], "data_v2_trades");
  EXPECT_EQ(unit["status"], 403);
  EXPECT_NE(unit["error"].get<std::string>().find("Cloudflare"), std::string::npos) << unit;
  EXPECT_EQ(LeftOut(run, "trades", "failed"), 1);
  const Outcome text =
      polysim::testing::RunToEnd({POLYPIPE_BINARY, "status", "--data-dir", h.data_dir().string()});
  EXPECT_NE(text.output.find(bad), std::string::npos) << text.output;

  // The next run (the block lifted: a polysim of the same universe) retries it and completes.
  SimClient healthy(SimClient::DefaultOptions());
  std::vector<std::string> args = h.FetchArgs({"--mode", "trades"});
  const std::string base = "http://127.0.0.1:" + std::to_string(healthy.port());
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "--data-api") args[i + 1] = base + "/data";
    if (args[i] == "--clob-api") args[i + 1] = base + "/clob";
    if (args[i] == "--gamma-api") args[i + 1] = base + "/gamma";
  }
  const Outcome retry = polysim::testing::RunToEnd(args, 240);
  ASSERT_EQ(retry.code, 0) << retry.output;
  EXPECT_EQ(h.Count("trades"), truth["datasets"]["trades"].get<int64_t>());
  EXPECT_EQ(RepeatedTrades(h), 0);
}

TEST(FetchFidelity, AFeedWhoseCursorIsRefusedStartsAgainWithoutRepeatingARow) {
  FetchHarness h("fidelity-cursor");
  ASSERT_EQ(h.Fetch({"--mode", "markets"}).code, 0);
  // Killed after the third trades commit: some feeds are committed halfway, with a cursor.
  const Outcome killed =
      h.Fetch({"--mode", "trades"}, {"POLYPIPE_FAILPOINT=bronze.after_commit:3"});
  ASSERT_EQ(killed.code, 128 + SIGKILL) << killed.output;
  // The cursors have expired by the time the fetch resumes.
  int expired = 0;
  for (const auto& e : fs::directory_iterator(h.data_dir() / "trades" / "_log")) {
    json record = json::parse(std::ifstream(e.path()), nullptr, false);
    if (!record.is_object() || !record.contains("progress")) continue;
    for (auto& [key, value] : record["progress"].items()) {
      if (key.rfind("feed:", 0) != 0 || !value.is_object() || value["cursor"] == "") continue;
      value["cursor"] = "expired";
      ++expired;
    }
    std::ofstream(e.path()) << record.dump();
  }
  ASSERT_GT(expired, 0) << "no feed was committed halfway";
  const Outcome resumed = h.Fetch({"--mode", "trades"});
  ASSERT_EQ(resumed.code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("the cursor was refused"), std::string::npos) << resumed.output;
  EXPECT_EQ(h.Count("trades"), h.sim().Truth()["datasets"]["trades"].get<int64_t>());
  EXPECT_EQ(RepeatedTrades(h), 0);
}

TEST(FetchFidelity, AHostThatKeepsFailingStopsTheRun) {
  polysim::ServerOptions down = SimClient::DefaultOptions();
  down.traffic.faults.html_403_matches = {"category="};  // every leaderboard request
  FetchHarness h("fidelity-host-down", down);
  const Outcome r = h.Fetch({"--mode", "leaderboard"});
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("every request has failed"), std::string::npos) << r.output;
  EXPECT_EQ(Status(h)["last_run"]["state"], "failed");
}

}  // namespace
}  // namespace polypipe::testing
