#include "fetch/markets_fetcher.h"

#include <algorithm>
#include <set>

#include "api/clob_api.h"
#include "api/parser.h"
#include "fetch/sweep.h"

namespace polypipe::fetch {
namespace {

constexpr const char* kSweepKey = "sweep";

nlohmann::json SweepProgress(const Sweep& s) {
  nlohmann::json p = {{kSweepKey, s.ToJson()}};
  if (s.done) p[kCompleteRunKey] = s.run_id;  // the snapshot is complete with this page
  return p;
}

}  // namespace

bool FetchMarkets(Context& ctx) {
  const std::string base = ctx.config().api.clob_api_base;
  const std::optional<Sweep> saved_markets = Sweep::For(ctx, "markets", kSweepKey);
  const std::optional<Sweep> saved_tokens = Sweep::For(ctx, "market_tokens", kSweepKey);
  if (!saved_markets || !saved_tokens) return false;
  Sweep markets = *saved_markets, tokens = *saved_tokens;
  if (markets.done && tokens.done) return true;

  // Resume from the dataset that is behind.
  Sweep at = markets.pages <= tokens.pages ? markets : tokens;
  std::string cursor = at.cursor;
  int64_t page = at.pages;
  int64_t listed = at.rows;  // markets listed so far, for --limit
  auto client = ctx.NewClient();
  api::Parser parser;
  const int token_id_column = api::MarketTokensSchema().Index("condition_id");
  const int market_id_column = api::ClobMarketsSchema().Index("condition_id");

  while (!ctx.stopping()) {
    const http::Request request{api::ClobMarketsUrl(base, cursor), "clob_markets", "clob"};
    auto parsed = FetchPage<api::ClobMarketsPage>(
        ctx, *client, request, nullptr, "markets", [&](std::string_view body) {
          return api::ParseClobMarketsPage(parser, body,
                                           ctx.Lineage(std::string(api::kClobMarketsRoute)));
        });
    if (!parsed) return false;
    ctx.RecordSkips("markets", parsed->markets.skipped);
    ctx.RecordSkips("market_tokens", parsed->tokens.skipped);
    ++page;
    bool end = parsed->end;
    if (ctx.limit() > 0 &&
        listed + static_cast<int64_t>(parsed->markets.rows.size()) >= ctx.limit()) {
      // --limit: keep the first markets of the list and the tokens of those only.
      parsed->markets.rows.resize(static_cast<size_t>(ctx.limit() - listed));
      std::set<std::string> kept;
      for (const auto& row : parsed->markets.rows) {
        kept.insert(std::get<std::string>(row[static_cast<size_t>(market_id_column)]));
      }
      std::erase_if(parsed->tokens.rows, [&](const bronze::Row& row) {
        return !kept.count(std::get<std::string>(row[static_cast<size_t>(token_id_column)]));
      });
      end = true;
    }
    listed += static_cast<int64_t>(parsed->markets.rows.size());
    const std::string next = end ? "" : parsed->next_cursor;
    if (page > markets.pages) {
      markets = {ctx.run_id(), next, page,
                 markets.rows + static_cast<int64_t>(parsed->markets.rows.size()), end};
      if (!ctx.Append("markets", std::move(parsed->markets.rows), SweepProgress(markets)))
        return false;
    }
    if (page > tokens.pages) {
      tokens = {ctx.run_id(), next, page, listed, end};
      if (!ctx.Append("market_tokens", std::move(parsed->tokens.rows), SweepProgress(tokens)))
        return false;
    }
    if (end) break;
    cursor = next;
  }
  return markets.done && tokens.done;
}

}  // namespace polypipe::fetch
