// The CLOB API (market list with tokens, price history): request builders, the Bronze schemas of
// `markets`, `market_tokens` and `prices`, and the parsers that turn response bodies into rows.
//
// GET /markets pages through every market (1000 a page) by `next_cursor` until the end marker
// "LTE=" (sending it back is a 400), an empty page or a missing cursor. Each market object becomes
// one `markets` row; its `tokens` array becomes `market_tokens` rows (outcome_index = position in
// the array). Price history is {"history": [{"t", "p"}]} for one token, and
// {"history": {"<token id>": [{"t", "p"}], ...}} for POST /batch-prices-history.
//
// Row rules (missing/null/"" -> NULL, skips, `_extra`, lineage) are those of row_decoder.h.
// Required: markets: condition_id; market_tokens: token_id (and its market's condition_id);
// prices: t, p.
//
// Thread-safety: the schemas are immutable and shared; the Parse* functions may run concurrently,
// each thread with its own Parser.

#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "api/lineage.h"
#include "api/parser.h"
#include "api/result.h"
#include "api/row_page.h"
#include "bronze/row.h"

namespace polypipe::api {

inline constexpr std::string_view kClobMarketsRoute = "clob:/markets";
inline constexpr std::string_view kPricesHistoryRoute = "clob:/prices-history";
inline constexpr std::string_view kBatchPricesRoute = "clob:/batch-prices-history";

inline constexpr std::string_view kClobStartCursor = "MA==";    // base64 "0"
inline constexpr std::string_view kClobEndCursor = "LTE=";      // base64 "-1": no more pages
inline constexpr int kClobPageSize = 1000;                      // fixed by the server
inline constexpr int64_t kMaxPriceWindowSeconds = 15 * 86'400;  // longer startTs..endTs is a 400
inline constexpr int kMaxBatchPriceTokens = 20;

// `markets`: condition_id, question_id, question, description, market_slug, end_date_iso,
// game_start_time, accepting_order_timestamp (TIMESTAMP), active, closed, archived,
// accepting_orders, enable_order_book, minimum_order_size, minimum_tick_size, seconds_delay, fpmm,
// maker_base_fee, taker_base_fee, notifications_enabled, neg_risk, neg_risk_market_id,
// neg_risk_request_id, icon, image, rewards (JSON text), is_50_50_outcome, tags (LIST<VARCHAR>),
// then _extra and lineage. `tokens` is not a column: it feeds `market_tokens`.
const bronze::Schema& ClobMarketsSchema();
// `market_tokens`: condition_id, token_id (VARCHAR, exact), outcome, outcome_index, price, winner,
// then _extra and lineage.
const bronze::Schema& MarketTokensSchema();
// `prices`: token_id, timestamp (BIGINT unix seconds, the partition column), price, fidelity
// (BIGINT minutes), then _extra and lineage.
const bronze::Schema& PricesSchema();

// GET {base}/markets[?next_cursor=<cursor>]; an empty cursor asks for the first page.
// REQUIRES: cursor != kClobEndCursor.
std::string ClobMarketsUrl(std::string_view base, std::string_view cursor = {});
// GET {base}/prices-history?market=<token id>&startTs=&endTs=&fidelity=.
// REQUIRES: end_ts - start_ts <= kMaxPriceWindowSeconds.
std::string PricesHistoryUrl(std::string_view base, std::string_view token_id, int64_t start_ts,
                             int64_t end_ts, int fidelity);
// POST {base}/batch-prices-history with BatchPricesBody(...) as its JSON body.
std::string BatchPricesUrl(std::string_view base);
// {"markets": [token ids], "start_ts": s, "end_ts": e, "fidelity": f}.
// REQUIRES: 1 to kMaxBatchPriceTokens token ids; the window as for PricesHistoryUrl.
std::string BatchPricesBody(const std::vector<std::string>& token_ids, int64_t start_ts,
                            int64_t end_ts, int fidelity);

struct ClobMarketsPage {
  RowPage markets;
  RowPage tokens;  // tokens of skipped markets are not parsed: the market's skip covers them
  std::string next_cursor;  // as sent; empty when absent or null
  bool end = false;         // no further page: cursor "LTE=", absent or null, or an empty page
};

// Parses a GET /markets body ({"data": [...], "next_cursor", "limit", "count"}).
Result<ClobMarketsPage> ParseClobMarketsPage(Parser& parser, std::string_view body,
                                             const Lineage& lineage);
// Parses a GET /markets/{condition_id} body (one market object); `end` is true.
Result<ClobMarketsPage> ParseClobMarket(Parser& parser, std::string_view body,
                                        const Lineage& lineage);

// Parses a GET /prices-history body into rows of `token_id` at `fidelity` minutes. An empty
// history ({"history": []} or a bare []) is zero rows, not an error. Points outside the asked
// window (the API may add one stamped "now") are kept: the caller knows the window.
Result<RowPage> ParsePricesHistory(Parser& parser, std::string_view body, std::string_view token_id,
                                   int fidelity, const Lineage& lineage);
// Parses a POST /batch-prices-history body: rows of every token, token by token in body order.
Result<RowPage> ParseBatchPricesHistory(Parser& parser, std::string_view body, int fidelity,
                                        const Lineage& lineage);

}  // namespace polypipe::api
