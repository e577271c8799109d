// The executables as users run them: build/polysim serving on a free port and stopping on
// SIGTERM, `polysim --dump`, and the command-line contract of build/polypipe (DESIGN.md §2).

#include <fcntl.h>
#include <httplib.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/sim/process.h"
#include "tests/sim/sim_client.h"

namespace polysim::testing {
namespace {

using nlohmann::json;

TEST(PolysimBinary, ServesOnAFreePortAndStopsOnSigterm) {
  const fs::path dir = TempDir("polysim-bin");
  const fs::path port_file = dir / "port";
  Process p = Spawn({POLYSIM_BINARY, "--port", "0", "--port-file", port_file.string(), "--seed",
                     "7", "--markets", "40", "--history-days", "20"},
                    (dir / "log").string());
  const int port = WaitForPortFile(port_file);
  ASSERT_GT(port, 0) << "polysim did not report its port";
  httplib::Client client("127.0.0.1", port);
  auto health = client.Get("/__sim/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(json::parse(health->body)["seed"], 7);
  auto truth = client.Get("/__sim/truth?detail=false");
  ASSERT_TRUE(truth);
  EXPECT_EQ(json::parse(truth->body)["datasets"]["gamma_categories"], 40);
  ASSERT_EQ(kill(p.pid, SIGTERM), 0);
  EXPECT_EQ(p.Wait(10), 0);
  fs::remove_all(dir);
}

// A universe of a fifth of the real catalogue (300,000 markets, 600,000 tokens) starts and serves
// the routes a fetch walks, with what an in-process universe of the same flags holds. How fast it
// starts is measured by sim/startup_bench.sh, not here.
TEST(PolysimBinary, ServesAUniverseOfAFifthOfTheRealCatalogue) {
  const fs::path dir = TempDir("polysim-large");
  const fs::path port_file = dir / "port";
  Process p = Spawn({POLYSIM_BINARY, "--port", "0", "--port-file", port_file.string(), "--markets",
                     "300000", "--mean-trades", "2", "--heavy-markets", "0", "--no-gzip"},
                    (dir / "log").string());
  const int port = WaitForPortFile(port_file);
  ASSERT_GT(port, 0) << "polysim did not report its port";
  UniverseOptions uo;
  uo.markets = 300'000;
  uo.mean_trades = 2;
  uo.heavy_markets = 0;
  const Universe u(uo);
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(120, 0);
  auto get = [&](const std::string& path) {
    auto res = client.Get(path);
    EXPECT_TRUE(res) << path;
    if (!res) return json();
    EXPECT_EQ(res->status, 200) << path << ": " << res->body.substr(0, 300);
    return json::parse(res->body, nullptr, false);
  };

  const json truth = get("/__sim/truth?detail=false");
  ASSERT_TRUE(truth.is_object());
  EXPECT_EQ(truth["datasets"]["markets"], u.clob_market_count());
  EXPECT_EQ(truth["datasets"]["market_tokens"], 2 * u.clob_market_count());
  EXPECT_EQ(truth["datasets"]["gamma_events"], u.event_count());

  // The last page of the CLOB list, and one of its open markets with a book.
  const int offset = u.clob_market_count() - 1000;
  const json page = get("/clob/markets?next_cursor=" + Base64Encode(std::to_string(offset)));
  ASSERT_EQ(page["count"], 1000);
  EXPECT_EQ(page["next_cursor"], "LTE=");
  json open;
  for (const json& m : page["data"]) {
    if (m["enable_order_book"] == true) open = m;
  }
  ASSERT_TRUE(open.is_object()) << "no open market with a book on the last page";
  const std::string cid = open["condition_id"];
  const int mi = u.FindMarket(cid);
  ASSERT_GE(mi, u.clob_market(offset)) << cid;
  EXPECT_EQ(get("/clob/markets/" + cid), open);

  // Its first token's whole daily history, and its trades.
  const std::string token = open["tokens"][0]["token_id"];
  EXPECT_EQ(token, u.market(mi).token_ids[0]);
  const json history = get("/clob/prices-history?market=" + token + "&interval=max&fidelity=1440");
  const MarketRecord& m = u.market_record(mi);
  EXPECT_EQ(static_cast<int64_t>(history["history"].size()),
            u.PricePointCount(m, m.start, u.now(), 1440));
  const json trades = get("/data/v2/trades?condition=" + cid + "&limit=1000&filter_amount=0");
  ASSERT_TRUE(trades.is_object());
  // The feed serves the fills of its window (this universe has no late fills).
  const int64_t stamped = u.StampedTrades(m);
  EXPECT_EQ(static_cast<int64_t>(trades["data"].size()),
            stamped - std::min(stamped, u.FirstTradeSince(m, u.FeedWindowStart())));
  EXPECT_GT(trades["data"].size(), 0u);
  for (const json& t : trades["data"]) EXPECT_EQ(t["condition_id"], cid);

  ASSERT_EQ(kill(p.pid, SIGTERM), 0);
  EXPECT_EQ(p.Wait(30), 0);
  fs::remove_all(dir);
}

TEST(PolysimBinary, RejectsBadFlagsWithUsageExitCode) {
  const Outcome bad_rule = RunToEnd({POLYSIM_BINARY, "--rate-limit", "/data=fast"});
  EXPECT_EQ(bad_rule.code, 2);
  EXPECT_NE(bad_rule.output.find("--rate-limit"), std::string::npos) << bad_rule.output;
  EXPECT_EQ(RunToEnd({POLYSIM_BINARY, "--markets", "0"}).code, 2);
  EXPECT_EQ(RunToEnd({POLYSIM_BINARY, "--fault-5xx", "0.7", "--fault-drop", "0.7"}).code, 2);
}

TEST(PolysimBinary, DumpWritesThePagesTheRoutesServe) {
  const fs::path dir = TempDir("polysim-dump");
  const Outcome r =
      RunToEnd({POLYSIM_BINARY, "--dump", dir.string(), "--markets", "30", "--mean-trades", "20",
                "--heavy-trades", "2500", "--history-days", "20"},
               120);
  ASSERT_EQ(r.code, 0) << r.output;
  UniverseOptions uo;
  uo.markets = 30;
  uo.mean_trades = 20;
  uo.heavy_trades = 2500;
  uo.history_days = 20;
  Universe u(uo);
  int64_t want = 0;
  for (const Market& m : u.markets()) want += m.in_clob ? u.VisibleTrades(m) : 0;
  int64_t trades = 0, clob_markets = 0, pages = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    ++pages;
    std::ifstream in(entry.path());
    const json body = json::parse(in, nullptr, false);
    ASSERT_FALSE(body.is_discarded()) << entry.path();
    const std::string path = entry.path().string();
    if (path.find("/data/v2/trades/") != std::string::npos) trades += body["data"].size();
    if (path.find("/clob/markets/") != std::string::npos) clob_markets += body["data"].size();
  }
  EXPECT_EQ(trades, want);
  EXPECT_GT(clob_markets, 25);
  EXPECT_NE(r.output.find(std::to_string(pages) + " pages"), std::string::npos) << r.output;
  fs::remove_all(dir);
}

TEST(PolypipeBinary, HelpVersionAndExitCodes) {
  const Outcome help = RunToEnd({POLYPIPE_BINARY, "--help"});
  EXPECT_EQ(help.code, 0);
  for (const char* sub : {"fetch", "load-silver", "status", "check"}) {
    EXPECT_NE(help.output.find(sub), std::string::npos) << sub;
  }
  const Outcome version = RunToEnd({POLYPIPE_BINARY, "--version"});
  EXPECT_EQ(version.code, 0);
  EXPECT_NE(version.output.find("polypipe "), std::string::npos);
  EXPECT_EQ(RunToEnd({POLYPIPE_BINARY}).code, 2);
  EXPECT_EQ(RunToEnd({POLYPIPE_BINARY, "frobnicate"}).code, 2);
  EXPECT_EQ(RunToEnd({POLYPIPE_BINARY, "fetch", "--mode", "everything"}).code, 2);
  EXPECT_EQ(RunToEnd({POLYPIPE_BINARY, "fetch", "--limit", "-3"}).code, 2);
}

}  // namespace
}  // namespace polysim::testing
