#include "api/data_api.h"

#include <fmt/core.h>

#include "api/envelope.h"
#include "api/parser_state.h"
#include "api/row_decoder.h"
#include "api/url_builder.h"

namespace polypipe::api {
namespace {

namespace ondemand = simdjson::ondemand;
using enum bronze::ColumnType;
using bronze::Row;

constexpr Role kRequired = Role::kRequired;
constexpr Role kFilled = Role::kFilled;

// polymarket-api.md 3.1, in the order the API sends them.
constexpr FieldSpec kTradeFields[] = {
    {"proxy_wallet", "proxy_wallet", kVarchar, kRequired},
    {"side", "side", kVarchar, kRequired},
    {"token_id", "token_id", kVarchar, kRequired},
    {"condition_id", "condition_id", kVarchar, kRequired},
    {"size", "size", kDouble, kRequired},
    {"price", "price", kDouble, kRequired},
    {"timestamp", "timestamp", kBigint, kRequired},
    {"title", "title"},
    {"slug", "slug"},
    {"icon", "icon"},
    {"event_slug", "event_slug"},
    {"outcome", "outcome"},
    {"outcome_index", "outcome_index", kBigint},
    {"name", "name"},
    {"pseudonym", "pseudonym"},
    {"bio", "bio"},
    {"profile_image", "profile_image"},
    {"profile_image_optimized", "profile_image_optimized"},
    {"transaction_hash", "transaction_hash", kVarchar, kRequired},
    {"", "fill_seq", kBigint, kFilled},
};

// The same trade in v1's camelCase spelling.
constexpr FieldSpec kTradeV1Fields[] = {
    {"proxyWallet", "proxy_wallet", kVarchar, kRequired},
    {"side", "side", kVarchar, kRequired},
    {"asset", "token_id", kVarchar, kRequired},
    {"conditionId", "condition_id", kVarchar, kRequired},
    {"size", "size", kDouble, kRequired},
    {"price", "price", kDouble, kRequired},
    {"timestamp", "timestamp", kBigint, kRequired},
    {"title", "title"},
    {"slug", "slug"},
    {"icon", "icon"},
    {"eventSlug", "event_slug"},
    {"outcome", "outcome"},
    {"outcomeIndex", "outcome_index", kBigint},
    {"name", "name"},
    {"pseudonym", "pseudonym"},
    {"bio", "bio"},
    {"profileImage", "profile_image"},
    {"profileImageOptimized", "profile_image_optimized"},
    {"transactionHash", "transaction_hash", kVarchar, kRequired},
};

constexpr FieldSpec kLeaderboardFields[] = {
    {"", "snapshot_ts", kTimestamp, kFilled},
    {"", "category", kVarchar, kFilled},
    {"", "time_period", kVarchar, kFilled},
    {"", "order_by", kVarchar, kFilled},
    {"rank", "rank", kBigint, kRequired},
    {"proxyWallet", "proxy_wallet", kVarchar, kRequired},
    {"userName", "user_name"},
    {"xUsername", "x_username"},
    {"verifiedBadge", "verified_badge", kBoolean},
    {"vol", "vol", kDouble},
    {"pnl", "pnl", kDouble},
    {"profileImage", "profile_image"},
};

const RowDecoder& Trades() {
  static const RowDecoder decoder("trades", kTradeFields, "timestamp");
  return decoder;
}

const RowDecoder& TradesV1() {
  static const RowDecoder decoder(Trades(), kTradeV1Fields);
  return decoder;
}

const RowDecoder& Leaderboard() {
  static const RowDecoder decoder("leaderboard", kLeaderboardFields, "");
  return decoder;
}

// Reads {"has_more", "next_cursor", ...}; returns a problem description or "".
std::string ReadPagination(ondemand::value value, TradesPage& page, bool& saw_has_more,
                           simdjson::error_code& error) {
  ondemand::object object;
  if (value.get_object().get(object)) return "'pagination' is not an object";
  for (auto field_result : object) {
    ondemand::field field;
    if ((error = std::move(field_result).get(field))) return "";
    std::string_view key;
    if ((error = field.unescaped_key().get(key))) return "";
    ondemand::value v = field.value();
    ondemand::json_type kind;
    if ((error = v.type().get(kind))) return "";
    if (key == "has_more") {
      if (kind != ondemand::json_type::boolean) return "'pagination.has_more' is not a boolean";
      if ((error = v.get_bool().get(page.has_more))) return "";
      saw_has_more = true;
    } else if (key == "next_cursor") {
      bool is_string = true;
      if ((error = ReadCursor(v, page.next_cursor, &is_string))) return "";
      if (!is_string) return "'pagination.next_cursor' is not a string";
    }
  }
  return "";
}

}  // namespace

const bronze::Schema& TradesSchema() {
  return Trades().schema();
}
const bronze::Schema& LeaderboardSchema() {
  return Leaderboard().schema();
}

std::string TradesUrl(std::string_view base, const std::vector<std::string>& condition_ids,
                      int limit, std::string_view cursor, const TradesFilter& filter) {
  UrlBuilder url(base, "/v2/trades");
  url.CommaList("condition", condition_ids).Param("limit", limit);
  url.Param("filter_type", filter.type).Param("filter_amount", fmt::format("{}", filter.amount));
  if (!cursor.empty()) url.Param("cursor", cursor);
  return url.url();
}

std::string TradesV1Url(std::string_view base, const std::vector<std::string>& condition_ids,
                        int limit, int64_t offset) {
  UrlBuilder url(base, "/trades");
  url.CommaList("market", condition_ids).Param("limit", limit).Param("offset", offset);
  return url.url();
}

std::string LeaderboardUrl(std::string_view base, std::string_view category,
                           std::string_view time_period, std::string_view order_by, int limit,
                           int offset) {
  UrlBuilder url(base, "/v1/leaderboard");
  url.Param("category", category).Param("timePeriod", time_period).Param("orderBy", order_by);
  url.Param("limit", limit).Param("offset", offset);
  return url.url();
}

Result<TradesPage> ParseTradesPage(Parser& parser, std::string_view body, const Lineage& lineage) {
  using R = Result<TradesPage>;
  Parser::State& state = parser.state();
  ondemand::document doc;
  ondemand::object root;
  if (std::string error =
          OpenRootObject(state, body, lineage, "a JSON object with a 'data' array", doc, root);
      !error.empty()) {
    return R::Error(std::move(error));
  }

  TradesPage page;
  const Row prototype = Trades().Prototype(lineage);
  bool saw_data = false, saw_has_more = false;
  for (auto field_result : root) {
    ondemand::field field;
    if (auto e = std::move(field_result).get(field)) return R::Error(JsonError(lineage, body, e));
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return R::Error(JsonError(lineage, body, e));
    ondemand::value value = field.value();
    if (key == "data") {
      ondemand::array array;
      if (value.get_array().get(array)) {
        return R::Error(BodyError(lineage, body, "'data' is not an array"));
      }
      if (auto e = Trades().DecodeArray(state, array, prototype, BodyEnd(state, body), page)) {
        return R::Error(JsonError(lineage, body, e));
      }
      saw_data = true;
    } else if (key == "pagination") {
      simdjson::error_code e = simdjson::SUCCESS;
      std::string problem = ReadPagination(value, page, saw_has_more, e);
      if (e) return R::Error(JsonError(lineage, body, e));
      if (!problem.empty()) return R::Error(BodyError(lineage, body, problem));
    } else if (key == "error") {
      bool is_null = false;
      if (value.is_null().get(is_null) || !is_null) {
        return R::Error(BodyError(lineage, body, "error response"));
      }
    }
  }
  if (auto e = AtEnd(doc)) return R::Error(JsonError(lineage, body, e));
  if (!saw_data) return R::Error(BodyError(lineage, body, "no 'data' array"));
  if (!saw_has_more) page.has_more = page.next_cursor.has_value();
  if (page.has_more && !page.next_cursor) {
    return R::Error(
        BodyError(lineage, body, "pagination.has_more is true but next_cursor is missing"));
  }
  if (!page.has_more) page.next_cursor.reset();
  return page;
}

Result<RowPage> ParseTradesV1Page(Parser& parser, std::string_view body, const Lineage& lineage) {
  RowPage page;
  std::string error = ParseListBody(parser.state(), body, TradesV1(), TradesV1().Prototype(lineage),
                                    lineage, "", page);
  if (!error.empty()) return Result<RowPage>::Error(std::move(error));
  return page;
}

Result<RowPage> ParseLeaderboardPage(Parser& parser, std::string_view body, int64_t snapshot_ts_us,
                                     std::string_view category, std::string_view time_period,
                                     std::string_view order_by, const Lineage& lineage) {
  const RowDecoder& decoder = Leaderboard();
  Row prototype = decoder.Prototype(lineage);
  prototype[decoder.column("snapshot_ts")] = snapshot_ts_us;
  prototype[decoder.column("category")] = std::string(category);
  prototype[decoder.column("time_period")] = std::string(time_period);
  prototype[decoder.column("order_by")] = std::string(order_by);
  RowPage page;
  std::string error = ParseListBody(parser.state(), body, decoder, prototype, lineage, "", page);
  if (!error.empty()) return Result<RowPage>::Error(std::move(error));
  return page;
}

}  // namespace polypipe::api
