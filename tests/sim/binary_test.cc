// The executables as users run them: build/polysim serving on a free port and stopping on
// SIGTERM, `polysim --dump`, and the command-line contract of build/polypipe (DESIGN.md §2).

#include <fcntl.h>
#include <httplib.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

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
