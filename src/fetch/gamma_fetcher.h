// Gamma: `gamma_markets` and `gamma_events` by keyset sweeps for closed=false and closed=true
// (Gamma hides resolved markets unless asked), and `gamma_categories` from /tags by offset.
// One snapshot per run; each sweep commits its cursor with its rows.

#pragma once

#include <string>

#include "fetch/context.h"

namespace polypipe::fetch {

// Which Gamma list a sweep walks.
enum class GammaList { kMarketsOpen, kMarketsClosed, kEventsOpen, kEventsClosed, kTags };

// Walks one list to its end; true when it is complete for this run.
bool FetchGammaList(Context& ctx, http::Client& client, api::Parser& parser, GammaList list);

}  // namespace polypipe::fetch
