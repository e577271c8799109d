// The Data API (trades, leaderboard): request builders, the Bronze schemas of `trades` and
// `leaderboard`, and the parsers that turn response bodies into their rows.
//
// Trades come from GET /v2/trades: a {data, pagination} envelope of snake_case trades, newest
// first, paged by an opaque cursor until `has_more` is false. The legacy v1 GET /trades (bare
// array, camelCase, offset paged) maps onto the same schema. The leaderboard is a bare array whose
// `rank` is a string; its rows are stamped with the snapshot they belong to.
//
// Row rules (missing/null/"" -> NULL, skips, `_extra`, lineage) are those of row_decoder.h.
// Required: trades: proxy_wallet, side, token_id, condition_id, size, price, timestamp,
// transaction_hash; leaderboard: rank, proxyWallet.
//
// Thread-safety: the schemas are immutable and shared; the Parse* functions may run concurrently,
// each thread with its own Parser.

#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/lineage.h"
#include "api/parser.h"
#include "api/result.h"
#include "api/row_page.h"
#include "bronze/row.h"

namespace polypipe::api {

inline constexpr std::string_view kTradesRoute = "data:/v2/trades";
inline constexpr std::string_view kTradesV1Route = "data:/trades";
inline constexpr std::string_view kLeaderboardRoute = "data:/v1/leaderboard";

inline constexpr int kTradesPageSize = 1000;           // the most /v2/trades returns per page
inline constexpr int kMaxConditionsPerTradesUrl = 20;  // more condition ids are a 400
inline constexpr int kLeaderboardPageSize = 50;        // larger limits are silently clamped to 50
inline constexpr int kLeaderboardMaxOffset = 1000;     // offsets past 1000 are a 400

inline constexpr std::array<std::string_view, 11> kLeaderboardCategories = {
    "OVERALL",  "POLITICS", "SPORTS",    "ESPORTS", "CRYPTO", "CULTURE",
    "MENTIONS", "WEATHER",  "ECONOMICS", "TECH",    "FINANCE"};
inline constexpr std::array<std::string_view, 4> kLeaderboardPeriods = {"DAY", "WEEK", "MONTH",
                                                                        "ALL"};
inline constexpr std::array<std::string_view, 2> kLeaderboardOrders = {"PNL", "VOL"};

// `trades`: proxy_wallet, side, token_id, condition_id, size, price, timestamp (BIGINT unix
// seconds, the partition column), title, slug, icon, event_slug, outcome, outcome_index, name,
// pseudonym, bio, profile_image, profile_image_optimized, transaction_hash, fill_seq (BIGINT, NULL
// from the parser: the fetcher numbers identical fills), then _extra and lineage.
const bronze::Schema& TradesSchema();
// `leaderboard`: snapshot_ts (TIMESTAMP), category, time_period, order_by (given by the caller),
// rank (BIGINT, from its string), proxy_wallet, user_name, x_username, verified_badge, vol, pnl,
// profile_image, then _extra and lineage. Partitioned by _fetched_at.
const bronze::Schema& LeaderboardSchema();

// The size filter of /v2/trades. Sent on every request: without it the API applies TOKENS 0.01
// and fills under 0.01 shares are silently left out.
struct TradesFilter {
  std::string type = "TOKENS";  // TOKENS (shares) or CASH (USDC)
  double amount = 0;
};

// GET {base}/v2/trades?condition=<ids, comma-separated>&limit=<limit>&filter_type=&filter_amount=
// [&cursor=<cursor>]. Taker-side fills only (the API default): each fill once. REQUIRES: 1 to 20
// condition ids, the same ids (in the same order) on every page of one feed; cursor empty for the
// first page.
std::string TradesUrl(std::string_view base, const std::vector<std::string>& condition_ids,
                      int limit = kTradesPageSize, std::string_view cursor = {},
                      const TradesFilter& filter = {});
// Legacy v1: GET {base}/trades?market=<ids>&limit=<limit>&offset=<offset>.
std::string TradesV1Url(std::string_view base, const std::vector<std::string>& condition_ids,
                        int limit, int64_t offset);
// GET {base}/v1/leaderboard?category=&timePeriod=&orderBy=&limit=&offset=.
std::string LeaderboardUrl(std::string_view base, std::string_view category,
                           std::string_view time_period, std::string_view order_by,
                           int limit = kLeaderboardPageSize, int offset = 0);

struct TradesPage : RowPage {
  // The cursor of the next page; nullopt when this page is the last.
  std::optional<std::string> next_cursor;
  bool has_more = false;
};

// Parses a /v2/trades body. An error envelope ({"error", "code", ...}), a body that is not a JSON
// object with a `data` array, or has_more without a cursor is an error for the whole page.
Result<TradesPage> ParseTradesPage(Parser& parser, std::string_view body, const Lineage& lineage);
// Parses a legacy v1 /trades body (bare array, camelCase) into `trades` rows. No cursor: the
// caller pages by offset until a page holds fewer rows than asked.
Result<RowPage> ParseTradesV1Page(Parser& parser, std::string_view body, const Lineage& lineage);

// Parses a /v1/leaderboard body (bare array). `snapshot_ts_us` is the snapshot's time, shared by
// every page of one run; category, time_period and order_by are the request's.
Result<RowPage> ParseLeaderboardPage(Parser& parser, std::string_view body, int64_t snapshot_ts_us,
                                     std::string_view category, std::string_view time_period,
                                     std::string_view order_by, const Lineage& lineage);

}  // namespace polypipe::api
