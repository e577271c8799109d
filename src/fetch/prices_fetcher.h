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

// Fetches with `workers` threads; true when every planned token is covered. One pass takes the
// markets with a start date and a known book (`dated`), or the others: those wait for the trades,
// which may date them (the oldest trade) or show that they traded (so had a book). Markets still
// without a start date are left out (counted).
bool FetchPrices(Context& ctx, PlanningSession& list, bool dated, int workers);

}  // namespace polypipe::fetch
