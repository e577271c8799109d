#include "fetch/prices_fetcher.h"

#include <fmt/core.h>

#include <algorithm>

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

std::vector<PriceGroup> Plan(Context& ctx, const std::vector<ListedMarket>& markets) {
  const PriceResolution& res = ctx.config().price_resolution;
  const nlohmann::json progress = ctx.store().Progress("prices");
  const nlohmann::json trades = ctx.store().Progress("trades");
  const int64_t now = NowMicros() / 1'000'000;
  DatasetCounters& counters = ctx.counters("prices");

  std::vector<PriceGroup::Token> tokens;
  for (const ListedMarket& m : markets) {
    const auto state = trades.find(MarketTradeKey(m.condition_id));
    std::optional<int64_t> oldest_trade;
    if (state != trades.end() && state->is_object()) {
      if (const auto it = state->find("oldest"); it != state->end() && it->is_number_integer()) {
        oldest_trade = it->get<int64_t>();
      }
    }
    // A market that never had a book has no midpoint series. Where no source says, its trades
    // decide.
    if (!m.order_book && !(m.order_book_unknown && oldest_trade)) {
      counters.left_out.Add("no_book", static_cast<int64_t>(m.token_ids.size()));
      continue;
    }
    const std::optional<int64_t> start = m.start ? m.start : oldest_trade;
    if (!start) {
      counters.left_out.Add("no_start_date", static_cast<int64_t>(m.token_ids.size()));
      continue;
    }
    const int64_t end = m.closed ? std::min(now, m.end.value_or(now)) : now;
    const int base =
        m.volume.value_or(0) >= res.high_volume_threshold ? res.high_volume_fidelity : res.fidelity;
    for (const std::string& token_id : m.token_ids) {
      PriceGroup::Token t{token_id, *start, end, base, m.closed && m.volume.value_or(1) > 0,
                          !m.closed};
      if (!ctx.fresh()) {
        const auto it = progress.find(token_id);
        if (it != progress.end() && it->is_object()) {
          t.from = std::max(t.from, it->value("to", int64_t{0}) + 1);
          t.fidelity = it->value("f", t.fidelity);
          t.locked = it->value("locked", false);
        }
      }
      if (t.from <= t.to) tokens.push_back(std::move(t));
    }
  }
  // Tokens of similar fidelity and lifetime share requests.
  std::stable_sort(tokens.begin(), tokens.end(), [](const auto& a, const auto& b) {
    return std::tie(a.fidelity, a.from) < std::tie(b.fidelity, b.from);
  });
  std::vector<PriceGroup> groups;
  const int64_t window = static_cast<int64_t>(res.window_days) * kDaySeconds;
  for (size_t i = 0; i < tokens.size(); i += kTokensPerRequest) {
    std::vector<PriceGroup::Token> chunk(
        tokens.begin() + static_cast<std::ptrdiff_t>(i),
        tokens.begin() +
            static_cast<std::ptrdiff_t>(std::min(tokens.size(), i + kTokensPerRequest)));
    groups.emplace_back(std::move(chunk), res.ladder, window);
  }
  counters.units_total.fetch_add(static_cast<int64_t>(tokens.size()));  // called once per pass
  return groups;
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

bool FetchPrices(Context& ctx, const std::vector<ListedMarket>& markets, int workers) {
  std::vector<PriceGroup> groups = Plan(ctx, markets);
  return ctx.RunTasks(groups.size(), workers,
                      [&](http::Client& client, api::Parser& parser, size_t i) {
                        return RunGroup(ctx, client, parser, groups[i], groups[i].size());
                      });
}

}  // namespace polypipe::fetch
