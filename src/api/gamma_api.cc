#include "api/gamma_api.h"

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

// The fields of api-samples/gamma_market*.json in the order Gamma sends them, then the other
// documented ones.
constexpr FieldSpec kMarketFields[] = {
    {"id", "id", kVarchar, kRequired},
    {"question", "question"},
    {"conditionId", "condition_id"},
    {"slug", "slug"},
    {"resolutionSource", "resolution_source"},
    {"endDate", "end_date", kTimestamp},
    {"liquidity", "liquidity", kDouble},
    {"startDate", "start_date", kTimestamp},
    {"image", "image"},
    {"icon", "icon"},
    {"description", "description"},
    {"outcomes", "outcomes", kVarcharList},
    {"outcomePrices", "outcome_prices", kVarcharList},
    {"volume", "volume", kDouble},
    {"active", "active", kBoolean},
    {"closed", "closed", kBoolean},
    {"marketMakerAddress", "market_maker_address"},
    {"createdAt", "created_at", kTimestamp},
    {"updatedAt", "updated_at", kTimestamp},
    {"closedTime", "closed_time", kTimestamp},
    {"new", "new", kBoolean},
    {"featured", "featured", kBoolean},
    {"submitted_by", "submitted_by"},
    {"archived", "archived", kBoolean},
    {"resolvedBy", "resolved_by"},
    {"restricted", "restricted", kBoolean},
    {"groupItemTitle", "group_item_title"},
    {"groupItemThreshold", "group_item_threshold", kDouble},
    {"questionID", "question_id"},
    {"umaEndDate", "uma_end_date", kTimestamp},
    {"enableOrderBook", "enable_order_book", kBoolean},
    {"orderPriceMinTickSize", "order_price_min_tick_size", kDouble},
    {"orderMinSize", "order_min_size", kDouble},
    {"umaResolutionStatus", "uma_resolution_status"},
    {"volumeNum", "volume_num", kDouble},
    {"liquidityNum", "liquidity_num", kDouble},
    {"endDateIso", "end_date_iso", kTimestamp},
    {"startDateIso", "start_date_iso", kTimestamp},
    {"hasReviewedDates", "has_reviewed_dates", kBoolean},
    {"volume24hr", "volume_24hr", kDouble},
    {"volume1wk", "volume_1wk", kDouble},
    {"volume1mo", "volume_1mo", kDouble},
    {"volume1yr", "volume_1yr", kDouble},
    {"clobTokenIds", "clob_token_ids", kVarcharList},
    {"umaBond", "uma_bond", kDouble},
    {"umaReward", "uma_reward", kDouble},
    {"volume24hrClob", "volume_24hr_clob", kDouble},
    {"volume1wkClob", "volume_1wk_clob", kDouble},
    {"volume1moClob", "volume_1mo_clob", kDouble},
    {"volume1yrClob", "volume_1yr_clob", kDouble},
    {"volumeClob", "volume_clob", kDouble},
    {"liquidityClob", "liquidity_clob", kDouble},
    {"comboStatus", "combo_status"},
    {"makerBaseFee", "maker_base_fee", kBigint},
    {"takerBaseFee", "taker_base_fee", kBigint},
    {"customLiveness", "custom_liveness", kBigint},
    {"acceptingOrders", "accepting_orders", kBoolean},
    {"negRisk", "neg_risk", kBoolean},
    {"negRiskMarketID", "neg_risk_market_id"},
    {"negRiskRequestID", "neg_risk_request_id"},
    {"events", "events", kJson},
    {"ready", "ready", kBoolean},
    {"funded", "funded", kBoolean},
    {"acceptingOrdersTimestamp", "accepting_orders_timestamp", kTimestamp},
    {"cyom", "cyom", kBoolean},
    {"competitive", "competitive", kDouble},
    {"pagerDutyNotificationEnabled", "pager_duty_notification_enabled", kBoolean},
    {"approved", "approved", kBoolean},
    {"clobRewards", "clob_rewards", kJson},
    {"rewardsMinSize", "rewards_min_size", kDouble},
    {"rewardsMaxSpread", "rewards_max_spread", kDouble},
    {"spread", "spread", kDouble},
    {"automaticallyResolved", "automatically_resolved", kBoolean},
    {"oneDayPriceChange", "one_day_price_change", kDouble},
    {"oneHourPriceChange", "one_hour_price_change", kDouble},
    {"oneWeekPriceChange", "one_week_price_change", kDouble},
    {"oneMonthPriceChange", "one_month_price_change", kDouble},
    {"oneYearPriceChange", "one_year_price_change", kDouble},
    {"lastTradePrice", "last_trade_price", kDouble},
    {"bestBid", "best_bid", kDouble},
    {"bestAsk", "best_ask", kDouble},
    {"automaticallyActive", "automatically_active", kBoolean},
    {"clearBookOnStart", "clear_book_on_start", kBoolean},
    {"chartColor", "chart_color"},
    {"seriesColor", "series_color"},
    {"showGmpSeries", "show_gmp_series", kBoolean},
    {"showGmpOutcome", "show_gmp_outcome", kBoolean},
    {"manualActivation", "manual_activation", kBoolean},
    {"negRiskOther", "neg_risk_other", kBoolean},
    {"umaResolutionStatuses", "uma_resolution_statuses", kVarcharList},
    {"pendingDeployment", "pending_deployment", kBoolean},
    {"deploying", "deploying", kBoolean},
    {"deployingTimestamp", "deploying_timestamp", kTimestamp},
    {"scheduledDeploymentTimestamp", "scheduled_deployment_timestamp", kTimestamp},
    {"rfqEnabled", "rfq_enabled", kBoolean},
    {"eventStartTime", "event_start_time", kTimestamp},
    {"holdingRewardsEnabled", "holding_rewards_enabled", kBoolean},
    {"feesEnabled", "fees_enabled", kBoolean},
    {"requiresTranslation", "requires_translation", kBoolean},
    {"feeType", "fee_type"},
    {"feeSchedule", "fee_schedule", kJson},
    {"makerRebatesFeeShareBps", "maker_rebates_fee_share_bps", kBigint},
    {"cryptoMarketConfigId", "crypto_market_config_id"},
    {"cryptoMarketConfig", "crypto_market_config", kJson},
    {"version", "version"},
    // Documented, absent from the samples.
    {"twitterCardImage", "twitter_card_image"},
    {"category", "category"},
    {"ammType", "amm_type"},
    {"sponsorName", "sponsor_name"},
    {"sponsorImage", "sponsor_image"},
    {"xAxisValue", "x_axis_value"},
    {"yAxisValue", "y_axis_value"},
    {"denominationToken", "denomination_token"},
    {"fee", "fee"},  // a wei-scaled integer in a string: kept as exact text
    {"lowerBound", "lower_bound"},
    {"upperBound", "upper_bound"},
    {"marketType", "market_type"},
    {"formatType", "format_type"},
    {"lowerBoundDate", "lower_bound_date", kTimestamp},
    {"upperBoundDate", "upper_bound_date", kTimestamp},
    {"createdBy", "created_by", kBigint},
    {"updatedBy", "updated_by", kBigint},
    {"wideFormat", "wide_format", kBoolean},
    {"mailchimpTag", "mailchimp_tag"},
    {"marketGroup", "market_group", kBigint},
    {"curationOrder", "curation_order", kBigint},
    {"umaEndDateIso", "uma_end_date_iso", kTimestamp},
    {"readyForCron", "ready_for_cron", kBoolean},
    {"commentsEnabled", "comments_enabled", kBoolean},
    {"gameStartTime", "game_start_time", kTimestamp},
    {"secondsDelay", "seconds_delay", kBigint},
    {"disqusThread", "disqus_thread"},
    {"shortOutcomes", "short_outcomes", kVarcharList},
    {"teamAID", "team_a_id"},
    {"teamBID", "team_b_id"},
    {"fpmmLive", "fpmm_live", kBoolean},
    {"volume24hrAmm", "volume_24hr_amm", kDouble},
    {"volume1wkAmm", "volume_1wk_amm", kDouble},
    {"volume1moAmm", "volume_1mo_amm", kDouble},
    {"volume1yrAmm", "volume_1yr_amm", kDouble},
    {"volumeAmm", "volume_amm", kDouble},
    {"liquidityAmm", "liquidity_amm", kDouble},
    {"notificationsEnabled", "notifications_enabled", kBoolean},
    {"score", "score", kDouble},
    {"imageOptimized", "image_optimized", kJson},
    {"iconOptimized", "icon_optimized", kJson},
    {"categories", "categories", kJson},
    {"tags", "tags", kJson},
    {"creator", "creator"},
    {"pastSlugs", "past_slugs"},
    {"readyTimestamp", "ready_timestamp", kTimestamp},
    {"fundedTimestamp", "funded_timestamp", kTimestamp},
    {"gameId", "game_id"},
    {"groupItemRange", "group_item_range"},
    {"sportsMarketType", "sports_market_type"},
    {"line", "line", kDouble},
};

