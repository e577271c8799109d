#include "api/clob_api.h"

#include "api/envelope.h"
#include "api/json_text.h"
#include "api/parser_state.h"
#include "api/row_decoder.h"
#include "api/url_builder.h"

namespace polypipe::api {
namespace {

namespace ondemand = simdjson::ondemand;
using enum bronze::ColumnType;
using bronze::Row;

constexpr Role kRequired = Role::kRequired;
constexpr Role kCustom = Role::kCustom;
constexpr Role kFilled = Role::kFilled;

// polymarket-api.md 4.1.
constexpr FieldSpec kMarketFields[] = {
    {"condition_id", "condition_id", kVarchar, kRequired},
    {"question_id", "question_id"},
    {"question", "question"},
    {"description", "description"},
    {"market_slug", "market_slug"},
    {"end_date_iso", "end_date_iso", kTimestamp},
    {"game_start_time", "game_start_time", kTimestamp},
    {"accepting_order_timestamp", "accepting_order_timestamp", kTimestamp},
    {"active", "active", kBoolean},
    {"closed", "closed", kBoolean},
    {"archived", "archived", kBoolean},
    {"accepting_orders", "accepting_orders", kBoolean},
    {"enable_order_book", "enable_order_book", kBoolean},
    {"minimum_order_size", "minimum_order_size", kDouble},
    {"minimum_tick_size", "minimum_tick_size", kDouble},
    {"seconds_delay", "seconds_delay", kBigint},
    {"fpmm", "fpmm"},
    {"maker_base_fee", "maker_base_fee", kBigint},
    {"taker_base_fee", "taker_base_fee", kBigint},
    {"notifications_enabled", "notifications_enabled", kBoolean},
    {"neg_risk", "neg_risk", kBoolean},
    {"neg_risk_market_id", "neg_risk_market_id"},
    {"neg_risk_request_id", "neg_risk_request_id"},
    {"icon", "icon"},
    {"image", "image"},
    {"rewards", "rewards", kJson},
    {"is_50_50_outcome", "is_50_50_outcome", kBoolean},
    {"tokens", "", kJson, kCustom},
    {"tags", "tags", kVarcharList},
};

constexpr FieldSpec kTokenFields[] = {
    {"", "condition_id", kVarchar, kFilled},
    {"token_id", "token_id", kVarchar, kRequired},
    {"outcome", "outcome"},
    {"", "outcome_index", kBigint, kFilled},
    {"price", "price", kDouble},
    {"winner", "winner", kBoolean},
};

constexpr FieldSpec kPricePointFields[] = {
    {"", "token_id", kVarchar, kFilled},
    {"t", "timestamp", kBigint, kRequired},
    {"p", "price", kDouble, kRequired},
    {"", "fidelity", kBigint, kFilled},
};

const RowDecoder& Markets() {
  static const RowDecoder decoder("markets", kMarketFields, "");
  return decoder;
}

const RowDecoder& Tokens() {
  static const RowDecoder decoder("market_tokens", kTokenFields, "");
  return decoder;
}

const RowDecoder& Prices() {
  static const RowDecoder decoder("prices", kPricePointFields, "timestamp");
  return decoder;
}

// Turns a market's `tokens` array into market_tokens rows, kept only if the market is.
class TokensField : public CustomField {
 public:
  // `body` is the page being parsed (its padded copy bounds the excerpts of skipped tokens).
  TokensField(Parser::State& state, const Lineage& lineage, std::string_view body, RowPage& out)
      : state_(state), prototype_(Tokens().Prototype(lineage)), body_(body), out_(out) {}

  Read Decode(std::string_view, ondemand::value value, Row&, simdjson::error_code& error) override {
    ondemand::json_type kind;
    if ((error = value.type().get(kind))) return Read::kBroken;
    if (kind == ondemand::json_type::null) return Read::kDone;
    if (kind != ondemand::json_type::array) return Read::kWrongType;
    ondemand::array array;
    if ((error = value.get_array().get(array))) return Read::kBroken;
    const RowDecoder& decoder = Tokens();
    const int outcome_index = decoder.column("outcome_index");
    int64_t position = 0;
    for (auto element : array) {
      ondemand::value token;
      if ((error = std::move(element).get(token))) return Read::kBroken;
      prototype_[outcome_index] = position++;
      if ((error =
               decoder.DecodeOne(state_, token, prototype_, BodyEnd(state_, body_), pending_))) {
        return Read::kBroken;
      }
    }
    return Read::kDone;
  }

