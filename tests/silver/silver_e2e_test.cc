// `polypipe load-silver` and `polypipe check` end to end: Bronze written by the real fetcher from
// polysim, loaded into a DuckDB file by the binary, compared with polysim's universe (counts,
// winners, per-trader PnL), with computations over the Parquet files, and with itself across
// reruns, incremental loads and crashes.

#include <signal.h>
#include <sys/wait.h>

#include <cmath>
#include <map>
#include <regex>
#include <set>
#include <thread>

#include "bronze/store.h"
#include "sim/universe.h"
#include "tests/silver/silver_harness.h"

namespace polypipe::testing {
namespace {

using nlohmann::json;

// What Silver must hold, computed from polysim's universe (not from Bronze).
struct UniverseTruth {
  int64_t markets = 0;  // listed by CLOB or Gamma
  int64_t bridge = 0;   // distinct (market, tag label) pairs
  std::set<std::string> wallets;
  std::map<std::string, double> realised_pnl;  // per wallet, over resolved markets
  std::map<std::string, double> volume;        // per wallet, notional over all trades
  std::map<std::string, std::set<std::string>> markets_traded;
  std::map<std::string, std::string> winning_token;  // resolved markets with trades
  std::set<std::string> closed;                      // closed markets (condition ids)
};

UniverseTruth ComputeTruth(const polysim::Universe& u) {
  UniverseTruth t;
  for (const polysim::Market& m : u.markets()) {
    if (!m.in_clob && !m.in_gamma) continue;
    ++t.markets;
    std::set<std::string> labels;
    if (m.in_clob) {
      for (int tag : m.tags) labels.insert(u.tags()[tag].label);
    }
    if (m.in_gamma) {
      for (int tag : u.events()[m.event].tags) labels.insert(u.tags()[tag].label);
    }
    t.bridge += static_cast<int64_t>(labels.size());
    const bool closed = u.Closed(m);
    if (closed) t.closed.insert(m.condition_id);
    if (!m.in_clob) continue;  // the fetcher asks trades of CLOB-listed markets
    if (closed) t.winning_token[m.condition_id] = m.token_ids[m.winner];
    const int64_t n = u.VisibleTrades(m);
    for (int64_t i = 0; i < n; ++i) {
      const polysim::Trade trade = u.MakeTrade(m, i);
      const std::string& wallet = u.wallets()[trade.wallet].address;
      const double notional = trade.price * trade.size;
      t.wallets.insert(wallet);
      t.volume[wallet] += notional;
      t.markets_traded[wallet].insert(m.condition_id);
      if (!closed) continue;
      double pnl = trade.buy ? -notional : notional;
      if (trade.outcome_index == m.winner) pnl += trade.buy ? trade.size : -trade.size;
      t.realised_pnl[wallet] += pnl;
    }
  }
  for (size_t c = 0; c < polysim::kBoardCategories.size(); ++c) {
    for (size_t p = 0; p < polysim::kBoardPeriods.size(); ++p) {
      const int size = u.BoardSize(static_cast<int>(c), static_cast<int>(p));
      for (size_t o = 0; o < polysim::kBoardOrders.size(); ++o) {
        for (int r = 0; r < size; ++r) {
          const polysim::BoardRow row =
              u.BoardEntry(static_cast<int>(c), static_cast<int>(p), static_cast<int>(o), r);
          t.wallets.insert(u.wallets()[row.wallet].address);
        }
      }
    }
  }
  return t;
}

bool Near(double a, double b) {
  return std::fabs(a - b) <= 1e-6 * std::max(1.0, std::max(std::fabs(a), std::fabs(b)));
}

double Dbl(const std::optional<std::string>& v) {
  return v ? std::stod(*v) : std::nan("");
}
int64_t Int(const std::optional<std::string>& v) {
  return v ? std::stoll(*v) : -1;
}

// The natural keys of every Silver table must be unique, and every surrogate too.
void ExpectUniqueKeys(SilverHarness& h) {
  const std::vector<std::pair<std::string, std::string>> keys = {
      {"MarketDim", "condition_id"},
      {"MarketDim", "market_id"},
      {"MarketTokenDim", "token_hash"},
      {"MarketTokenDim", "token_id"},
      {"TraderDim", "wallet_address"},
      {"TraderDim", "trader_id"},
      {"EventDim", "gamma_event_id"},
      {"EventDim", "event_id"},
      {"CategoryDim", "gamma_tag_id"},
      {"CategoryDim", "category_id"},
      {"MarketDimHistory", "(market_id, version)"},
      {"MarketCategoryBridge", "(market_id, label)"},
      {"TradeFact", "trade_id"},
      {"TradeFact",
       "(transaction_hash, condition_id, token_hash, wallet_address, side, price, size, "
       "\"timestamp\", outcome_index, fill_seq)"},
      {"PriceHistoryFact", "(token_hash, \"timestamp\")"},
      {"LeaderboardFact", "(snapshot_ts, category, period, order_by, rank, wallet_address)"},
  };
  for (const auto& [table, key] : keys) {
    EXPECT_EQ(h.SilverInt("SELECT count(*) - count(DISTINCT " + key + ") FROM " + table), 0)
        << table << " " << key;
  }
}

// Row counts of the dimensions and facts against the universe and /__sim/truth.
// Prices are compared with the truth only when the clock never moved: after a market resolves,
// the truth describes the coarser series a fresh fetch would get, while Bronze keeps the finer
// points fetched while it was open. Silver must hold Bronze's distinct points either way.
void ExpectCountsMatchTruth(SilverHarness& h, bool prices_vs_truth = true) {
  const json truth = h.sim().Truth();
  const UniverseTruth u = ComputeTruth(h.sim().server().universe());
  const json& d = truth["datasets"];
  EXPECT_EQ(h.SilverInt("SELECT count(*) FROM MarketDim"), u.markets);
  EXPECT_EQ(h.SilverInt("SELECT count(*) FROM MarketDim WHERE in_clob"), d["markets"]);
  EXPECT_EQ(h.SilverInt("SELECT count(*) FROM MarketDim WHERE in_gamma"), d["gamma_markets"]);
  EXPECT_EQ(h.SilverInt("SELECT count(*) FROM MarketTokenDim"), 2 * u.markets);
  EXPECT_EQ(h.SilverInt("SELECT count(*) FROM EventDim"), d["gamma_events"]);
  EXPECT_EQ(h.SilverInt("SELECT count(*) FROM CategoryDim"), d["gamma_categories"]);
  EXPECT_EQ(h.SilverInt("SELECT count(*) FROM MarketCategoryBridge"), u.bridge);
  EXPECT_EQ(h.SilverInt("SELECT count(*) FROM MarketCategoryBridge WHERE category_id IS NULL"), 0);
  EXPECT_EQ(h.SilverInt("SELECT count(*) FROM TraderDim"), static_cast<int64_t>(u.wallets.size()));
  EXPECT_EQ(h.SilverInt("SELECT count(*) FROM TradeFact"), d["trades"]);
  if (prices_vs_truth) {
    EXPECT_EQ(h.SilverInt("SELECT count(*) FROM PriceHistoryFact"), d["prices"]);
  }
  EXPECT_EQ(h.SilverInt("SELECT count(*) FROM PriceHistoryFact"),
            Int(h.Query("SELECT count(DISTINCT (token_id, \"timestamp\")) FROM " + h.Scan("prices"))
                    .rows[0][0]));
  // Identical fills (fill_seq > 0) are all kept: as many as Bronze holds distinct ones.
  const int64_t identical =
      Int(h.Query("SELECT count(DISTINCT (transaction_hash, condition_id, token_id, proxy_wallet, "
                  "side, price, size, \"timestamp\", outcome_index, fill_seq)) FROM " +
                  h.Scan("trades") + " WHERE fill_seq > 0")
              .rows[0][0]);
  EXPECT_GT(identical, 0);
  EXPECT_EQ(h.SilverInt("SELECT count(*) FROM TradeFact WHERE fill_seq > 0"), identical);
  EXPECT_EQ(h.SilverInt("SELECT count(*) FROM MarketDim WHERE closed"),
            static_cast<int64_t>(u.closed.size()));
  // Per market trade counts.
  auto per_market = h.SilverQuery("SELECT condition_id, count(*) FROM TradeFact GROUP BY 1");
  int64_t markets_with_trades = 0;
  for (const auto& row : per_market.rows) {
    EXPECT_EQ(Int(row[1]), truth["market_trades"].value(*row[0], int64_t{-1})) << *row[0];
    ++markets_with_trades;
  }
  int64_t want = 0;
  for (const auto& [cid, n] : truth["market_trades"].items()) want += n.get<int64_t>() > 0;
  EXPECT_EQ(markets_with_trades, want);
  // Winners of resolved markets.
  auto winners = h.SilverQuery(
      "SELECT condition_id, winning_token_hash FROM MarketDim WHERE resolved AND in_clob");
  EXPECT_EQ(winners.rows.size(), u.winning_token.size());
  for (const auto& row : winners.rows) {
    auto it = u.winning_token.find(*row[0]);
    ASSERT_NE(it, u.winning_token.end()) << *row[0];
    EXPECT_EQ(row[1].value_or(""), it->second) << *row[0];
  }
  EXPECT_EQ(h.SilverInt("SELECT count(*) FROM MarketTokenDim WHERE winner"),
            static_cast<int64_t>(u.closed.size()));
}

// --- Counts, keys, idempotence ---

TEST(SilverLoad, CountsMatchTheTruthAndKeysAreUnique) {
  SilverHarness h("silver-counts");
  ASSERT_EQ(h.Fetch().code, 0);
  const Outcome r = h.Load();
  ASSERT_EQ(r.code, 0) << r.output;
  ExpectCountsMatchTruth(h);
  ExpectUniqueKeys(h);
  const json truth = h.sim().Truth();
  EXPECT_EQ(h.SilverInt("SELECT count(*) FROM LeaderboardFact"), truth["datasets"]["leaderboard"]);
  // One version per market after one snapshot, all current.
  EXPECT_EQ(h.SilverInt("SELECT count(*) FROM MarketDimHistory WHERE is_current AND version = 1"),
            h.SilverInt("SELECT count(*) FROM MarketDim"));
  // Every fact is linked (no orphans in a complete fetch); notional = price * size.
  EXPECT_EQ(h.SilverInt("SELECT count(*) FROM TradeFact WHERE market_id IS NULL OR token_id IS "
                        "NULL OR trader_id IS NULL"),
            0);
  EXPECT_EQ(h.SilverInt("SELECT count(*) FROM TradeFact WHERE notional <> price * size"), 0);
  EXPECT_EQ(h.SilverInt("SELECT count(*) FROM PriceHistoryFact WHERE token_id IS NULL OR "
                        "market_id IS NULL OR fidelity IS NULL"),
            0);
  // Every Bronze file is recorded with its commit record.
  int64_t bronze_files = 0;
  for (const std::string& d : kDatasets) {
    if (!bronze::HasCommittedFiles(h.data_dir().string(), d)) continue;
    bronze_files += Int(h.Query("SELECT count(DISTINCT filename) FROM read_parquet(" +
                                bronze::QuoteSqlString(bronze::GlobFor(h.data_dir().string(), d)) +
                                ", filename = true)")
                            .rows[0][0]);
  }
  EXPECT_EQ(h.SilverInt("SELECT count(*) FROM loader.files"), bronze_files);
}

TEST(SilverLoad, ASecondLoadWithNothingNewChangesNothing) {
  SilverHarness h("silver-idempotent");
  ASSERT_EQ(h.Fetch().code, 0);
  ASSERT_EQ(h.Load().code, 0);
  const auto before = h.Checksums();
  ASSERT_GE(before.size(), 14u);
  const Outcome again = h.Load();
  ASSERT_EQ(again.code, 0) << again.output;
  EXPECT_NE(again.output.find("nothing new"), std::string::npos) << again.output;
  EXPECT_EQ(h.Checksums(), before);
  EXPECT_EQ(h.SilverInt("SELECT count(*) FROM loader.loads"), 1);
}

// A second fetch without any change in the universe: new snapshots of markets, Gamma and the
// leaderboard, no new trades or prices. Dimensions keep their rows and surrogates and get no new
// versions; only the new leaderboard snapshot is added.
TEST(SilverLoad, RepeatedSnapshotsChangeNoDimensionAndAddOnlyTheNewBoard) {
  SilverHarness h("silver-snapshots");
  ASSERT_EQ(h.Fetch().code, 0);
  ASSERT_EQ(h.Load().code, 0);
  // Dimension content without the snapshot times (which a new snapshot moves on).
  const std::vector<std::string> views = {
      "TradeFact",
      "PriceHistoryFact",
      "MarketCategoryBridge",
      "MarketDimHistory",
      "(SELECT * EXCLUDE (snapshot_at) FROM CategoryDim)",
      "(SELECT * EXCLUDE (snapshot_at) FROM EventDim)",
      "(SELECT * EXCLUDE (snapshot_at) FROM MarketDim)",
      "(SELECT * EXCLUDE (snapshot_at) FROM MarketTokenDim)",
      "(SELECT * EXCLUDE (profile_seen_at, board_seen_at) FROM TraderDim)"};
  auto checksums = [&] {
    std::vector<std::string> out;
    for (const std::string& v : views) {
      out.push_back(*h.SilverQuery("SELECT count(*)::VARCHAR || ':' || "
                                   "coalesce(sum(hash(x)::HUGEINT), 0)::VARCHAR FROM " +
                                   v + " x")
                         .rows[0][0]);
    }
    return out;
  };
  const auto before = checksums();
  ASSERT_EQ(h.Fetch().code, 0);
  const Outcome r = h.Load();
  ASSERT_EQ(r.code, 0) << r.output;
  const auto after = checksums();
  for (size_t i = 0; i < views.size(); ++i) EXPECT_EQ(after[i], before[i]) << views[i];
  ExpectCountsMatchTruth(h);
  ExpectUniqueKeys(h);
  EXPECT_EQ(h.SilverInt("SELECT count(*) FROM LeaderboardFact"),
            2 * h.sim().Truth()["datasets"]["leaderboard"].get<int64_t>());
  EXPECT_EQ(h.SilverInt("SELECT count(DISTINCT snapshot_ts) FROM LeaderboardFact"), 2);
  // Surrogates are stable: the dimension rows loaded first keep their ids.
  EXPECT_EQ(h.SilverInt("SELECT count(*) FROM MarketDim d JOIN MarketDimHistory h USING "
                        "(market_id) WHERE h.condition_id <> d.condition_id"),
            0);
  EXPECT_EQ(h.SilverInt("SELECT max(market_id) FROM MarketDim"),
            h.SilverInt("SELECT count(*) FROM MarketDim"));
}

// `fetch --fresh` fetches every stream again: its trades and prices repeat the first run's. Loaded
// after the first run they add nothing; loaded together with it (one batch holding every fill
// twice) they are deduplicated within the batch.
TEST(SilverLoad, AFreshRefetchAddsNoFactTwice) {
  SilverHarness h("silver-fresh");
  ASSERT_EQ(h.Fetch().code, 0);
  ASSERT_EQ(h.Load().code, 0);
  const int64_t trades = h.SilverInt("SELECT count(*) FROM TradeFact");
  const int64_t prices = h.SilverInt("SELECT count(*) FROM PriceHistoryFact");
  ASSERT_EQ(h.Fetch({"--fresh"}).code, 0);
  ASSERT_GT(h.Count("trades"), trades) << "the fresh run must repeat trades in Bronze";
  Outcome r = h.Load();
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(h.SilverInt("SELECT count(*) FROM TradeFact"), trades);
  EXPECT_EQ(h.SilverInt("SELECT count(*) FROM PriceHistoryFact"), prices);

  // Both runs in one load.
  fs::rename(h.silver_path(), h.silver_path().string() + ".first");
  r = h.Load();
  ASSERT_EQ(r.code, 0) << r.output;
  ExpectCountsMatchTruth(h);
  ExpectUniqueKeys(h);
  const Outcome check = h.Check();
  EXPECT_EQ(check.code, 0) << check.output;

  // Bronze holds every fill of the markets twice: check's gap rule counts each once, so one fill
  // missing from Silver is one gap.
  ASSERT_GT(h.SilverInt("SELECT count(*) FROM loader.trade_streams WHERE done"), 0);
  h.SilverQuery(
      "DELETE FROM TradeFact WHERE trade_id = (SELECT min(trade_id) FROM TradeFact t JOIN "
      "loader.trade_streams s USING (condition_id) WHERE s.done)",
      true);
  const Outcome gap = h.Check();
  EXPECT_EQ(gap.code, 1) << gap.output;
  EXPECT_NE(gap.output.find("trade_gaps                 hard           1  FAIL"), std::string::npos)
      << gap.output;
}

// Hostile data (polysim --hostile-rate): odd text, NULLed optional fields, 200-digit ids and
// out-of-range prices, as Bronze keeps them. Silver loads them, dedupes a re-fetch of them
// NULL-safe, and `check` reports the prices and the fills whose token no dimension knows.
TEST(SilverLoad, HostileDataLoadsDedupesAndIsReported) {
  polysim::ServerOptions sim = SimClient::DefaultOptions();
  sim.universe.hostile_rate = 0.08;
  SilverHarness h("silver-hostile", sim);
  ASSERT_EQ(h.Fetch().code, 0);
  Outcome r = h.Load();
  ASSERT_EQ(r.code, 0) << r.output;
  const std::string fills =
      "(SELECT DISTINCT transaction_hash, condition_id, token_id, proxy_wallet, side, price, "
      "size, \"timestamp\", outcome_index, fill_seq FROM " +
      h.Scan("trades") + ")";
  const int64_t distinct = Int(h.Query("SELECT count(*) FROM " + fills).rows[0][0]);
  EXPECT_EQ(h.SilverInt("SELECT count(*) FROM TradeFact"), distinct);

  ASSERT_EQ(h.Fetch({"--fresh"}).code, 0);
  r = h.Load();
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(h.SilverInt("SELECT count(*) FROM TradeFact"),
            Int(h.Query("SELECT count(*) FROM " + fills).rows[0][0]))
      << "a re-fetched copy collides, NULL fields included";

  const int64_t out_of_range =
      Int(h.Query("SELECT count(*) FROM " + fills + " WHERE price < 0 OR price > 1").rows[0][0]);
  const Outcome check = h.Check();
  const size_t at = check.output.find("trade_price_range");
  ASSERT_NE(at, std::string::npos) << check.output;
  const std::string line = check.output.substr(at, check.output.find('\n', at) - at);
  if (out_of_range > 0) {
    EXPECT_EQ(check.code, 1) << check.output;
    EXPECT_NE(line.find("FAIL"), std::string::npos) << line;
    EXPECT_NE(line.find(std::to_string(out_of_range)), std::string::npos) << line;
  } else {
    EXPECT_EQ(line.find("FAIL"), std::string::npos) << line;
  }
}

// Leaderboards as the real API serves them (polymarket-api.md 3.3): tied traders share a rank,
// and a board that shifts between two pages of the sweep serves one wallet twice and another not
// at all. Every served row reaches Bronze and Silver, the repeats are counted in the run report
// and by `check`, and `check` passes.
TEST(SilverLoad, TiedAndRepeatedBoardRowsAreKeptAsServedAndCounted) {
  polysim::ServerOptions sim = SimClient::DefaultOptions();
  sim.universe.markets = 1500;  // boards past 100 rows, so some of them shift
  sim.universe.mean_trades = 1;
  sim.universe.heavy_markets = 0;
  SilverHarness h("silver-board-ties", sim);
  const Outcome fetch = h.Fetch({"--mode", "leaderboard"});
  ASSERT_EQ(fetch.code, 0) << fetch.output;
  const json truth = h.sim().Json("/__sim/truth?detail=false");
  const int64_t ties = truth["leaderboard_ties"].get<int64_t>();
  const int64_t repeats = truth["leaderboard_repeats"].get<int64_t>();
  ASSERT_GT(ties, 0);
  ASSERT_GT(repeats, 0) << "the universe no longer holds a shifted board";

  // Bronze: every row as served, the tied ones included.
  EXPECT_EQ(h.Count("leaderboard"), truth["datasets"]["leaderboard"].get<int64_t>());
  EXPECT_EQ(Int(h.Query("SELECT count(*) - count(DISTINCT (category, time_period, order_by, "
                        "rank)) FROM " +
                        h.Scan("leaderboard"))
                    .rows[0][0]),
            ties);
  const fs::path runs = h.data_dir() / "_runs";
  json report;
  for (const auto& e : fs::directory_iterator(runs)) {
    if (e.path().extension() == ".json") report = json::parse(std::ifstream(e.path()));
  }
  ASSERT_TRUE(report.is_object()) << "no run report in " << runs;
  EXPECT_EQ(report["datasets"]["leaderboard"]["anomalies"].value("wallet served twice in one board",
                                                                 int64_t{0}),
            repeats)
      << report["datasets"]["leaderboard"].dump();

  // Silver: the tied rows all kept, the repeats too; `check` passes and shows the repeats.
  const Outcome load = h.Load();
  ASSERT_EQ(load.code, 0) << load.output;
  EXPECT_EQ(h.SilverInt("SELECT count(*) FROM LeaderboardFact"),
            truth["datasets"]["leaderboard"].get<int64_t>());
  EXPECT_EQ(h.SilverInt("SELECT count(*) - count(DISTINCT (snapshot_ts, category, period, "
                        "order_by, rank)) FROM LeaderboardFact"),
            ties);
  EXPECT_EQ(h.SilverInt("SELECT count(*) - count(DISTINCT (snapshot_ts, category, period, "
                        "order_by, wallet_address)) FROM LeaderboardFact"),
            repeats);
  ExpectUniqueKeys(h);
  const Outcome check = h.Check();
  EXPECT_EQ(check.code, 0) << check.output;
  const size_t at = check.output.find("leaderboard_repeats");
  ASSERT_NE(at, std::string::npos) << check.output;
  const std::string line = check.output.substr(at, check.output.find('\n', at) - at);
  EXPECT_NE(line.find(" " + std::to_string(repeats) + " "), std::string::npos) << line;

  // The same files loaded again (the loader's record of them dropped) add nothing twice.
  const int64_t facts = h.SilverInt("SELECT count(*) FROM LeaderboardFact");
  h.SilverQuery(
      "DELETE FROM loader.commits WHERE dataset = 'leaderboard'; "
      "DELETE FROM loader.files WHERE dataset = 'leaderboard'",
      true);
  const Outcome again = h.Load();
  ASSERT_EQ(again.code, 0) << again.output;
  EXPECT_GT(h.SilverInt("SELECT count(*) FROM loader.commits WHERE dataset = 'leaderboard'"), 0)
      << "the files were not loaded again";
  EXPECT_EQ(h.SilverInt("SELECT count(*) FROM LeaderboardFact"), facts);
}

// --- Beside a running fetch: every load sees whole commits only, and the last one everything ---

TEST(SilverLoad, LoadsBesideARunningFetchSeeCommittedDataOnly) {
  // The leaderboard at 40 pages/s keeps the fetch running for a few seconds.
  json config = TestConfig();
  config["rate_limits"]["data_leaderboard"] = {{"requests", 40}, {"window_seconds", 1}};
  SilverHarness h("silver-beside", SimClient::DefaultOptions(), config);
  polysim::testing::Process fetch =
      polysim::testing::Spawn(h.FetchArgs(), (h.data_dir().parent_path() / "fetch.log").string());
  int loads = 0;
  for (int i = 0; i < 100; ++i) {
    int status = 0;
    if (waitpid(fetch.pid, &status, WNOHANG) == fetch.pid) {
      fetch.pid = -1;
      ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
      break;
    }
    if (!fs::exists(h.data_dir())) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    const Outcome r = h.Load();
    ASSERT_EQ(r.code, 0) << r.output;
    ++loads;
    // Whatever was loaded so far is whole commits: Silver holds exactly the rows the loaded
    // records name (one run repeats no fact).
    for (const auto& [table, dataset] :
         {std::pair{"TradeFact", "trades"}, std::pair{"LeaderboardFact", "leaderboard"},
          std::pair{"PriceHistoryFact", "prices"}}) {
      EXPECT_EQ(h.SilverInt(std::string("SELECT count(*) FROM ") + table),
                h.SilverInt(std::string("SELECT coalesce(sum(rows), 0) FROM loader.files "
                                        "WHERE dataset = '") +
                            dataset + "'"))
          << table;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
  }
  ASSERT_EQ(fetch.pid, -1) << "the fetch did not finish";
  EXPECT_GE(loads, 2) << "the fetch ended before a load could run beside it";
  const Outcome last = h.Load();
  ASSERT_EQ(last.code, 0) << last.output;
  ExpectCountsMatchTruth(h);
  ExpectUniqueKeys(h);
  EXPECT_EQ(h.SilverInt("SELECT count(*) FROM LeaderboardFact"),
            h.sim().Truth()["datasets"]["leaderboard"].get<int64_t>());
  const Outcome check = h.Check();
  EXPECT_EQ(check.code, 0) << check.output;
}

// A commit record whose files a fetch has not yet moved into place (it died between the record's
// rename and the files' renames, or is in the middle of them) is left for a later load, whole.
TEST(SilverLoad, ACommitWhoseFilesAreNotInPlaceWaitsForTheNextLoad) {
  SilverHarness h("silver-pending");
  ASSERT_EQ(h.Fetch().code, 0);
  // The last trades commit: put its files back into _staging, as recovery would find them.
  const fs::path log_dir = h.data_dir() / "trades" / "_log";
  fs::path last;
  for (const auto& e : fs::directory_iterator(log_dir)) {
    if (e.path().extension() == ".json" && (last.empty() || e.path() > last)) last = e.path();
  }
  ASSERT_FALSE(last.empty());
  const json record = json::parse(std::ifstream(last));
  std::vector<std::pair<fs::path, fs::path>> moved;
  int64_t pending_rows = 0;
  for (const json& f : record["files"]) {
    const fs::path placed = h.data_dir() / "trades" / f["path"].get<std::string>();
    const fs::path staged = h.data_dir() / "trades" / "_staging" / placed.filename();
    fs::create_directories(staged.parent_path());
    fs::rename(placed, staged);
    moved.emplace_back(staged, placed);
    pending_rows += f["rows"].get<int64_t>();
  }
  ASSERT_GT(pending_rows, 0);
  const int64_t trades = h.sim().Truth()["datasets"]["trades"].get<int64_t>();

  Outcome r = h.Load();
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("left for the next load"), std::string::npos) << r.output;
  EXPECT_EQ(h.SilverInt("SELECT count(*) FROM TradeFact"), trades - pending_rows);
  EXPECT_EQ(h.SilverInt("SELECT count(*) FROM loader.commits WHERE dataset = 'trades' AND seq = " +
                        std::to_string(record["seq"].get<int64_t>())),
            0);

  for (const auto& [staged, placed] : moved) fs::rename(staged, placed);
  r = h.Load();
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(r.output.find("left for the next load"), std::string::npos) << r.output;
  ExpectCountsMatchTruth(h);
  ExpectUniqueKeys(h);
}

// --- Incremental: the clock moves, markets close, new trades arrive ---

// Advances polysim's clock so that at least one open market closes; false if the clock did not
// move.
bool AdvanceClosingAMarket(SilverHarness& h) {
  const polysim::Universe& u = h.sim().server().universe();
  int64_t soonest = INT64_MAX;
  for (const polysim::Market& m : u.markets()) {
    if (m.in_clob && !u.Closed(m)) soonest = std::min(soonest, m.end);
  }
  EXPECT_NE(soonest, INT64_MAX) << "the universe has no open market";
  const int64_t seconds = std::max<int64_t>(soonest - u.now() + 3600, 86'400);
  return h.sim().Post("/__sim/advance?seconds=" + std::to_string(seconds), "");
}

// The Parquet files in the dt= folders of every dataset.
int64_t BronzeFiles(const SilverHarness& h) {
  int64_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(h.data_dir())) {
    const std::string path = entry.path().string();
    files += entry.is_regular_file() && entry.path().extension() == ".parquet" &&
             path.find("/dt=") != std::string::npos;
  }
  return files;
}

Outcome Compact(const SilverHarness& h) {
  return polysim::testing::RunToEnd(
      {POLYPIPE_BINARY, "compact", "--data-dir", h.data_dir().string(), "--config",
       h.config_path().string(), "--target-size", "1"},
      300);
}

TEST(SilverLoad, IncrementalLoadAddsOnlyNewRowsAndVersionsChangedMarkets) {
  polysim::ServerOptions sim = SimClient::DefaultOptions();
  sim.universe.markets = 300;
  SilverHarness h("silver-incremental", sim);
  ASSERT_EQ(h.Fetch().code, 0);
  ASSERT_EQ(h.Load().code, 0);
  const int64_t trades_before = h.SilverInt("SELECT count(*) FROM TradeFact");
  const auto facts_before = h.SilverQuery(
      "SELECT count(*)::VARCHAR || ':' || sum(hash(f)::HUGEINT)::VARCHAR FROM "
      "TradeFact f");
  const std::set<std::string> closed_before = ComputeTruth(h.sim().server().universe()).closed;

  ASSERT_TRUE(AdvanceClosingAMarket(h));
  const UniverseTruth truth = ComputeTruth(h.sim().server().universe());
  std::set<std::string> newly_closed;
  for (const std::string& cid : truth.closed) {
    if (!closed_before.count(cid)) newly_closed.insert(cid);
  }
  ASSERT_FALSE(newly_closed.empty());

  ASSERT_EQ(h.Fetch().code, 0);
  const Outcome r = h.Load();
  ASSERT_EQ(r.code, 0) << r.output;
  ExpectCountsMatchTruth(h, /*prices_vs_truth=*/false);
  ExpectUniqueKeys(h);

  // Only new rows: load 1's trades are untouched, load 2 added exactly the difference.
  const int64_t trades_after = h.SilverInt("SELECT count(*) FROM TradeFact");
  EXPECT_GT(trades_after, trades_before);
  EXPECT_EQ(h.SilverInt("SELECT count(*) FROM TradeFact WHERE load_id = 2"),
            trades_after - trades_before);
  EXPECT_EQ(h.SilverQuery("SELECT count(*)::VARCHAR || ':' || sum(hash(f)::HUGEINT)::VARCHAR "
                          "FROM TradeFact f WHERE load_id = 1")
                .rows,
            facts_before.rows);
  EXPECT_GT(h.SilverInt("SELECT min(trade_id) FROM TradeFact WHERE load_id = 2"),
            h.SilverInt("SELECT max(trade_id) FROM TradeFact WHERE load_id = 1"));

  // Markets that closed have a second version; the first is closed where the second starts.
  auto versioned = h.SilverQuery(
      "SELECT condition_id FROM MarketDimHistory GROUP BY condition_id HAVING count(*) > 1");
  std::set<std::string> got;
  for (const auto& row : versioned.rows) got.insert(*row[0]);
  std::set<std::string> want;
  for (const std::string& cid : newly_closed) want.insert(cid);
  EXPECT_EQ(got, want);
  auto versions = h.SilverQuery(
      "SELECT v1.closed, v1.is_current, v1.valid_to = v2.valid_from, v2.closed, v2.is_current, "
      "v2.valid_to IS NULL, v2.resolved, v2.valid_from > v1.valid_from "
      "FROM MarketDimHistory v1 JOIN MarketDimHistory v2 "
      "ON v1.market_id = v2.market_id AND v1.version = 1 AND v2.version = 2");
  ASSERT_EQ(versions.rows.size(), newly_closed.size());
  for (const auto& row : versions.rows) {
    const std::vector<std::optional<std::string>> expected = {"false", "false", "true", "true",
                                                              "true",  "true",  "true", "true"};
    EXPECT_EQ(row, expected);
  }
  EXPECT_EQ(h.SilverInt("SELECT count(*) FROM MarketDimHistory WHERE is_current"),
            h.SilverInt("SELECT count(*) FROM MarketDim"));
}

// Checkpoints every 2 commits and no record kept behind them: Silver learns the files and the
// trade streams of the pruned commits from the checkpoints, on a first load and an incremental one
// after a compaction whose records are pruned too (the merged files are loaded, every fill once).
TEST(SilverLoad, LoadsThroughTheCheckpointsOfAPrunedLog) {
  polysim::ServerOptions sim = SimClient::DefaultOptions();
  sim.universe.markets = 300;
  json config = TestConfig();
  config["log"] = {{"checkpoint_every", 2}, {"log_retention", 0}};
  SilverHarness h("silver-checkpoints", sim, config);
  ASSERT_EQ(h.Fetch().code, 0);
  ASSERT_FALSE(fs::exists(h.data_dir() / "trades" / "_log" / "000000000001.json"))
      << "the trades log was not pruned; the test proves nothing";
  for (int round = 0; round < 2; ++round) {
    const Outcome r = h.Load();
    ASSERT_EQ(r.code, 0) << r.output;
    ExpectCountsMatchTruth(h, /*prices_vs_truth=*/round == 0);
    ExpectUniqueKeys(h);
    // Every market's trade state reached Silver, most of them from a checkpoint's streams.
    std::unique_ptr<bronze::Store> store;
    ASSERT_TRUE(bronze::Store::OpenReadOnly(h.data_dir().string(), &store).ok());
    json states;
    ASSERT_TRUE(store->Progress("trades", &states, "market:").ok());
    EXPECT_EQ(h.SilverInt("SELECT count(*) FROM loader.trade_streams"),
              static_cast<int64_t>(states.size()));
    EXPECT_EQ(h.SilverInt("SELECT count(*) FROM loader.trade_streams WHERE done"),
              std::count_if(states.begin(), states.end(),
                            [](const json& v) { return v.value("done", false); }));
    EXPECT_EQ(h.SilverInt("SELECT count(*) FROM loader.files"), BronzeFiles(h));
    if (round == 0) {
      ASSERT_TRUE(AdvanceClosingAMarket(h));
      ASSERT_EQ(h.Fetch().code, 0);
      // Compacted too: its records are pruned behind the checkpoints before Silver reads them.
      const Outcome c = Compact(h);
      ASSERT_EQ(c.code, 0) << c.output;
      // Some of its records are pruned already (the test proves nothing otherwise).
      std::smatch m;
      ASSERT_TRUE(
          std::regex_search(c.output, m, std::regex(R"(trades: \S+ files .* into (\d+) files)")))
          << c.output;
      bronze::LogSnapshot log;
      ASSERT_TRUE(bronze::ReadLog(h.data_dir().string(), "trades", &log).ok());
      EXPECT_LT(std::count_if(log.records.begin(), log.records.end(),
                              [](const bronze::CommitRecord& r) { return !r.removed.empty(); }),
                std::stoll(m[1]));
    }
  }
}

// --- Compaction: Bronze's small files merged between loads ---

// Loaded, compacted, loaded again: the second load only records the merged files. Then new
// commits and a compaction that merges them with loaded rows: loaded, every fill once. Each time
// loader.files lists exactly the files Bronze holds and `check` passes.
TEST(SilverLoad, CompactionNeverLoadsARowTwiceOrMissesOne) {
  polysim::ServerOptions sim = SimClient::DefaultOptions();
  sim.universe.markets = 300;
  SilverHarness h("silver-compact", sim);
  ASSERT_EQ(h.Fetch().code, 0);
  ASSERT_EQ(h.Load().code, 0);
  const std::set<std::string> bookkeeping = {"loader.loads", "loader.commits", "loader.files"};
  const auto before = h.Checksums(bookkeeping);

  const int64_t files_before = BronzeFiles(h);
  Outcome c = Compact(h);
  ASSERT_EQ(c.code, 0) << c.output;
  EXPECT_LT(BronzeFiles(h), files_before / 2) << c.output;
  Outcome r = h.Load();
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find(" files, 0 Bronze rows"), std::string::npos) << r.output;
  EXPECT_EQ(h.Checksums(bookkeeping), before);
  EXPECT_EQ(h.SilverInt("SELECT count(*) FROM loader.files"), BronzeFiles(h));
  Outcome check = h.Check();
  EXPECT_EQ(check.code, 0) << check.output;

