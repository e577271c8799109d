// polypipe: the command line. Parses the subcommands of DESIGN.md section 2 and dispatches them.
// Exit codes: 0 ok, 1 failure, 2 usage or configuration error, 130 interrupted.

#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <string>

#include "cli/compact.h"
#include "cli/status.h"
#include "fetch/config.h"
#include "fetch/coordinator.h"
#include "silver/checker.h"
#include "silver/loader.h"
#include "version.h"

namespace {

constexpr int kExitUsage = 2;

struct FetchArgs {
  std::string mode = "all";
  bool fresh = false;
  int64_t limit = 0;
  double timeout = 0;
  int trades_lag = 0;
  std::string config = "config/polypipe.json";
  std::string data_dir = "data";
  std::string data_api, clob_api, gamma_api;
};

struct LoadSilverArgs {
  std::string bronze = "data";
  std::string silver = "data/polymarket.duckdb";
  int threads = 0;
  std::string config = "config/polypipe.json";
  std::string memory_limit, temp_directory;
  bool dry_run = false;
};

struct StatusArgs {
  std::string data_dir = "data";
  bool json = false;
};

struct CompactArgs {
  std::string data_dir = "data";
  std::string config = "config/polypipe.json";
  std::vector<std::string> datasets;
  int target_size_mb = 0;
};

struct CheckArgs {
  std::string silver = "data/polymarket.duckdb";
  std::string config = "config/polypipe.json";
  std::string memory_limit, temp_directory;
};

// Set by SIGINT/SIGTERM: workers stop issuing requests, Sinks commit what they hold.
std::atomic<bool> g_stop{false};
std::atomic<bool> g_interrupted{false};

extern "C" void OnSignal(int) {
  g_interrupted.store(true);
  g_stop.store(true);
}

// The defaults overlaid with the config file `path` (an error if `cmd` named it with --config and
// it is missing); on error prints one line for `command` and returns false.
bool ReadConfig(const char* command, const std::string& path, const CLI::App& cmd,
                polypipe::fetch::FetchConfig* config) {
  *config = polypipe::fetch::FetchConfig::Defaults();
  if (auto error = polypipe::fetch::LoadConfigFile(path, cmd.count("--config") > 0, config)) {
    fmt::print(stderr, "polypipe {}: {}\n", command, *error);
    return false;
  }
  return true;
}

int Fetch(const FetchArgs& args, const CLI::App& cmd) {
  polypipe::fetch::FetchConfig config;
  if (!ReadConfig("fetch", args.config, cmd, &config)) return kExitUsage;
  polypipe::fetch::ApplyEnvironment(&config);
  if (cmd.count("--data-dir")) config.data_dir = args.data_dir;
  if (cmd.count("--trades-lag")) config.trades.lag_seconds = args.trades_lag;
  for (auto [flag, value, target] :
       {std::tuple{"--data-api", &args.data_api, &config.api.data_api_base},
        std::tuple{"--clob-api", &args.clob_api, &config.api.clob_api_base},
        std::tuple{"--gamma-api", &args.gamma_api, &config.api.gamma_api_base}}) {
    if (!cmd.count(flag)) continue;
    if (value->rfind("http://", 0) != 0 && value->rfind("https://", 0) != 0) {
      fmt::print(stderr, "polypipe fetch: {} {}: expected an http:// or https:// URL\n", flag,
                 *value);
      return kExitUsage;
    }
    *target = *value;
    while (!target->empty() && target->back() == '/') target->pop_back();
  }
  polypipe::fetch::FetchOptions options;
  options.mode = args.mode;
  options.fresh = args.fresh;
  options.limit = args.limit;
  options.timeout = args.timeout;

  struct sigaction action {};
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  return polypipe::fetch::RunFetch(config, options, g_stop, g_interrupted);
}

int LoadSilver(const LoadSilverArgs& args, const CLI::App& cmd) {
  polypipe::fetch::FetchConfig config;
  if (!ReadConfig("load-silver", args.config, cmd, &config)) return kExitUsage;
  polypipe::silver::LoadOptions options;
  options.bronze_dir = args.bronze;
  options.silver_path = args.silver;
  options.threads = args.threads;
  options.memory_limit =
      cmd.count("--memory-limit") ? args.memory_limit : config.silver.memory_limit;
  options.temp_directory =
      cmd.count("--temp-directory") ? args.temp_directory : config.silver.temp_directory;
  options.dry_run = args.dry_run;
  return polypipe::silver::RunLoadSilver(options);
}

// --memory-limit of load-silver and check.
CLI::Validator MemorySize() {
  return CLI::Validator(
      [](const std::string& v) {
        return polypipe::fetch::IsMemorySize(v)
                   ? std::string()
                   : "expected a size such as 1GB or 512MiB, got \"" + v + "\"";
      },
      "SIZE");
}

int Check(const CheckArgs& args, const CLI::App& cmd) {
  polypipe::fetch::FetchConfig config;
  if (!ReadConfig("check", args.config, cmd, &config)) return kExitUsage;
  polypipe::silver::CheckOptions options;
  options.silver_path = args.silver;
  options.memory_limit =
      cmd.count("--memory-limit") ? args.memory_limit : config.silver.memory_limit;
  options.temp_directory =
      cmd.count("--temp-directory") ? args.temp_directory : config.silver.temp_directory;
  return polypipe::silver::RunCheck(options);
}

int Compact(const CompactArgs& args, const CLI::App& cmd) {
  polypipe::fetch::FetchConfig config;
  if (!ReadConfig("compact", args.config, cmd, &config)) return kExitUsage;
  polypipe::fetch::ApplyEnvironment(&config);
  if (cmd.count("--data-dir")) config.data_dir = args.data_dir;
  if (cmd.count("--target-size")) config.compact.target_size_mb = args.target_size_mb;
  return polypipe::cli::Compact(config, args.datasets);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "polypipe: copies Polymarket's public record into Parquet (Bronze) and DuckDB (Silver)"};
  app.set_version_flag("--version", std::string("polypipe ") + POLYPIPE_VERSION);
  app.require_subcommand(1);

