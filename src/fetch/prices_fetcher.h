// Prices: each outcome token's midpoint history from CLOB POST /batch-prices-history, up to 20
// tokens per request, in windows of at most 15 days (see PriceGroup), at the fidelity of the
// market's volume tier (price_resolution), walking up the fidelity ladder where a resolved
// market's window comes back empty.
//
// A token's series runs from its market's start (Gamma startDate, else createdAt, else its oldest
// trade) to its end (closed markets) or now (open ones). Progress per token is committed with its
// points, so later runs fetch only what is newer.

#pragma once

#include <vector>

#include "fetch/context.h"
#include "fetch/market_list.h"

namespace polypipe::fetch {

// Fetches with `workers` threads; true when every planned token is covered. Markets without a
// start date are left out (counted) unless the trades progress knows their oldest trade.
bool FetchPrices(Context& ctx, const std::vector<ListedMarket>& markets, int workers);

}  // namespace polypipe::fetch