  ASSERT_TRUE(AdvanceClosingAMarket(h));
  ASSERT_EQ(h.Fetch().code, 0);
  c = Compact(h);
  ASSERT_EQ(c.code, 0) << c.output;
  r = h.Load();
  ASSERT_EQ(r.code, 0) << r.output;
  ExpectCountsMatchTruth(h, /*prices_vs_truth=*/false);
  ExpectUniqueKeys(h);
  EXPECT_EQ(h.SilverInt("SELECT count(*) FROM loader.files"), BronzeFiles(h));
  check = h.Check();
  EXPECT_EQ(check.code, 0) << check.output;
}

// A fetch that ends by compacting (compact.auto_max_small_files) leaves one file per partition,
// and a first load of the merged files holds what the universe holds.
TEST(SilverLoad, AFetchThatCompactsAtItsEndLoadsWhole) {
  json config = TestConfig();
  config["compact"] = {{"target_size_mb", 1}, {"auto_max_small_files", 1}};
  SilverHarness h("silver-auto-compact", SimClient::DefaultOptions(), config);
  const Outcome f = h.Fetch();
  ASSERT_EQ(f.code, 0) << f.output;
  EXPECT_NE(f.output.find("compacted"), std::string::npos) << f.output;
  // Announced as it starts (it can take minutes at scale).
  EXPECT_NE(f.output.find("compacting trades: "), std::string::npos) << f.output;
  for (const auto& entry : fs::recursive_directory_iterator(h.data_dir())) {
    if (!entry.is_directory() || entry.path().filename().string().rfind("dt=", 0) != 0) continue;
    EXPECT_EQ(std::distance(fs::directory_iterator(entry.path()), fs::directory_iterator()), 1)
        << entry.path();
  }
  const Outcome r = h.Load();
  ASSERT_EQ(r.code, 0) << r.output;
  ExpectCountsMatchTruth(h);
  ExpectUniqueKeys(h);
  EXPECT_EQ(h.SilverInt("SELECT count(*) FROM loader.files"), BronzeFiles(h));
}

// --- Crashes: the failpoint kills the process after every table is written, before COMMIT ---

TEST(SilverLoad, ACrashDuringALoadLeavesThePreviousStateAndTheRerunCompletes) {
  SilverHarness h("silver-crash");
  ASSERT_EQ(h.Fetch().code, 0);

  // A crash during the very first load leaves no data; the rerun loads everything.
  Outcome crashed = h.Load({}, {"POLYPIPE_FAILPOINT=silver.mid_load"});
  ASSERT_EQ(crashed.code, 128 + SIGKILL) << crashed.output;
  if (fs::exists(h.silver_path())) {
    auto tables = h.Tables();
    EXPECT_TRUE(tables.empty()) << tables.size() << " tables survived the crash";
  }
  ASSERT_EQ(h.Load().code, 0);
  ExpectCountsMatchTruth(h);

  // A crash during an incremental load leaves the first load's state.
  ASSERT_TRUE(AdvanceClosingAMarket(h));
  ASSERT_EQ(h.Fetch().code, 0);
  const auto before = h.Checksums();
  crashed = h.Load({}, {"POLYPIPE_FAILPOINT=silver.mid_load"});
  ASSERT_EQ(crashed.code, 128 + SIGKILL) << crashed.output;
  EXPECT_EQ(h.Checksums(), before);
  const Outcome rerun = h.Load();
  ASSERT_EQ(rerun.code, 0) << rerun.output;
  ExpectCountsMatchTruth(h, /*prices_vs_truth=*/false);
  ExpectUniqueKeys(h);

  // The facts equal those of the same Bronze loaded into a fresh file with no crash (surrogates
  // and load ids aside: one load numbers them differently from two).
  const std::vector<std::string> facts = {
      "(SELECT * EXCLUDE (trade_id, load_id, market_id, token_id, trader_id) FROM TradeFact)",
      "(SELECT * EXCLUDE (load_id, market_id, token_id) FROM PriceHistoryFact)",
      "(SELECT * EXCLUDE (load_id, trader_id) FROM LeaderboardFact)",
      "(SELECT * EXCLUDE (market_id, event_id, snapshot_at) FROM MarketDim)",
      "(SELECT * EXCLUDE (token_id, market_id, snapshot_at) FROM MarketTokenDim)"};
  auto checksums = [&] {
    std::vector<std::string> out;
    for (const std::string& f : facts) {
      out.push_back(h.SilverQuery("SELECT count(*)::VARCHAR || ':' || "
                                  "coalesce(sum(hash(x)::HUGEINT), 0)::VARCHAR FROM " +
                                  f + " x")
                        .rows[0][0]
                        .value_or("?"));
    }
    return out;
  };
  const auto crashed_then_rerun = checksums();
  fs::rename(h.silver_path(), h.silver_path().string() + ".crashed");
  ASSERT_EQ(h.Load().code, 0);
  const auto clean = checksums();
  for (size_t i = 0; i < facts.size(); ++i) EXPECT_EQ(crashed_then_rerun[i], clean[i]) << facts[i];
}

// --- Gold ---

TEST(SilverGold, MarketDailyAndCandlesEqualAComputationOverTheParquetFiles) {
  SilverHarness h("silver-gold");
  ASSERT_EQ(h.Fetch().code, 0);
  ASSERT_EQ(h.Load().code, 0);
  // Independent: distinct fills straight from the Bronze files, through another DuckDB.
  const std::string fills =
      "(SELECT DISTINCT transaction_hash, condition_id, token_id, proxy_wallet, side, price, "
      "size, \"timestamp\", outcome_index, fill_seq FROM " +
      h.Scan("trades") + ")";
  auto bronze = h.Query(
      "SELECT condition_id, strftime(make_timestamp(\"timestamp\" * 1000000), '%Y-%m-%d') AS day, "
      "sum(price * size), count(*), count(DISTINCT proxy_wallet), "
      "sum(CASE WHEN outcome_index = 0 THEN price ELSE 1 - price END * size) / sum(size) "
      "FROM " +
      fills + " GROUP BY ALL ORDER BY 1, 2");
  auto gold = h.SilverQuery(
      "SELECT condition_id, strftime(day, '%Y-%m-%d'), volume, trades, unique_traders, vwap "
      "FROM gold.market_daily ORDER BY 1, 2");
  ASSERT_EQ(gold.rows.size(), bronze.rows.size());
  ASSERT_GT(gold.rows.size(), 10u);
  for (size_t i = 0; i < gold.rows.size(); ++i) {
    ASSERT_EQ(gold.rows[i][0], bronze.rows[i][0]);
    ASSERT_EQ(gold.rows[i][1], bronze.rows[i][1]);
    EXPECT_TRUE(Near(Dbl(gold.rows[i][2]), Dbl(bronze.rows[i][2]))) << *gold.rows[i][0];
    EXPECT_EQ(gold.rows[i][3], bronze.rows[i][3]);
    EXPECT_EQ(gold.rows[i][4], bronze.rows[i][4]);
    EXPECT_TRUE(Near(Dbl(gold.rows[i][5]), Dbl(bronze.rows[i][5]))) << *gold.rows[i][0];
  }
  // First and last price of a day: the earliest and latest fill (by time, then natural key).
  auto first_last = h.Query(
      "SELECT condition_id, strftime(make_timestamp(\"timestamp\" * 1000000), '%Y-%m-%d'), "
      "arg_min(CASE WHEN outcome_index = 0 THEN price ELSE 1 - price END, "
      "row(\"timestamp\", transaction_hash, token_id, proxy_wallet, side, price, size, fill_seq)),"
      "arg_max(CASE WHEN outcome_index = 0 THEN price ELSE 1 - price END, "
      "row(\"timestamp\", transaction_hash, token_id, proxy_wallet, side, price, size, fill_seq)) "
      "FROM " +
      fills + " GROUP BY ALL ORDER BY 1, 2");
  auto gold_fl = h.SilverQuery(
      "SELECT condition_id, strftime(day, '%Y-%m-%d'), first_price, last_price FROM "
      "gold.market_daily ORDER BY 1, 2");
  ASSERT_EQ(first_last.rows.size(), gold_fl.rows.size());
  for (size_t i = 0; i < gold_fl.rows.size(); ++i) {
    EXPECT_TRUE(Near(Dbl(gold_fl.rows[i][2]), Dbl(first_last.rows[i][2]))) << *gold_fl.rows[i][0];
    EXPECT_TRUE(Near(Dbl(gold_fl.rows[i][3]), Dbl(first_last.rows[i][3]))) << *gold_fl.rows[i][0];
  }
  // Hourly candles per token: high, low, shares, trade count.
  auto candles = h.Query(
      "SELECT token_id, strftime(date_trunc('hour', make_timestamp(\"timestamp\" * 1000000)), "
      "'%Y-%m-%d %H'), max(price), min(price), sum(size), count(*) FROM " +
      fills + " GROUP BY ALL ORDER BY 1, 2");
  auto gold_candles = h.SilverQuery(
      "SELECT token_hash, strftime(hour, '%Y-%m-%d %H'), high, low, volume, trades FROM "
      "gold.token_ohlcv_hourly ORDER BY 1, 2");
  ASSERT_EQ(candles.rows.size(), gold_candles.rows.size());
  for (size_t i = 0; i < candles.rows.size(); ++i) {
    ASSERT_EQ(candles.rows[i][0], gold_candles.rows[i][0]);
    ASSERT_EQ(candles.rows[i][1], gold_candles.rows[i][1]);
    EXPECT_TRUE(Near(Dbl(candles.rows[i][2]), Dbl(gold_candles.rows[i][2])));
    EXPECT_TRUE(Near(Dbl(candles.rows[i][3]), Dbl(gold_candles.rows[i][3])));
    EXPECT_TRUE(Near(Dbl(candles.rows[i][4]), Dbl(gold_candles.rows[i][4])));
    EXPECT_EQ(candles.rows[i][5], gold_candles.rows[i][5]);
  }
  // Leaderboard history: one row per board row, wallets named.
  EXPECT_EQ(h.SilverInt("SELECT count(*) FROM gold.leaderboard_history"), h.Count("leaderboard"));
  EXPECT_EQ(h.SilverInt("SELECT count(*) FROM gold.leaderboard_history WHERE trader_id IS NULL"),
            0);
}

TEST(SilverGold, TraderPnlVolumeAndMarketsEqualTheUniverse) {
  SilverHarness h("silver-pnl");
  ASSERT_EQ(h.Fetch().code, 0);
  ASSERT_EQ(h.Load().code, 0);
  const UniverseTruth truth = ComputeTruth(h.sim().server().universe());
  auto rows = h.SilverQuery(
      "SELECT wallet_address, realised_pnl, volume, markets_traded, resolved_markets FROM "
      "gold.trader_stats");
  ASSERT_EQ(rows.rows.size(), truth.volume.size());
  int checked_pnl = 0;
  for (const auto& row : rows.rows) {
    const std::string& wallet = *row[0];
    ASSERT_TRUE(truth.volume.count(wallet)) << wallet;
    EXPECT_TRUE(Near(Dbl(row[2]), truth.volume.at(wallet))) << wallet;
    EXPECT_EQ(Int(row[3]), static_cast<int64_t>(truth.markets_traded.at(wallet).size()));
    const auto it = truth.realised_pnl.find(wallet);
    const double want = it == truth.realised_pnl.end() ? 0.0 : it->second;
    EXPECT_TRUE(Near(Dbl(row[1]), want)) << wallet << " " << *row[1] << " vs " << want;
    checked_pnl += it != truth.realised_pnl.end();
  }
  EXPECT_GT(checked_pnl, 5);
}

// --- check ---

TEST(SilverCheck, PassesOnCleanDataAndFlagsPlantedDefects) {
  SilverHarness h("silver-check");
  ASSERT_EQ(h.Fetch().code, 0);
  ASSERT_EQ(h.Load().code, 0);
  Outcome r = h.Check();
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("check: passed"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("skipped"), std::string::npos) << r.output;

  auto expect_flag = [&](const std::string& rule) {
    const Outcome c = h.Check();
    EXPECT_EQ(c.code, 1) << c.output;
    const size_t at = c.output.find(rule);
    ASSERT_NE(at, std::string::npos) << c.output;
    const std::string line = c.output.substr(at, c.output.find('\n', at) - at);
    EXPECT_NE(line.find("FAIL"), std::string::npos) << line;
  };
  // An orphan trade: a fill of a token and market no dimension knows.
  h.SilverQuery(
      "INSERT INTO TradeFact SELECT (SELECT max(trade_id) + 1 FROM TradeFact), NULL, NULL, "
      "trader_id, \"timestamp\", side, price, size, notional, outcome_index, '0xplanted', "
      "'0xnot-a-market', '123', wallet_address, 0, load_id FROM TradeFact LIMIT 1",
      true);
  expect_flag("orphan_trades");
  h.SilverQuery("DELETE FROM TradeFact WHERE transaction_hash = '0xplanted'", true);
  EXPECT_EQ(h.Check().code, 0);

  // A duplicate: one fill loaded twice.
  h.SilverQuery("INSERT INTO TradeFact SELECT * FROM TradeFact WHERE trade_id = 1", true);
  expect_flag("trade_keys");
  h.SilverQuery(
      "DELETE FROM TradeFact WHERE rowid = (SELECT max(rowid) FROM TradeFact WHERE trade_id = 1)",
      true);
  EXPECT_EQ(h.Check().code, 0);

  // A trade id given to two different fills (the natural keys differ).
  h.SilverQuery(
      "UPDATE TradeFact SET trade_id = 1 WHERE trade_id = (SELECT max(trade_id) FROM TradeFact)",
      true);
  expect_flag("trade_keys");
  h.SilverQuery(
      "UPDATE TradeFact SET trade_id = (SELECT max(trade_id) + 1 FROM TradeFact) WHERE rowid = "
      "(SELECT max(rowid) FROM TradeFact WHERE trade_id = 1)",
      true);
  EXPECT_EQ(h.Check().code, 0);

  // A price outside [0, 1].
  h.SilverQuery("UPDATE PriceHistoryFact SET price = 1.5 WHERE rowid = 0", true);
  expect_flag("history_price_range");
  h.SilverQuery("UPDATE PriceHistoryFact SET price = 0.5 WHERE rowid = 0", true);

  // A gap: a trade of a market whose feed the fetch recorded complete goes missing.
  h.SilverQuery(
      "DELETE FROM TradeFact WHERE trade_id = (SELECT min(trade_id) FROM TradeFact t JOIN "
      "loader.trade_streams s USING (condition_id) WHERE s.done)",
      true);
  expect_flag("trade_gaps");
}

// --- Orphans are kept, reported and linked once their dimensions arrive ---

TEST(SilverLoad, OrphanFactsAreKeptReportedAndLinkedLater) {
  SilverHarness h("silver-orphans");
  ASSERT_EQ(h.Fetch().code, 0);
  // Bronze without the market datasets: a copy holding trades, prices and the rest.
  const fs::path partial = h.data_dir().parent_path() / "partial";
  fs::copy(h.data_dir(), partial, fs::copy_options::recursive);
  for (const char* d : {"markets", "market_tokens", "gamma_markets"}) fs::remove_all(partial / d);
  const std::string silver = h.silver_path().string();
  Outcome r = polysim::testing::RunToEnd(
      {POLYPIPE_BINARY, "load-silver", "--bronze", partial.string(), "--silver", silver}, 300);
  ASSERT_EQ(r.code, 0) << r.output;
  const int64_t trades = h.sim().Truth()["datasets"]["trades"].get<int64_t>();
  EXPECT_EQ(h.SilverInt("SELECT count(*) FROM TradeFact"), trades) << "orphans are kept";
  EXPECT_NE(r.output.find("kept unlinked"), std::string::npos) << r.output;
  EXPECT_EQ(h.SilverInt("SELECT count(*) FROM TradeFact WHERE market_id IS NULL"), trades);
  r = h.Check();
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("orphan_trades"), std::string::npos) << r.output;