// The fields of api-samples/gamma_event*.json in the order Gamma sends them, then the other
// documented ones.
constexpr FieldSpec kEventFields[] = {
    {"$schema", "json_schema"},
    {"id", "id", kVarchar, kRequired},
    {"ticker", "ticker"},
    {"slug", "slug"},
    {"title", "title"},
    {"description", "description"},
    {"resolutionSource", "resolution_source"},
    {"startDate", "start_date", kTimestamp},
    {"creationDate", "creation_date", kTimestamp},
    {"endDate", "end_date", kTimestamp},
    {"image", "image"},
    {"icon", "icon"},
    {"active", "active", kBoolean},
    {"closed", "closed", kBoolean},
    {"archived", "archived", kBoolean},
    {"new", "new", kBoolean},
    {"featured", "featured", kBoolean},
    {"restricted", "restricted", kBoolean},
    {"liquidity", "liquidity", kDouble},
    {"volume", "volume", kDouble},
    {"openInterest", "open_interest", kDouble},
    {"sortBy", "sort_by"},
    {"createdAt", "created_at", kTimestamp},
    {"updatedAt", "updated_at", kTimestamp},
    {"competitive", "competitive", kDouble},
    {"volume24hr", "volume_24hr", kDouble},
    {"volume1wk", "volume_1wk", kDouble},
    {"volume1mo", "volume_1mo", kDouble},
    {"volume1yr", "volume_1yr", kDouble},
    {"enableOrderBook", "enable_order_book", kBoolean},
    {"liquidityClob", "liquidity_clob", kDouble},
    {"negRisk", "neg_risk", kBoolean},
    {"negRiskMarketID", "neg_risk_market_id"},
    {"commentCount", "comment_count", kBigint},
    {"markets", "market_ids", kVarcharList, kCustom},
    {"", "market_condition_ids", kVarcharList, kFilled},
    {"series", "series", kJson},
    {"tags", "tags", kJson},
    {"cyom", "cyom", kBoolean},
    {"closedTime", "closed_time", kTimestamp},
    {"showAllOutcomes", "show_all_outcomes", kBoolean},
    {"showMarketImages", "show_market_images", kBoolean},
    {"automaticallyResolved", "automatically_resolved", kBoolean},
    {"enableNegRisk", "enable_neg_risk", kBoolean},
    {"automaticallyActive", "automatically_active", kBoolean},
    {"startTime", "start_time", kTimestamp},
    {"gmpChartMode", "gmp_chart_mode"},
    {"seriesSlug", "series_slug"},
    {"negRiskAugmented", "neg_risk_augmented", kBoolean},
    {"countryName", "country_name"},
    {"electionType", "election_type"},
    {"estimateValue", "estimate_value", kBoolean},
    {"cumulativeMarkets", "cumulative_markets", kBoolean},
    {"pendingDeployment", "pending_deployment", kBoolean},
    {"deploying", "deploying", kBoolean},
    {"deployingTimestamp", "deploying_timestamp", kTimestamp},
    {"requiresTranslation", "requires_translation", kBoolean},
    {"eventMetadata", "event_metadata", kJson},
    {"version", "version"},
    // Documented, absent from the samples.
    {"subtitle", "subtitle"},
    {"category", "category"},
    {"subcategory", "subcategory"},
    {"isTemplate", "is_template", kBoolean},
    {"templateVariables", "template_variables"},
    {"published_at", "published_at", kTimestamp},
    {"createdBy", "created_by"},
    {"updatedBy", "updated_by"},
    {"commentsEnabled", "comments_enabled", kBoolean},
    {"featuredImage", "featured_image"},
    {"disqusThread", "disqus_thread"},
    {"parentEvent", "parent_event"},
    {"liquidityAmm", "liquidity_amm", kDouble},
    {"negRiskFeeBips", "neg_risk_fee_bips", kBigint},
    {"imageOptimized", "image_optimized", kJson},
    {"iconOptimized", "icon_optimized", kJson},
    {"featuredImageOptimized", "featured_image_optimized", kJson},
    {"subEvents", "sub_events", kVarcharList},
    {"categories", "categories", kJson},
    {"collections", "collections", kJson},
    {"eventDate", "event_date", kTimestamp},
    {"eventWeek", "event_week", kBigint},
    {"score", "score"},
    {"elapsed", "elapsed"},
    {"period", "period"},
    {"live", "live", kBoolean},
    {"ended", "ended", kBoolean},
    {"finishedTimestamp", "finished_timestamp", kTimestamp},
    {"eventCreators", "event_creators", kJson},
    {"tweetCount", "tweet_count", kBigint},
    {"chats", "chats", kJson},
    {"featuredOrder", "featured_order", kBigint},
    {"cantEstimate", "cant_estimate", kBoolean},
    {"estimatedValue", "estimated_value"},
    {"templates", "templates", kJson},
    {"spreadsMainLine", "spreads_main_line", kDouble},
    {"totalsMainLine", "totals_main_line", kDouble},
    {"carouselMap", "carousel_map"},
    {"scheduledDeploymentTimestamp", "scheduled_deployment_timestamp", kTimestamp},
    {"gameStatus", "game_status"},
};

