#include "fetch/trades_fetcher.h"

#include <fmt/core.h>

#include <set>

#include "api/data_api.h"
#include "api/parser.h"
#include "fetch/sweep.h"
#include "fetch/trade_feed.h"

namespace polypipe::fetch {
namespace {

constexpr size_t kMarketsPerFeed = api::kMaxConditionsPerTradesUrl;

struct PlannedFeed {
  std::string key;  // progress key "feed:<run>:<n>"
  TradeFeed feed;
};

TradeFeed::Columns TradeColumns() {
  const bronze::Schema& schema = api::TradesSchema();
  TradeFeed::Columns c;
  c.condition_id = schema.Index("condition_id");
  c.timestamp = schema.Index("timestamp");
  c.fill_seq = schema.Index("fill_seq");
  // Identical fills are equal on every API column (those before fill_seq).
  for (int i = 0; i < c.fill_seq; ++i) c.identity.push_back(i);
  return c;
}

std::vector<PlannedFeed> Plan(Context& ctx, const std::vector<ListedMarket>& markets) {
  const nlohmann::json progress = ctx.store().Progress("trades");
  const std::string prefix = fmt::format("feed:{}:", ctx.run_id());
  std::vector<PlannedFeed> feeds;
  std::set<std::string> in_feed;
  int64_t numbered = 0;
  for (const auto& [key, value] : progress.items()) {
    if (key.rfind(prefix, 0) != 0) continue;
    ++numbered;
    if (!value.is_object()) continue;  // finished
    if (auto feed = TradeFeed::FromJson(value); feed && !feed->finished()) {
      for (const std::string& id : feed->condition_ids()) in_feed.insert(id);
      feeds.push_back({key, std::move(*feed)});
    }
  }
  std::vector<TradeFeed::Member> members;
  auto close_feed = [&] {
    if (members.empty()) return;
    feeds.push_back({fmt::format("{}{}", prefix, numbered++), TradeFeed(std::move(members))});
    members.clear();
  };
  for (const ListedMarket& m : markets) {
    if (in_feed.count(m.condition_id)) continue;
    TradeFeed::Member member{m.condition_id, std::nullopt, m.closed, std::nullopt};
    if (!ctx.fresh()) {
      const auto it = progress.find(MarketTradeKey(m.condition_id));
      if (it != progress.end() && it->is_object()) {
        if (it->value("run", "") == ctx.run_id()) continue;  // completed earlier in this run
        if (it->value("done", false)) continue;              // closed and complete
        if (it->contains("w") && (*it)["w"].is_number_integer()) {
          member.watermark = (*it)["w"].get<int64_t>();
        }
        if (it->contains("oldest") && (*it)["oldest"].is_number_integer()) {
          member.oldest = (*it)["oldest"].get<int64_t>();
        }
      }
    }
    members.push_back(std::move(member));
    if (members.size() == kMarketsPerFeed) close_feed();
  }
  close_feed();
  return feeds;
}

// Pages one feed to its end; true when it finished.
bool RunFeed(Context& ctx, http::Client& client, api::Parser& parser, PlannedFeed& planned,
             const TradeFeed::Columns& columns) {
  const std::string base = ctx.config().api.data_api_base;
  TradeFeed& feed = planned.feed;
  DatasetCounters& counters = ctx.counters("trades");
  while (!feed.finished() && !ctx.stopping()) {
    const http::Request request{
        api::TradesUrl(base, feed.condition_ids(), api::kTradesPageSize, feed.cursor()),
        "data_v2_trades", "data"};
    auto page = FetchPage<api::TradesPage>(
        ctx, client, request, nullptr, "trades", [&](std::string_view body) {
          return api::ParseTradesPage(parser, body, ctx.Lineage(std::string(api::kTradesRoute)));
        });
    if (!page) return false;
    ctx.RecordSkips("trades", page->skipped);
    const std::string next = page->has_more ? page->next_cursor.value_or("") : "";
    feed.ApplyPage(columns, &page->rows, next);
    nlohmann::json progress = {{planned.key, feed.finished() ? nlohmann::json() : feed.ToJson()}};
    if (feed.finished()) {
      for (const TradeFeed::Member& m : feed.members()) {
        nlohmann::json state = {{"done", m.closed}, {"run", ctx.run_id()}};
        if (auto newest = feed.Newest(m.condition_id)) state["w"] = *newest;
        if (auto oldest = feed.Oldest(m.condition_id)) state["oldest"] = *oldest;
        progress[MarketTradeKey(m.condition_id)] = std::move(state);
      }
    }
    if (!ctx.Append("trades", std::move(page->rows), std::move(progress))) return false;
  }
  if (feed.finished()) {
    counters.units_done.fetch_add(static_cast<int64_t>(feed.members().size()),
                                  std::memory_order_relaxed);
  }
  return feed.finished();
}

}  // namespace

std::string MarketTradeKey(const std::string& condition_id) {
  return "market:" + condition_id;
}

bool FetchTrades(Context& ctx, const std::vector<ListedMarket>& markets, int workers) {
  std::vector<PlannedFeed> feeds = Plan(ctx, markets);
  DatasetCounters& counters = ctx.counters("trades");
  int64_t planned_markets = 0;
  for (const PlannedFeed& f : feeds)
    planned_markets += static_cast<int64_t>(f.feed.members().size());
  counters.units_total = planned_markets;
  const TradeFeed::Columns columns = TradeColumns();

  return ctx.RunTasks(feeds.size(), workers,
                      [&](http::Client& client, api::Parser& parser, size_t i) {
                        return RunFeed(ctx, client, parser, feeds[i], columns);
                      });
}

}  // namespace polypipe::fetch