  // The market datasets arrive: the same Silver file now loads the full directory (the files it
  // loaded from the copy are the same names, so only the missing datasets are new).
  for (const char* d : {"markets", "market_tokens", "gamma_markets"}) {
    fs::copy(h.data_dir() / d, partial / d, fs::copy_options::recursive);
  }
  r = polysim::testing::RunToEnd(
      {POLYPIPE_BINARY, "load-silver", "--bronze", partial.string(), "--silver", silver}, 300);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(h.SilverInt("SELECT count(*) FROM TradeFact"), trades);
  EXPECT_EQ(h.SilverInt("SELECT count(*) FROM TradeFact WHERE market_id IS NULL OR token_id IS "
                        "NULL"),
            0);
  EXPECT_EQ(h.SilverInt("SELECT count(*) FROM PriceHistoryFact WHERE token_id IS NULL"), 0);
  r = h.Check();
  EXPECT_EQ(r.code, 0) << r.output;
}

// --- The command line ---

TEST(SilverCli, DryRunListsWhatWouldBeLoadedAndWritesNothing) {
  SilverHarness h("silver-dry");
  ASSERT_EQ(h.Fetch().code, 0);
  Outcome r = h.Load({"--dry-run"});
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_FALSE(fs::exists(h.silver_path()));
  const json truth = h.sim().Truth();
  // The trades line names the row count the commit records hold.
  const size_t at = r.output.find("  trades ");
  ASSERT_NE(at, std::string::npos) << r.output;
  std::string line = r.output.substr(at, r.output.find('\n', at) - at);
  std::string digits;
  for (char c : line) digits += c == ',' ? "" : std::string(1, c);
  EXPECT_NE(digits.find(std::to_string(truth["datasets"]["trades"].get<int64_t>())),
            std::string::npos)
      << line;

  ASSERT_EQ(h.Load().code, 0);
  const auto before = h.Checksums();
  r = h.Load({"--dry-run"});
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("total"), std::string::npos);
  EXPECT_EQ(h.Checksums(), before);
}

