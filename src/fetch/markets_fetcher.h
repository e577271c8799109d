// The CLOB market list: `markets` (one row per market) and `market_tokens` (one row per outcome
// token), walked by next_cursor to its end marker, one snapshot per run.
//
// The two datasets commit separately, so each keeps its own sweep progress; a resumed sweep
// starts from the one that is behind and hands each page only to the datasets that have not yet
// committed it.

#pragma once

#include "fetch/context.h"

namespace polypipe::fetch {

// Fetches the list; returns true when both datasets hold this run's complete snapshot.
bool FetchMarkets(Context& ctx);

}  // namespace polypipe::fetch
