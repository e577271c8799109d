// Trades: the Data API's /v2/trades tape, newest first, for the markets of the list.
//
// Markets are paged together, up to 20 condition ids per feed (see TradeFeed), so the request
// count stays near trades/1000 + markets/20. Every request asks for every fill
// (trades.filter_type / filter_amount; the API's own default hides fills under 0.01 shares).
//
// A market's state after its feed completes (progress key "market:<condition id>"):
//   "w"              newest committed trade time (the watermark)
//   "oldest"         oldest committed trade time
//   "overlap"        keys of the committed trades from "w" - trades.lag_seconds on: the next
//                    re-poll reaches back to there and keeps only fills not committed yet
//   "closed"         closed when fetched
//   "out_of_window"  trading began before the feed's reach (trades.feed_window_days): the API
//                    cannot serve its older fills
//   "api_done"       closed, and the API served all it can: never asked again
//   "done"           complete: every fill is in Bronze (api_done and not out of window). A later
//                    source of older fills (the chain) marks an out-of-window market done.
//   "run"            the run that last fetched it
// Open markets are re-polled by later runs. A feed whose request keeps failing is split in
// halves until the failing market is alone; that market is a failed unit (reported, retried by
// the next run from its committed state) and the others complete in the same run.

#pragma once

#include <string>
#include <vector>

#include "fetch/context.h"
#include "fetch/market_list.h"

namespace polypipe::fetch {

// Fetches with `workers` threads; true when every planned feed completed.
bool FetchTrades(Context& ctx, PlanningSession& list, int workers);

// Progress key of a market's trade state.
std::string MarketTradeKey(const std::string& condition_id);

}  // namespace polypipe::fetch