TEST(SilverCli, BadInputsFailWithOneClearLine) {
  SilverHarness h("silver-errors");
  // A Bronze directory that does not exist: a usage error naming it.
  Outcome r = h.Load();
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find(h.data_dir().string()), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(h.silver_path()));

  ASSERT_EQ(h.Fetch({"--mode", "trades", "--limit", "5"}).code, 0);
  // A Silver path that cannot be written (its parent is a file).
  const fs::path blocker = h.data_dir().parent_path() / "blocker";
  std::ofstream(blocker) << "x";
  r = polysim::testing::RunToEnd({POLYPIPE_BINARY, "load-silver", "--bronze", h.data_dir().string(),
                                  "--silver", (blocker / "silver.duckdb").string()});
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("blocker"), std::string::npos) << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;

  // A corrupt Parquet file: the load fails naming it, and nothing is loaded.
  fs::path victim;
  for (const auto& e : fs::recursive_directory_iterator(h.data_dir() / "trades")) {
    if (e.path().extension() == ".parquet") victim = e.path();
  }
  ASSERT_FALSE(victim.empty());
  std::ofstream(victim, std::ios::trunc) << "this is not parquet";
  r = h.Load();
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find(victim.filename().string()), std::string::npos) << r.output;
  ASSERT_TRUE(fs::exists(h.silver_path()));
  for (const std::string& t : h.Tables()) {
    EXPECT_EQ(h.SilverInt("SELECT count(*) FROM " + t), 0) << t;
  }
}

