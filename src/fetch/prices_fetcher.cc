#include "fetch/prices_fetcher.h"

#include <fmt/core.h>

#include <algorithm>
#include <charconv>
#include <memory>

#include "api/clob_api.h"
#include "api/parser.h"
#include "fetch/price_group.h"
#include "fetch/run_log.h"
#include "fetch/sweep.h"
#include "fetch/trades_fetcher.h"

namespace polypipe::fetch {
namespace {

constexpr size_t kTokensPerRequest = api::kMaxBatchPriceTokens;
constexpr int64_t kDaySeconds = 86'400;

// Tokens read from the plan per refill.
constexpr size_t kPlanBatch = 20'000;

int64_t Number(const std::optional<std::string_view>& text) {
  int64_t v = 0;
  if (text) std::from_chars(text->data(), text->data() + text->size(), v);
  return v;
}

// PricePlan: the token groups of one pass, handed out one at a time. The planning session decides
// each token's range and fidelity from its market and its committed progress, and orders the
// tokens so that those of similar fidelity and lifetime share requests (within each part of the
// list); the groups are built a batch at a time as the cursor reaches them.
class PricePlan {
 public:
  explicit PricePlan(Context& ctx) : ctx_(ctx) {}

  // Plans one pass over the markets of the list that `dated` selects: with a start date and a
  // known book, or the others. Counts the planned tokens (units_total) and those left out.
  bronze::Status Open(PlanningSession& list, bool dated);

  // The next group; nullopt when none is left.
  std::optional<PriceGroup> Next();

