// Coordinator: one `polypipe fetch` invocation from start to exit code.
//
// It opens the data directory (lock + recovery), begins or resumes the run, opens one Sink per
// dataset the mode needs, and runs the fetchers in two phases: first the snapshot lists (CLOB
// markets, Gamma, leaderboard) side by side; then, once the market list (and Gamma's dates) is
// committed, trades and prices side by side from that list. A progress display runs throughout.
// On stop (signal, --timeout, a fatal error) workers finish their current request, every Sink
// commits what it holds, and the run report records where things stand.
//
// Thread-safety: Run is called once, from the main thread.

#pragma once

#include <atomic>
#include <string>

#include "fetch/config.h"

namespace polypipe::fetch {

struct FetchOptions {
  std::string mode = "all";  // all | markets | trades | prices | leaderboard | gamma
  bool fresh = false;
  int64_t limit = 0;   // markets; 0 = all
  double timeout = 0;  // seconds; 0 = none
};

// Exit codes of DESIGN.md section 2.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitInterrupted = 130;

// Runs the fetch. `stop` is set by the caller's signal handler (and by the fetch itself on
// timeout or fatal errors); `interrupted` tells a signal from the rest.
int RunFetch(const FetchConfig& config, const FetchOptions& options, std::atomic<bool>& stop,
             const std::atomic<bool>& interrupted);

}  // namespace polypipe::fetch
