// The leaderboard: every category x time period x order, pages of 50 up to offset 1000, stored
// as one snapshot per run (all rows of a run carry the run's start as snapshot_ts, so a resumed
// run completes its snapshot instead of starting another).

#pragma once

#include "fetch/context.h"

namespace polypipe::fetch {

// Fetches every board with `workers` threads; true when the snapshot is complete.
bool FetchLeaderboard(Context& ctx, int workers);

}  // namespace polypipe::fetch