constexpr FieldSpec kTagFields[] = {
    {"id", "id", kVarchar, kRequired},
    {"label", "label"},
    {"slug", "slug"},
    {"forceShow", "force_show", kBoolean},
    {"forceHide", "force_hide", kBoolean},
    {"isCarousel", "is_carousel", kBoolean},
    {"publishedAt", "published_at", kTimestamp},
    {"createdBy", "created_by", kBigint},
    {"updatedBy", "updated_by", kBigint},
    {"createdAt", "created_at", kTimestamp},
    {"updatedAt", "updated_at", kTimestamp},
    {"requiresTranslation", "requires_translation", kBoolean},
    {"parentCategory", "parent_category"},
};

const RowDecoder& Markets() {
  static const RowDecoder decoder("gamma_markets", kMarketFields, "");
  return decoder;
}

const RowDecoder& Events() {
  static const RowDecoder decoder("gamma_events", kEventFields, "");
  return decoder;
}

const RowDecoder& Tags() {
  static const RowDecoder decoder("gamma_categories", kTagFields, "");
  return decoder;
}

// Reads a string, or a number as its raw text, into `out` ("" for anything else).
simdjson::error_code IdText(ondemand::value value, std::string& out) {
  ondemand::json_type kind;
  if (auto e = value.type().get(kind)) return e;
  out.clear();
  if (kind == ondemand::json_type::string) {
    std::string_view s;
    if (auto e = value.get_string().get(s)) return e;
    out = s;
  } else if (kind == ondemand::json_type::number) {
    const std::string_view token = TrimToken(value.raw_json_token());
    if (!IsJsonNumber(token)) return simdjson::NUMBER_ERROR;
    out = token;
  }
  return simdjson::SUCCESS;
}

