// MarketList: the markets whose trades and prices a run fetches, read back from the newest
// complete snapshots in Bronze (CLOB `markets` + `market_tokens`, and Gamma `gamma_markets` for
// start/end dates and volume, which the CLOB list lacks).
//
// Reading the list from committed Parquet rather than from memory lets `--mode trades` and
// `--mode prices` run on their own, and a resumed run plan from exactly what it committed.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fetch/context.h"

namespace polypipe::fetch {

struct ListedMarket {
  std::string condition_id;
  bool closed = false;
  bool order_book = true;
  std::vector<std::string> token_ids;
  // Unix seconds; absent when no source knows them.
  std::optional<int64_t> start;  // Gamma startDate, else createdAt
  std::optional<int64_t> end;    // closed: Gamma closedTime, else endDate, else CLOB end_date_iso
  std::optional<double> volume;  // Gamma volumeNum
};

// The markets of the newest complete `markets` snapshot in list order (at most ctx.limit()),
// joined with their tokens and, when `with_gamma`, the newest Gamma snapshot. Sets `error` and
// returns nullopt when Bronze cannot be read or holds no complete market snapshot.
std::optional<std::vector<ListedMarket>> LoadMarketList(Context& ctx, bool with_gamma,
                                                        std::string* error);

}  // namespace polypipe::fetch