  void Finish(Row& market, bool kept) override {
    if (kept) {
      static const int market_condition = Markets().column("condition_id");
      static const int token_condition = Tokens().column("condition_id");
      for (Row& row : pending_.rows) {
        row[token_condition] = market[market_condition];
        out_.rows.push_back(std::move(row));
      }
      for (Skip& skip : pending_.skipped) out_.skipped.push_back(std::move(skip));
      out_.mistyped_fields += pending_.mistyped_fields;
    }
    pending_ = RowPage();
  }

 private:
  Parser::State& state_;
  Row prototype_;
  std::string_view body_;
  RowPage& out_;
  RowPage pending_;  // tokens of the market being decoded
};

}  // namespace

const bronze::Schema& ClobMarketsSchema() {
  return Markets().schema();
}
const bronze::Schema& MarketTokensSchema() {
  return Tokens().schema();
}
const bronze::Schema& PricesSchema() {
  return Prices().schema();
}

std::string ClobMarketsUrl(std::string_view base, std::string_view cursor) {
  UrlBuilder url(base, "/markets");
  if (!cursor.empty()) url.Param("next_cursor", cursor);
  return url.url();
}

std::string PricesHistoryUrl(std::string_view base, std::string_view token_id, int64_t start_ts,
                             int64_t end_ts, int fidelity) {
  UrlBuilder url(base, "/prices-history");
  url.Param("market", token_id).Param("startTs", start_ts).Param("endTs", end_ts);
  url.Param("fidelity", fidelity);
  return url.url();
}

std::string BatchPricesUrl(std::string_view base) {
  return UrlBuilder(base, "/batch-prices-history").url();
}

std::string BatchPricesBody(const std::vector<std::string>& token_ids, int64_t start_ts,
                            int64_t end_ts, int fidelity) {
  std::string body = "{\"markets\":[";
  for (size_t i = 0; i < token_ids.size(); ++i) {
    if (i) body += ',';
    AppendJsonString(body, token_ids[i]);
  }
  body += "],\"start_ts\":" + std::to_string(start_ts);
  body += ",\"end_ts\":" + std::to_string(end_ts);
  body += ",\"fidelity\":" + std::to_string(fidelity) + "}";
  return body;
}

Result<ClobMarketsPage> ParseClobMarketsPage(Parser& parser, std::string_view body,
                                             const Lineage& lineage) {
  using R = Result<ClobMarketsPage>;
  Parser::State& state = parser.state();
  ondemand::document doc;
  ondemand::object root;
  if (std::string error =
          OpenRootObject(state, body, lineage, "a JSON object with a 'data' array", doc, root);
      !error.empty()) {
    return R::Error(std::move(error));
  }

  ClobMarketsPage page;
  TokensField tokens(state, lineage, body, page.tokens);
  const Row prototype = Markets().Prototype(lineage);
  bool saw_data = false;
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
      if (auto e = Markets().DecodeArray(state, array, prototype, BodyEnd(state, body),
                                         page.markets, &tokens)) {
        return R::Error(JsonError(lineage, body, e));
      }
      saw_data = true;
    } else if (key == "next_cursor") {
      std::optional<std::string> cursor;
      bool is_string = true;
      if (auto e = ReadCursor(value, cursor, &is_string)) {
        return R::Error(JsonError(lineage, body, e));
      }
      if (!is_string) return R::Error(BodyError(lineage, body, "'next_cursor' is not a string"));
      page.next_cursor = cursor.value_or("");
    } else if (key == "error") {
      bool is_null = false;
      if (value.is_null().get(is_null) || !is_null) {
        return R::Error(BodyError(lineage, body, "error response"));
      }
    }
  }
  if (auto e = AtEnd(doc)) return R::Error(JsonError(lineage, body, e));
  if (!saw_data) return R::Error(BodyError(lineage, body, "no 'data' array"));
  const bool empty = page.markets.rows.empty() && page.markets.skipped.empty();
  page.end = page.next_cursor.empty() || page.next_cursor == kClobEndCursor || empty;
  return page;
}