// An event's nested markets[] -> market_ids and market_condition_ids, index-aligned.
class MarketRefs : public CustomField {
 public:
  Read Decode(std::string_view, ondemand::value value, Row& row,
              simdjson::error_code& error) override {
    ondemand::json_type kind;
    if ((error = value.type().get(kind))) return Read::kBroken;
    if (kind == ondemand::json_type::null) return Read::kDone;
    if (kind != ondemand::json_type::array) return Read::kWrongType;
    ondemand::array array;
    if ((error = value.get_array().get(array))) return Read::kBroken;
    std::vector<std::string> ids, condition_ids;
    for (auto element : array) {
      ondemand::value market;
      if ((error = std::move(element).get(market))) return Read::kBroken;
      ondemand::object object;
      if (market.get_object().get(object)) {
        std::string ignored;  // not a market: validated, then left out of both lists
        if ((error = AppendMinified(market, ignored))) return Read::kBroken;
        continue;
      }
      std::string id, condition_id;
      for (auto field_result : object) {
        ondemand::field field;
        if ((error = std::move(field_result).get(field))) return Read::kBroken;
        std::string_view key;
        if ((error = field.unescaped_key().get(key))) return Read::kBroken;
        if (key == "id") {
          if ((error = IdText(field.value(), id))) return Read::kBroken;
        } else if (key == "conditionId") {
          if ((error = IdText(field.value(), condition_id))) return Read::kBroken;
        }
      }
      ids.push_back(std::move(id));
      condition_ids.push_back(std::move(condition_id));
    }
    static const int ids_column = Events().column("market_ids");
    static const int condition_ids_column = Events().column("market_condition_ids");
    row[ids_column] = std::move(ids);
    row[condition_ids_column] = std::move(condition_ids);
    return Read::kDone;
  }
  void Finish(Row&, bool) override {}
};

