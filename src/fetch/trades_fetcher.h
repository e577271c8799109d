// Trades: the Data API's /v2/trades tape, newest first, for the markets of the list.
//
// Markets are paged together, up to 20 condition ids per feed (see TradeFeed), so the request
// count stays near trades/1000 + markets/20. A closed market whose feed completes is marked done
// and never asked again; an open one keeps a watermark (its newest committed trade) and later
// runs fetch only what is newer. Each page commits its rows with the feed's cursor; a resumed
// run continues its unfinished feeds from there.

#pragma once

#include <vector>

#include "fetch/context.h"
#include "fetch/market_list.h"

namespace polypipe::fetch {

// Fetches with `workers` threads; true when every planned feed completed.
bool FetchTrades(Context& ctx, const std::vector<ListedMarket>& markets, int workers);

// Progress key of a market's trade state: {"w": newest committed trade time, "oldest": its
// oldest trade time, "done": complete and closed, "run": run that last completed it}.
std::string MarketTradeKey(const std::string& condition_id);

}  // namespace polypipe::fetch