  FetchArgs fetch;
  auto* fetch_cmd = app.add_subcommand("fetch", "Fetch API data into Bronze Parquet");
  fetch_cmd->add_option("--mode", fetch.mode, "What to fetch")
      ->check(CLI::IsMember({"all", "markets", "trades", "prices", "leaderboard", "gamma"}));
  fetch_cmd->add_flag("--fresh", fetch.fresh, "Ignore saved progress (never deletes data)");
  fetch_cmd->add_option("--limit", fetch.limit, "Process at most N markets")
      ->check(CLI::NonNegativeNumber);
  fetch_cmd->add_option("--timeout", fetch.timeout, "Stop cleanly after this many seconds")
      ->check(CLI::NonNegativeNumber);
  fetch_cmd
      ->add_option("--trades-lag", fetch.trades_lag,
                   "Re-poll open markets this many seconds behind their newest trade "
                   "(trades.lag_seconds; a larger value for a periodic deep re-poll)")
      ->check(CLI::Range(0, 1'000'000'000));
  fetch_cmd->add_option("--config", fetch.config, "Config file");
  fetch_cmd->add_option("--data-dir", fetch.data_dir, "Data directory");
  fetch_cmd->add_option("--data-api", fetch.data_api, "Data API base URL");
  fetch_cmd->add_option("--clob-api", fetch.clob_api, "CLOB API base URL");
  fetch_cmd->add_option("--gamma-api", fetch.gamma_api, "Gamma API base URL");

  LoadSilverArgs load;
  auto* load_cmd = app.add_subcommand("load-silver", "Load committed Bronze files into DuckDB");
  load_cmd->add_option("--bronze", load.bronze, "Bronze data directory");
  load_cmd->add_option("--silver", load.silver, "DuckDB database file");
  load_cmd->add_option("--threads", load.threads, "DuckDB threads")->check(CLI::NonNegativeNumber);
  load_cmd->add_option("--min-workers,--max-workers", load.threads, "Alias of --threads");
  load_cmd->add_option("--config", load.config, "Config file");
  load_cmd
      ->add_option("--memory-limit", load.memory_limit,
                   "DuckDB memory limit, e.g. 1GB (silver.memory_limit)")
      ->check(MemorySize());
  load_cmd->add_option("--temp-directory", load.temp_directory,
                       "Where DuckDB spills (silver.temp_directory; default <silver>.tmp)");
  load_cmd->add_flag("--dry-run", load.dry_run, "Print what would be loaded; change nothing");

  StatusArgs status;
  auto* status_cmd = app.add_subcommand("status", "Show what Bronze holds and how runs went");
  status_cmd->add_option("--data-dir", status.data_dir, "Data directory");
  status_cmd->add_flag("--json", status.json, "Machine-readable output");

  CompactArgs compact;
  auto* compact_cmd = app.add_subcommand("compact", "Merge the small files of Bronze partitions");
  compact_cmd->add_option("--data-dir", compact.data_dir, "Data directory");
  compact_cmd->add_option("--dataset", compact.datasets, "Only this dataset (repeatable)");
  compact_cmd
      ->add_option("--target-size", compact.target_size_mb,
                   "Size of the merged files in MB (compact.target_size_mb)")
      ->check(CLI::Range(1, 1'000'000));
  compact_cmd->add_option("--config", compact.config, "Config file");

  CheckArgs check;
  auto* check_cmd = app.add_subcommand("check", "Data-quality report over Silver");
  check_cmd->add_option("--silver", check.silver, "DuckDB database file");
  check_cmd->add_option("--config", check.config, "Config file");
  check_cmd
      ->add_option("--memory-limit", check.memory_limit,
                   "DuckDB memory limit, e.g. 1GB (silver.memory_limit)")
      ->check(MemorySize());
  check_cmd->add_option("--temp-directory", check.temp_directory,
                        "Where DuckDB spills (silver.temp_directory; default <silver>.tmp)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "polypipe: {}\n", e.what());
    return kExitUsage;
  }

  if (fetch_cmd->parsed()) return Fetch(fetch, *fetch_cmd);
  if (load_cmd->parsed()) return LoadSilver(load, *load_cmd);
  if (status_cmd->parsed()) return polypipe::cli::Status(status.data_dir, status.json);
  if (compact_cmd->parsed()) return Compact(compact, *compact_cmd);
  if (check_cmd->parsed()) return Check(check, *check_cmd);
  return kExitUsage;
}