// DuckDB's memory limit and spill folder come from the config file (silver.memory_limit,
// silver.temp_directory) or the flags; a bad size is a usage error of one line naming it, and
// nothing is created.
TEST(SilverCli, MemoryLimitAndTempDirectoryComeFromConfigOrFlags) {
  SilverHarness h("silver-memory");
  ASSERT_EQ(h.Fetch({"--mode", "trades", "--limit", "5"}).code, 0);
  const fs::path config = h.data_dir().parent_path() / "silver-config.json";
  std::ofstream(config) << R"({"silver": {"memory_limit": "lots"}})";
  Outcome r = h.Load({"--config", config.string()});
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("silver.memory_limit"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("lots"), std::string::npos) << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;

  r = h.Load({"--memory-limit", "0GB"});
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("--memory-limit"), std::string::npos) << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
  EXPECT_FALSE(fs::exists(h.silver_path()));

  // A valid file, overridden by a flag: the load runs within 200MiB, spilling where it is told.
  const fs::path spill = h.data_dir().parent_path() / "spill";
  std::ofstream(config, std::ios::trunc)
      << R"({"silver": {"memory_limit": "1GB", "temp_directory": ")" << spill.string() << R"("}})";
  r = h.Load({"--config", config.string(), "--memory-limit", "200MiB"});
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(h.SilverInt("SELECT count(*) FROM TradeFact"),
            Int(h.Query("SELECT count(*) FROM " + h.Scan("trades")).rows[0][0]));
  EXPECT_NE(r.output.find("memory_limit 200MiB, spilling to " + spill.string()), std::string::npos)
      << r.output;

  // check takes the same limit and spill folder.
  r = h.Check({"--config", config.string(), "--memory-limit", "200MiB"});
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("check: passed"), std::string::npos) << r.output;
  r = h.Check({"--memory-limit", "0GB"});
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("--memory-limit"), std::string::npos) << r.output;
  std::ofstream(config, std::ios::trunc) << R"({"silver": {"memory_limit": "lots"}})";
  r = h.Check({"--config", config.string()});
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("silver.memory_limit"), std::string::npos) << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
}

}  // namespace
}  // namespace polypipe::testing
