#include "fetch/leaderboard_fetcher.h"

#include <fmt/core.h>

#include <string>
#include <unordered_set>
#include <vector>

#include "api/data_api.h"
#include "api/parser.h"
#include "fetch/sweep.h"

namespace polypipe::fetch {
namespace {

struct Board {
  std::string category, period, order;
  std::string Key() const { return fmt::format("board:{}:{}:{}", category, period, order); }
};

// The wallets one board has served during this sweep. The board can shift between two of its
// pages (someone enters above), so one wallet is served twice; the rows are kept as served and the
// repeats counted. A sweep resumed after a restart does not know the wallets of the pages
// committed before it, so a repeat across the restart goes uncounted (its rows are still kept).
class BoardWallets {
 public:
  // Remembers the wallets of `rows`; returns how many of them this board had already served.
  int64_t Add(const std::vector<bronze::Row>& rows) {
    static const int column = api::LeaderboardSchema().Index("proxy_wallet");
    int64_t repeats = 0;
    for (const bronze::Row& row : rows) {
      const auto* wallet = std::get_if<std::string>(&row[column]);
      if (wallet != nullptr && !seen_.insert(*wallet).second) ++repeats;
    }
    return repeats;
  }

 private:
  std::unordered_set<std::string> seen_;  // at most 1,050 rows per board
};

// Walks one board; true when complete.
bool FetchBoard(Context& ctx, http::Client& client, api::Parser& parser, const Board& board) {
  const std::string base = ctx.config().api.data_api_base;
  const std::optional<Sweep> saved = Sweep::For(ctx, "leaderboard", board.Key());
  if (!saved) return false;
  Sweep sweep = *saved;
  BoardWallets wallets;
  while (!sweep.done && !ctx.stopping()) {
    const int64_t offset = sweep.cursor.empty() ? 0 : std::stoll(sweep.cursor);
    const http::Request request{
        api::LeaderboardUrl(base, board.category, board.period, board.order,
                            api::kLeaderboardPageSize, static_cast<int>(offset)),
        "data_leaderboard", "data"};
    auto page = FetchPage<api::RowPage>(
        ctx, client, request, nullptr, "leaderboard", [&](std::string_view body) {
          return api::ParseLeaderboardPage(parser, body, ctx.run_started_us(), board.category,
                                           board.period, board.order,
                                           ctx.Lineage(std::string(api::kLeaderboardRoute)));
        });
    if (!page) return false;
    ctx.RecordSkips("leaderboard", page->skipped);
    const int64_t n = static_cast<int64_t>(page->rows.size() + page->skipped.size());
    const int64_t repeats = wallets.Add(page->rows);
    Sweep next = sweep;
    ++next.pages;
    next.rows += static_cast<int64_t>(page->rows.size());
    next.cursor = std::to_string(offset + api::kLeaderboardPageSize);
    // A short page is the board's end; the API serves offsets up to 1000.
    next.done = n < api::kLeaderboardPageSize ||
                offset + api::kLeaderboardPageSize > api::kLeaderboardMaxOffset;
    if (!ctx.Append("leaderboard", std::move(page->rows), {{board.Key(), next.ToJson()}})) {
      return false;
    }
    if (repeats > 0) {
      ctx.counters("leaderboard").anomalies.Add("wallet served twice in one board", repeats);
    }
    sweep = next;
  }
  return sweep.done;
}

}  // namespace

bool FetchLeaderboard(Context& ctx, int workers) {
  std::vector<Board> boards;
  for (std::string_view c : api::kLeaderboardCategories) {
    for (std::string_view p : api::kLeaderboardPeriods) {
      for (std::string_view o : api::kLeaderboardOrders) {
        boards.push_back({std::string(c), std::string(p), std::string(o)});
      }
    }
  }
  DatasetCounters& counters = ctx.counters("leaderboard");
  counters.units_total = static_cast<int64_t>(boards.size());
  const bool complete = ctx.RunTasks(boards.size(), workers,
                                     [&](http::Client& client, api::Parser& parser, size_t i) {
                                       if (!FetchBoard(ctx, client, parser, boards[i]))
                                         return false;
                                       counters.units_done.fetch_add(1, std::memory_order_relaxed);
                                       return true;
                                     });
  return complete && MarkSnapshotComplete(ctx, "leaderboard");
}

}  // namespace polypipe::fetch