Result<ClobMarketsPage> ParseClobMarket(Parser& parser, std::string_view body,
                                        const Lineage& lineage) {
  Parser::State& state = parser.state();
  ClobMarketsPage page;
  page.end = true;
  TokensField tokens(state, lineage, body, page.tokens);
  std::string error = ParseObjectBody(state, body, Markets(), Markets().Prototype(lineage), lineage,
                                      page.markets, &tokens);
  if (!error.empty()) return Result<ClobMarketsPage>::Error(std::move(error));
  return page;
}

Result<RowPage> ParsePricesHistory(Parser& parser, std::string_view body, std::string_view token_id,
                                   int fidelity, const Lineage& lineage) {
  const RowDecoder& decoder = Prices();
  Row prototype = decoder.Prototype(lineage);
  prototype[decoder.column("token_id")] = std::string(token_id);
  prototype[decoder.column("fidelity")] = int64_t{fidelity};
  RowPage page;
  std::string error =
      ParseListBody(parser.state(), body, decoder, prototype, lineage, "history", page);
  if (!error.empty()) return Result<RowPage>::Error(std::move(error));
  return page;
}

Result<RowPage> ParseBatchPricesHistory(Parser& parser, std::string_view body, int fidelity,
                                        const Lineage& lineage) {
  using R = Result<RowPage>;
  Parser::State& state = parser.state();
  ondemand::document doc;
  ondemand::object root;
  if (std::string error =
          OpenRootObject(state, body, lineage, "a JSON object with a 'history' map", doc, root);
      !error.empty()) {
    return R::Error(std::move(error));
  }

  const RowDecoder& decoder = Prices();
  const int token_column = decoder.column("token_id");
  Row prototype = decoder.Prototype(lineage);
  prototype[decoder.column("fidelity")] = int64_t{fidelity};
  RowPage page;
  bool saw_history = false;
  for (auto field_result : root) {
    ondemand::field field;
    if (auto e = std::move(field_result).get(field)) return R::Error(JsonError(lineage, body, e));
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return R::Error(JsonError(lineage, body, e));
    ondemand::value value = field.value();
    if (key == "error") {
      bool is_null = false;
      if (value.is_null().get(is_null) || !is_null) {
        return R::Error(BodyError(lineage, body, "error response"));
      }
      continue;
    }
    if (key != "history") continue;
    ondemand::object history;
    if (value.get_object().get(history)) {
      return R::Error(BodyError(lineage, body, "'history' is not an object of token ids"));
    }
    saw_history = true;
    for (auto token_result : history) {
      ondemand::field token;
      if (auto e = std::move(token_result).get(token)) return R::Error(JsonError(lineage, body, e));
      std::string_view token_id;
      if (auto e = token.unescaped_key().get(token_id))
        return R::Error(JsonError(lineage, body, e));
      prototype[token_column] = std::string(token_id);
      ondemand::value points = token.value();
      ondemand::json_type points_kind;
      if (auto e = points.type().get(points_kind)) return R::Error(JsonError(lineage, body, e));
      if (points_kind == ondemand::json_type::null) continue;
      ondemand::array array;
      if (points.get_array().get(array)) {
        return R::Error(BodyError(lineage, body, "a token's history is not an array"));
      }
      if (auto e = decoder.DecodeArray(state, array, prototype, BodyEnd(state, body), page)) {
        return R::Error(JsonError(lineage, body, e));
      }
    }
  }
  if (auto e = AtEnd(doc)) return R::Error(JsonError(lineage, body, e));
  if (!saw_history) return R::Error(BodyError(lineage, body, "no 'history' map"));
  return page;
}

}  // namespace polypipe::api
