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
  // Whether the market ever had an order book (so a price series): Gamma's enableOrderBook or a
  // CLOB accepting_order_timestamp. CLOB's own enable_order_book is not used: it is switched off
  // when a market closes. When neither source knows (Gamma does not list the market, CLOB has no
  // timestamp), the market's trades are the witness (see FetchPrices).
  bool order_book = false;
  bool order_book_unknown = false;
  std::vector<std::string> token_ids;
  // Unix seconds; absent when no source knows them.
  std::optional<int64_t> start;  // Gamma startDate, else createdAt
  // When trading began: Gamma startDate, else CLOB accepting_order_timestamp, else createdAt.
  std::optional<int64_t> trading_start;
  std::optional<int64_t> end;    // closed: Gamma closedTime, else endDate, else CLOB end_date_iso
  std::optional<double> volume;  // Gamma volumeNum
};

// The markets of the newest complete `markets` snapshot in list order (at most ctx.limit()),
// joined with their tokens and the newest complete Gamma snapshot, if any. Sets `error` and
// returns nullopt when Bronze cannot be read or holds no complete market snapshot.
std::optional<std::vector<ListedMarket>> LoadMarketList(Context& ctx, std::string* error);

}  // namespace polypipe::fetch