Result<GammaPage> ParsePage(Parser& parser, std::string_view body, const Lineage& lineage,
                            const RowDecoder& decoder, std::string_view list_key,
                            CustomField* custom) {
  GammaPage page;
  std::string error = ParseListBody(parser.state(), body, decoder, decoder.Prototype(lineage),
                                    lineage, list_key, page, &page.next_cursor, custom);
  if (!error.empty()) return Result<GammaPage>::Error(std::move(error));
  return page;
}

Result<RowPage> ParseOne(Parser& parser, std::string_view body, const Lineage& lineage,
                         const RowDecoder& decoder, CustomField* custom) {
  RowPage page;
  std::string error = ParseObjectBody(parser.state(), body, decoder, decoder.Prototype(lineage),
                                      lineage, page, custom);
  if (!error.empty()) return Result<RowPage>::Error(std::move(error));
  return page;
}

std::string KeysetUrl(std::string_view base, std::string_view path, bool closed, int limit,
                      std::string_view after_cursor) {
  UrlBuilder url(base, path);
  url.Param("limit", limit).Param("closed", closed ? "true" : "false");
  if (!after_cursor.empty()) url.Param("after_cursor", after_cursor);
  return url.url();
}

}  // namespace

const bronze::Schema& GammaMarketsSchema() {
  return Markets().schema();
}
const bronze::Schema& GammaEventsSchema() {
  return Events().schema();
}
const bronze::Schema& GammaCategoriesSchema() {
  return Tags().schema();
}

std::string GammaMarketsKeysetUrl(std::string_view base, bool closed, int limit,
                                  std::string_view after_cursor) {
  return KeysetUrl(base, "/markets/keyset", closed, limit, after_cursor);
}

std::string GammaEventsKeysetUrl(std::string_view base, bool closed, int limit,
                                 std::string_view after_cursor) {
  return KeysetUrl(base, "/events/keyset", closed, limit, after_cursor);
}

std::string GammaTagsUrl(std::string_view base, int limit, int64_t offset) {
  UrlBuilder url(base, "/tags");
  url.Param("limit", limit).Param("offset", offset);
  return url.url();
}

Result<GammaPage> ParseGammaMarketsPage(Parser& parser, std::string_view body,
                                        const Lineage& lineage) {
  return ParsePage(parser, body, lineage, Markets(), "markets", nullptr);
}

Result<RowPage> ParseGammaMarket(Parser& parser, std::string_view body, const Lineage& lineage) {
  return ParseOne(parser, body, lineage, Markets(), nullptr);
}

Result<GammaPage> ParseGammaEventsPage(Parser& parser, std::string_view body,
                                       const Lineage& lineage) {
  MarketRefs refs;
  return ParsePage(parser, body, lineage, Events(), "events", &refs);
}

Result<RowPage> ParseGammaEvent(Parser& parser, std::string_view body, const Lineage& lineage) {
  MarketRefs refs;
  return ParseOne(parser, body, lineage, Events(), &refs);
}

Result<RowPage> ParseGammaTags(Parser& parser, std::string_view body, const Lineage& lineage) {
  RowPage page;
  std::string error =
      ParseListBody(parser.state(), body, Tags(), Tags().Prototype(lineage), lineage, "", page);
  if (!error.empty()) return Result<RowPage>::Error(std::move(error));
  return page;
}

}  // namespace polypipe::api
