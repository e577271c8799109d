// `polypipe fetch` end to end: the binary against polysim on loopback, Bronze read back through
// DuckDB and compared with /__sim/truth — complete data, crash safety at every commit step,
// clean interruption, faults, incremental runs and clear errors.

#include <signal.h>

#include <thread>

#include "tests/fetch/fetch_harness.h"

namespace polypipe::testing {
namespace {

using nlohmann::json;
using polysim::testing::Process;

int64_t Int(const std::optional<std::string>& v) { return v ? std::stoll(*v) : -1; }

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

void ExpectUniqueKeys(FetchHarness& h) {
  // Trades: the documented dedup key; genuinely identical fills differ in fill_seq only.
  auto t = h.Query(
      "SELECT count(*), count(DISTINCT (transaction_hash, condition_id, token_id, proxy_wallet, "
      "side, price, size, timestamp, outcome_index, fill_seq)), count(*) FILTER (WHERE fill_seq > "
      "0) FROM " + h.Scan("trades"));
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.rows[0][0], t.rows[0][1]);
  EXPECT_GT(Int(t.rows[0][2]), 0) << "the universe has identical fills; all must be kept";
  auto p = h.Query("SELECT count(*), count(DISTINCT (token_id, timestamp)) FROM " + h.Scan("prices"));
  EXPECT_EQ(p.rows[0][0], p.rows[0][1]);
  auto m = h.Query("SELECT count(*), count(DISTINCT condition_id) FROM " + h.Scan("markets"));
  EXPECT_EQ(m.rows[0][0], m.rows[0][1]);
  auto g = h.Query("SELECT count(*), count(DISTINCT id) FROM " + h.Scan("gamma_markets"));
  EXPECT_EQ(g.rows[0][0], g.rows[0][1]);
  auto l = h.Query("SELECT count(*), count(DISTINCT (category, time_period, order_by, rank)) FROM " +
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

}  // namespace
}  // namespace polypipe::testing