 private:
  Context& ctx_;
  PlanningSession* list_ = nullptr;  // planning, once Open succeeded
  std::vector<PriceGroup> ready_;    // handed out from the back
};

bronze::Status PricePlan::Open(PlanningSession& list, bool dated) {
  const PriceResolution& res = ctx_.config().price_resolution;
  const int64_t now = NowMicros() / 1'000'000;
  // Markets of the pass, with their oldest committed trade. A market that never had a book has no
  // midpoint series; where no source says, its trades decide. The series starts at the market's
  // start, else its oldest trade.
  // The streams' fields are taken out before the joins, so that what a join holds is a key and a
  // number or two per stream, not its JSON text (a 64 MB session plans millions of tokens).
  const std::string markets = fmt::format(
      "(SELECT l.*, ts.oldest FROM market_list l LEFT JOIN (SELECT substr(key, 8) AS "
      "condition_id, CASE WHEN json_type(json_extract(value, '$.oldest')) IN ('BIGINT', "
      "'UBIGINT') THEN TRY_CAST(json_extract_string(value, '$.oldest') AS BIGINT) END AS oldest "
      "FROM trades_streams WHERE starts_with(key, 'market:')) ts USING (condition_id) WHERE "
      "{}(l.start IS NOT NULL AND l.book <> 'unknown'))",
      dated ? "" : "NOT ");
  const std::string left_out =
      "CASE WHEN NOT (book = 'yes' OR (book = 'unknown' AND oldest IS NOT NULL)) THEN 'no_book' "
      "WHEN coalesce(start, oldest) IS NULL THEN 'no_start_date' END";
  const std::string tokens = fmt::format(
      "(SELECT m.*, {} AS reason, t.token_id, t.outcome_index FROM {} m JOIN listed_tokens t "
      "USING (condition_id))",
      left_out, markets);
  DatasetCounters& counters = ctx_.counters("prices");

  // One row per token: its range and fidelity, moved on by its committed progress.
  const std::string base =
      fmt::format("CASE WHEN coalesce(volume, 0) >= {} THEN {} ELSE {} END",
                  res.high_volume_threshold, res.high_volume_fidelity, res.fidelity);
  const std::string states =
      ctx_.fresh()
          ? "(SELECT NULL::VARCHAR AS token_id, NULL::BOOLEAN AS state, NULL::BIGINT AS s_to, "
            "NULL::INTEGER AS s_f, NULL::BOOLEAN AS s_locked WHERE false)"
          : "(SELECT key AS token_id, true AS state, TRY_CAST(json_extract_string(value, '$.to') "
            "AS BIGINT) AS s_to, TRY_CAST(json_extract_string(value, '$.f') AS INTEGER) AS s_f, "
            "TRY_CAST(json_extract_string(value, '$.locked') AS BOOLEAN) AS s_locked FROM "
            "prices_streams WHERE json_type(value) = 'OBJECT')";
  const std::string planned = fmt::format(
      "SELECT token_id, CASE WHEN state IS NULL THEN coalesce(start, oldest) ELSE "
      "greatest(coalesce(start, oldest), coalesce(s_to, 0) + 1) END AS from_ts, CASE WHEN closed "
      "THEN least({0}, coalesce(end_ts, {0})) ELSE {0} END AS to_ts, coalesce(s_f, {1}) AS "
      "fidelity, closed AND coalesce(volume, 1) > 0 AS traded, NOT closed AS open, "
      "coalesce(s_locked, false) AS locked, f, r, outcome_index FROM (SELECT t.*, ps.state, "
      "ps.s_to, ps.s_f, ps.s_locked FROM {3} t LEFT JOIN {2} ps USING (token_id) WHERE t.reason "
      "IS NULL)",
      now, base, states, tokens);
  const std::string kept = fmt::format("FROM ({}) WHERE from_ts <= to_ts", planned);
  counters.counting = true;
  PlanningSession::Plan plan;
  plan.streams = {{"trades", PlanningSession::StreamKeys::kMarket},
                  {"prices", PlanningSession::StreamKeys::kToken}};
  plan.count = [&counters, tokens, kept](duckdb_connection conn) {
    // Counted only once both queries have answered: a count that fails runs again.
    bronze::QueryResult reasons, count;
    bronze::Status s = bronze::QueryText(
        conn,
        fmt::format("SELECT reason, count(*) FROM {} WHERE reason IS NOT NULL GROUP BY reason",
                    tokens),
        &reasons);
    if (s.ok()) s = bronze::QueryText(conn, "SELECT count(*) " + kept, &count);
    if (!s.ok()) return s;
    for (const auto& row : reasons.rows) counters.left_out.Add(row[0].value_or(""), Number(row[1]));
    counters.units_total.fetch_add(Number(count.rows.at(0).at(0)));
    return s;
  };
  plan.counted = [&counters] { counters.counting = false; };
  plan.select = "SELECT token_id, from_ts, to_ts, fidelity, traded, open, locked " + kept +
                " ORDER BY fidelity, from_ts, f, r, outcome_index";
  list_ = &list;
  return list.Start(std::move(plan));
}

std::optional<PriceGroup> PricePlan::Next() {
  const PriceResolution& res = ctx_.config().price_resolution;
  const int64_t window = static_cast<int64_t>(res.window_days) * kDaySeconds;
  if (ready_.empty() && list_ && !ctx_.stopping()) {
    std::vector<PriceGroup::Token> tokens;
    while (tokens.size() < kPlanBatch) {
      const bronze::TextRow* row = list_->Next();
      if (row == nullptr) break;
      PriceGroup::Token t;
      t.token_id = std::string(row->values[0].value_or(""));
      t.from = Number(row->values[1]);
      t.to = Number(row->values[2]);
      t.fidelity = static_cast<int>(Number(row->values[3]));
      t.traded = row->values[4].value_or("") == "true";
      t.open = row->values[5].value_or("") == "true";
      t.locked = row->values[6].value_or("") == "true";
      tokens.push_back(std::move(t));
    }
    if (bronze::Status s = list_->status(); !s.ok()) {
      ctx_.Fatal("prices: cannot read the market list: " + s.message());
      return std::nullopt;
    }
    for (size_t i = 0; i < tokens.size(); i += kTokensPerRequest) {
      std::vector<PriceGroup::Token> chunk(
          tokens.begin() + static_cast<std::ptrdiff_t>(i),
          tokens.begin() +
              static_cast<std::ptrdiff_t>(std::min(tokens.size(), i + kTokensPerRequest)));
      ready_.emplace_back(std::move(chunk), res.ladder, window);
    }
    std::reverse(ready_.begin(), ready_.end());
  }
  if (ready_.empty()) return std::nullopt;
  std::optional<PriceGroup> group(std::move(ready_.back()));
  ready_.pop_back();
  return group;
}

// Walks one group to its end; true when complete.
bool RunGroup(Context& ctx, http::Client& client, api::Parser& parser, PriceGroup& group,
              int tokens) {
  const std::string url = api::BatchPricesUrl(ctx.config().api.clob_api_base);
  const int timestamp = api::PricesSchema().Index("timestamp");
  const int token_column = api::PricesSchema().Index("token_id");
  while (auto r = group.Next()) {
    if (ctx.stopping()) return false;
    const std::string body =
        api::BatchPricesBody(r->token_ids, r->start_ts, r->end_ts, r->fidelity);
    const http::Request request{url, "clob_batch_prices_history", "clob"};
    PageFailure failure;
    auto page = FetchPage<api::RowPage>(
        ctx, client, request, &body, "prices",
        [&](std::string_view text) {
          return api::ParseBatchPricesHistory(parser, text, r->fidelity,
                                              ctx.Lineage(std::string(api::kBatchPricesRoute)));
        },
        &failure);
    if (!page) {
      // The group's tokens keep their committed progress: the next run asks again.
      if (failure.unit) {
        std::string ids;
        for (const std::string& id : r->token_ids) ids += (ids.empty() ? "" : ",") + id;
        ctx.FailUnit({"prices", ids, request.route, failure.status, failure.error}, tokens);
      }
      return false;
    }
    ctx.RecordSkips("prices", page->skipped);
    std::map<std::string, int64_t> newest;
    std::erase_if(page->rows, [&](const bronze::Row& row) {
      const auto& id = std::get<std::string>(row[static_cast<size_t>(token_column)]);
      const int64_t t = std::get<int64_t>(row[static_cast<size_t>(timestamp)]);
      if (!group.InRange(id, t)) return true;
      auto [it, fresh] = newest.try_emplace(id, t);
      if (!fresh) it->second = std::max(it->second, t);
      return false;
    });
    nlohmann::json progress = group.Complete(newest);
    if (!ctx.Append("prices", std::move(page->rows), std::move(progress))) return false;
  }
  ctx.counters("prices").units_done.fetch_add(tokens, std::memory_order_relaxed);
  return true;
}

}  // namespace

bool FetchPrices(Context& ctx, PlanningSession& list, bool dated, int workers) {
  PricePlan plan(ctx);
  if (bronze::Status s = plan.Open(list, dated); !s.ok()) {
    ctx.Fatal("prices: cannot plan the run: " + s.message());
    return false;
  }
  return ctx.RunQueue(workers, [&](Context::Task* task) {
    std::optional<PriceGroup> next = plan.Next();
    if (!next) return false;
    auto group = std::make_shared<PriceGroup>(std::move(*next));
    *task = [&ctx, group](http::Client& client, api::Parser& parser) {
      return RunGroup(ctx, client, parser, *group, group->size());
    };
    return true;
  });
}

}  // namespace polypipe::fetch
