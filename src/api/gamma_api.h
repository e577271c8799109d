// The Gamma API (rich market metadata, events, tags): request builders, the Bronze schemas of
// `gamma_markets`, `gamma_events` and `gamma_categories`, and the parsers for their bodies.
//
// Markets and events are swept through the keyset routes ({"markets"|"events": [...],
// "next_cursor"}, the cursor absent on the last page and sent back as `after_cursor`), once with
// closed=false and once with closed=true: `closed` defaults to false, so one sweep would silently
// miss every resolved market. The deprecated offset lists (bare arrays) parse with the same
// functions. Tags are a bare array paged by offset.
//
// Gamma's quirks handled here: ids are strings; `volume`/`liquidity` of markets are numeric
// strings; `outcomes`, `outcomePrices`, `clobTokenIds`, `umaResolutionStatuses`, `shortOutcomes`
// are strings holding JSON lists (decoded into LIST<VARCHAR>, null or "" -> NULL); timestamps come
// in several formats (all parsed, see timestamp.h); nested objects (events[], tags[], feeSchedule,
// ...) are kept as minified JSON text. An event's nested markets[] are not stored in full (the
// markets sweep has them): `market_ids` and `market_condition_ids` list their ids, index-aligned
// ("" where a nested market lacks one). Every other field of the ~150 documented is a typed
// column; unknown ones land in `_extra`.
//
// Required: gamma_markets, gamma_events and gamma_categories: id.
//
// Thread-safety: the schemas are immutable and shared; the Parse* functions may run concurrently,
// each thread with its own Parser.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "api/lineage.h"
#include "api/parser.h"
#include "api/result.h"
#include "api/row_page.h"
#include "bronze/row.h"

namespace polypipe::api {

inline constexpr std::string_view kGammaMarketsRoute = "gamma:/markets/keyset";
inline constexpr std::string_view kGammaEventsRoute = "gamma:/events/keyset";
inline constexpr std::string_view kGammaTagsRoute = "gamma:/tags";

inline constexpr int kGammaPageSize = 100;  // larger limits are silently clamped to 100
inline constexpr int kGammaTagsPageSize = 100;

const bronze::Schema& GammaMarketsSchema();
const bronze::Schema& GammaEventsSchema();
const bronze::Schema& GammaCategoriesSchema();

// GET {base}/markets/keyset?limit=&closed=true|false[&after_cursor=]. Guard against a cursor that
// repeats: the server ignores unknown cursor parameters and would serve page 1 forever.
std::string GammaMarketsKeysetUrl(std::string_view base, bool closed, int limit = kGammaPageSize,
                                  std::string_view after_cursor = {});
// GET {base}/events/keyset?limit=&closed=true|false[&after_cursor=] (nested markets included).
std::string GammaEventsKeysetUrl(std::string_view base, bool closed, int limit = kGammaPageSize,
                                 std::string_view after_cursor = {});
// GET {base}/tags?limit=&offset= (any offset is accepted; an empty page ends the list).
std::string GammaTagsUrl(std::string_view base, int limit = kGammaTagsPageSize, int64_t offset = 0);

struct GammaPage : RowPage {
  std::optional<std::string> next_cursor;  // nullopt on the last keyset page and for bare lists
};

// Parses a keyset page ({"markets": [...], "next_cursor"}) or a bare-array list body.
Result<GammaPage> ParseGammaMarketsPage(Parser& parser, std::string_view body,
                                        const Lineage& lineage);
// Parses one market object (GET /markets/{id}).
Result<RowPage> ParseGammaMarket(Parser& parser, std::string_view body, const Lineage& lineage);
// Parses a keyset page ({"events": [...], "next_cursor"}) or a bare-array list body.
Result<GammaPage> ParseGammaEventsPage(Parser& parser, std::string_view body,
                                       const Lineage& lineage);
// Parses one event object (GET /events/{id}, /events/slug/{slug}).
Result<RowPage> ParseGammaEvent(Parser& parser, std::string_view body, const Lineage& lineage);
// Parses a GET /tags body (bare array) into `gamma_categories` rows.
Result<RowPage> ParseGammaTags(Parser& parser, std::string_view body, const Lineage& lineage);

}  // namespace polypipe::api
