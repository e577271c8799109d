// FetchConfig: every setting of `polypipe fetch`, from built-in defaults, the JSON config file
// (DESIGN.md section 3), POLYPIPE_* environment variables and command-line flags, in that order
// of precedence.
//
// Loading validates strictly: an unknown key or a value of the wrong type or range is an error
// whose one-line message names the file and the key's path ("config/polypipe.json:
// retry.max_attempts: expected an integer >= 1, got \"five\"").
//
// Thread-safety: a plain value; read-only once loaded.

#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace polypipe::fetch {

struct RateLimitSetting {
  int requests = 0;  // per window; 0 = unlimited
  double window_seconds = 10;
};

struct RetrySetting {
  int max_attempts = 5;
  double base_delay = 1.0;
  double max_delay = 60;
  double exponential_base = 2;
  // A host whose every request has failed for this long stops the run; until then a request
  // that fails after its retries fails only its unit of work.
  double host_down_seconds = 120;
};

struct ApiSetting {
  std::string data_api_base = "https://data-api.polymarket.com";
  std::string clob_api_base = "https://clob.polymarket.com";
  std::string gamma_api_base = "https://gamma-api.polymarket.com";
  double timeout = 30;
  double connect_timeout = 10;
  std::string ca_bundle;  // extra CA bundle; verification itself is never switched off
};

struct PriceResolution {
  int fidelity = 60;              // minutes, ordinary markets
  int high_volume_fidelity = 10;  // minutes, markets whose Gamma volume reaches the threshold
  double high_volume_threshold = 1e6;
  std::vector<int> ladder = {60, 720,
                             1440};  // walked upwards when a traded market's window is empty
  int window_days = 15;              // the API refuses windows longer than 15 days
};

struct TradesSetting {
  // Sent with every /v2/trades request: the API hides fills under 0.01 shares unless asked.
  std::string filter_type = "TOKENS";  // TOKENS (shares) or CASH (USDC)
  double filter_amount = 0;
  // The `condition` feed reaches back this far; a market that began trading earlier is out of
  // window: its older fills exist only on chain.
  int feed_window_days = 1095;
  // Incremental re-polls reach back this far behind each market's newest committed trade, for
  // fills the API indexes late.
  int lag_seconds = 3600;
};

// What `polypipe load-silver` asks of DuckDB.
struct SilverSetting {
  // DuckDB's memory_limit for a load ("1GB", "512MiB", ...): past it DuckDB spills to
  // temp_directory instead of growing.
  std::string memory_limit = "1GB";
  // Where DuckDB spills; empty: "<silver file>.tmp", beside the Silver file.
  std::string temp_directory;
};

// The Bronze commit log's checkpoints (see bronze/store.h).
struct LogSetting {
  int checkpoint_every = 100;  // commits between checkpoints of a dataset; 0: none
  int log_retention = 1000;    // records kept behind the newest checkpoint
};

// Compaction of Bronze's small files (see bronze/compactor.h).
struct CompactSetting {
  int target_size_mb = 128;  // size of the merged files; a file under half of it is small
  // A fetch run ends by compacting every partition holding more than this many small files; 0:
  // never, not even while fetching (`polypipe compact` still does).
  int auto_max_small_files = 32;
  // While fetching, trades or prices holding more small files than this are compacted beside the
  // fetch (the Store keeps every live file in memory, about 370 bytes each).
  int max_live_small_files = 100'000;
};

// How trades and prices plan a long market list (see fetch/market_list.h).
struct PlanSetting {
  // A list of more markets than this is planned in parts of about this many: DuckDB's joins and
  // aggregates over one part stay inside the fetch's memory.
  int markets_per_part = 50'000;
};

struct FetchConfig {
  ApiSetting api;
  // Keyed by limiter name: the hosts "data", "clob", "gamma" and routes such as "data_v2_trades".
  std::map<std::string, RateLimitSetting> rate_limits;
  // Worker threads per dataset family: "markets", "trades", "prices", "leaderboard", "gamma".
  std::map<std::string, int> workers;
  // Flush threshold (rows) per Bronze dataset; a buffer is swapped to the writer at this size.
  std::map<std::string, int> queues;
  RetrySetting retry;
  std::string data_dir = "data";
  PriceResolution price_resolution;
  TradesSetting trades;
  SilverSetting silver;
  LogSetting log;
  CompactSetting compact;
  PlanSetting plan;

  // The defaults: the official limits of polymarket-api.md with a safety margin.
  static FetchConfig Defaults();
};

// Reads `path` over the defaults. `required` = the user named the file (a missing file is then an
// error; the default path may be absent). Returns the error line on failure.
std::optional<std::string> LoadConfigFile(const std::string& path, bool required,
                                          FetchConfig* config);
// True if `text` is a size DuckDB's memory_limit accepts and that is above zero: a number and a
// unit, e.g. "1GB", "1.5 GiB", "512MB", "800KiB".
bool IsMemorySize(const std::string& text);

// Applies POLYPIPE_DATA_DIR, POLYPIPE_DATA_API, POLYPIPE_CLOB_API, POLYPIPE_GAMMA_API,
// POLYPIPE_CA_BUNDLE when set.
void ApplyEnvironment(FetchConfig* config);

}  // namespace polypipe::fetch
