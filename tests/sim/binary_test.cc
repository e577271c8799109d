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

#include "tests/sim/sim_client.h"

extern char** environ;

namespace polysim::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Process {
  pid_t pid = -1;
  // Waits at most `seconds` for exit; returns the exit code, or -1 (and kills it) on timeout.
  int Wait(double seconds) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid, &status, WNOHANG) == pid) {
        pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    pid = -1;
    return -1;
  }
  ~Process() {
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }
};

Process Spawn(std::vector<std::string> args, const std::string& out_file) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  Process p;
  EXPECT_EQ(posix_spawn(&p.pid, argv[0], &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  return p;
}

struct Outcome {
  int code;
  std::string output;
};

Outcome RunToEnd(std::vector<std::string> args, double seconds = 30) {
  const fs::path out = fs::temp_directory_path() / ("polypipe-test-" + std::to_string(getpid()));
  Process p = Spawn(std::move(args), out.string());
  Outcome r{p.Wait(seconds), ""};
  std::ifstream in(out);
  r.output.assign(std::istreambuf_iterator<char>(in), {});
  fs::remove(out);
  return r;
}

fs::path TempDir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / (name + "-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

TEST(PolysimBinary, ServesOnAFreePortAndStopsOnSigterm) {
  const fs::path dir = TempDir("polysim-bin");
  const fs::path port_file = dir / "port";
  Process p = Spawn({POLYSIM_BINARY, "--port", "0", "--port-file", port_file.string(), "--seed",
                     "7", "--markets", "40", "--history-days", "20"},
                    (dir / "log").string());
  int port = 0;
  for (int i = 0; i < 500 && port == 0; ++i) {
    std::ifstream in(port_file);
    if (!(in >> port)) port = 0;
    if (port == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
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
