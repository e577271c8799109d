#include "fetch/gamma_fetcher.h"

#include <fmt/core.h>

#include "api/gamma_api.h"
#include "api/parser.h"
#include "fetch/sweep.h"

namespace polypipe::fetch {
namespace {

struct ListInfo {
  const char* dataset;
  const char* key;  // progress key of the sweep
  const char* route;
  const char* source;
  bool closed;
};

ListInfo Info(GammaList list) {
  switch (list) {
    case GammaList::kMarketsOpen:
      return {"gamma_markets", "sweep:closed=false", "gamma_markets", "gamma:/markets/keyset",
              false};
    case GammaList::kMarketsClosed:
      return {"gamma_markets", "sweep:closed=true", "gamma_markets", "gamma:/markets/keyset", true};
    case GammaList::kEventsOpen:
      return {"gamma_events", "sweep:closed=false", "gamma_events", "gamma:/events/keyset", false};
    case GammaList::kEventsClosed:
      return {"gamma_events", "sweep:closed=true", "gamma_events", "gamma:/events/keyset", true};
    case GammaList::kTags:
      return {"gamma_categories", "sweep:tags", "gamma_tags", "gamma:/tags", false};
  }
  return {};
}

}  // namespace

bool FetchGammaList(Context& ctx, http::Client& client, api::Parser& parser, GammaList list) {
  const ListInfo info = Info(list);
  const std::string base = ctx.config().api.gamma_api_base;
  const std::optional<Sweep> saved = Sweep::For(ctx, info.dataset, info.key);
  if (!saved) return false;
  Sweep sweep = *saved;
  while (!sweep.done && !ctx.stopping()) {
    std::string url;
    if (list == GammaList::kTags) {
      const int64_t offset = sweep.cursor.empty() ? 0 : std::stoll(sweep.cursor);
      url = api::GammaTagsUrl(base, api::kGammaTagsPageSize, offset);
    } else if (list == GammaList::kMarketsOpen || list == GammaList::kMarketsClosed) {
      url = api::GammaMarketsKeysetUrl(base, info.closed, api::kGammaPageSize, sweep.cursor);
    } else {
      url = api::GammaEventsKeysetUrl(base, info.closed, api::kGammaPageSize, sweep.cursor);
    }
    const http::Request request{url, info.route, "gamma"};
    auto page = FetchPage<api::GammaPage>(
        ctx, client, request, nullptr, info.dataset,
        [&](std::string_view body) -> api::Result<api::GammaPage> {
          const api::Lineage lineage = ctx.Lineage(info.source);
          if (list == GammaList::kTags) {
            auto tags = api::ParseGammaTags(parser, body, lineage);
            if (!tags.ok()) return api::Result<api::GammaPage>::Error(tags.error());
            api::GammaPage page;
            static_cast<api::RowPage&>(page) = std::move(tags).value();
            return page;
          }
          if (list == GammaList::kEventsOpen || list == GammaList::kEventsClosed) {
            return api::ParseGammaEventsPage(parser, body, lineage);
          }
          return api::ParseGammaMarketsPage(parser, body, lineage);
        });
    if (!page) return false;
    ctx.RecordSkips(info.dataset, page->skipped);
    const int64_t n =
        static_cast<int64_t>(page->rows.size()) + static_cast<int64_t>(page->skipped.size());
    Sweep next = sweep;
    ++next.pages;
    next.rows += static_cast<int64_t>(page->rows.size());
    if (list == GammaList::kTags) {
      next.cursor = std::to_string((sweep.cursor.empty() ? 0 : std::stoll(sweep.cursor)) + n);
      next.done = n == 0;
    } else {
      const std::string cursor = page->next_cursor.value_or("");
      if (!cursor.empty() && cursor == sweep.cursor) {
        // Gamma answers page 1 again when it ignores the cursor parameter: never loop on it.
        ctx.StreamError(info.dataset,
                        fmt::format("{}: the server repeated cursor {}", url, cursor));
        return false;
      }
      next.cursor = cursor;
      next.done = cursor.empty();
    }
    if (!ctx.Append(info.dataset, std::move(page->rows), {{info.key, next.ToJson()}})) return false;
    sweep = next;
  }
  return sweep.done;
}

}  // namespace polypipe::fetch
