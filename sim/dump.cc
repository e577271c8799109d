// polysim --dump: every page the list routes serve, written as the JSON bodies the routes return,
// by following each route's own cursors. Benchmarks read these as a baseline.

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "sim/server.h"

namespace polysim {
namespace {

namespace fs = std::filesystem;

class PageWriter {
 public:
  explicit PageWriter(fs::path root) : root_(std::move(root)) {}

  void Write(const fs::path& relative, const SimResponse& resp) {
    if (resp.status != 200) {
      throw std::runtime_error(fmt::format("dump: {} answered {}", relative.string(), resp.status));
    }
    const fs::path path = root_ / relative;
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary);
    out << resp.body;
    if (!out) throw std::runtime_error("dump: cannot write " + path.string());
    ++files_;
  }
  int64_t files() const { return files_; }

 private:
  fs::path root_;
  int64_t files_ = 0;
};

SimRequest Query(std::initializer_list<std::pair<const std::string, std::string>> params) {
  SimRequest r;
  r.params = params;
  return r;
}

}  // namespace

int64_t DumpUniverse(const Universe& u, const ServeOptions& serve, const std::string& dir) {
  PageWriter out(dir);

  // CLOB market list.
  std::string cursor = "MA==";
  for (int page = 1; cursor != "LTE="; ++page) {
    SimResponse resp = ClobMarkets(u, serve, Query({{"next_cursor", cursor}}));
    out.Write(fmt::format("clob/markets/page-{:05}.json", page), resp);
    cursor = nlohmann::json::parse(resp.body).at("next_cursor").get<std::string>();
  }

  // Trades: one cursor-paged feed per listed market, 1000 per page, dust fills included.
  const PriceSettings prices;
  for (int k = 0; k < u.clob_market_count(); ++k) {
    const MarketRecord& m = u.market_record(u.clob_market(k));
    std::string next;
    for (int page = 1;; ++page) {
      SimRequest r = Query({{"condition", u.ConditionId(m.index)},
                            {"limit", "1000"},
                            {"filter_type", "TOKENS"},
                            {"filter_amount", "0"}});
      if (!next.empty()) r.params.emplace("cursor", next);
      SimResponse resp = DataTradesV2(u, r);
      out.Write(fmt::format("data/v2/trades/market-{:07}-{:05}.json", m.index, page), resp);
      const auto next_json = nlohmann::json::parse(resp.body).at("pagination").at("next_cursor");
      if (next_json.is_null()) break;
      next = next_json.get<std::string>();
    }
    // Price history: 15-day windows at the fidelity a default fetch ends with.
    const int fidelity = u.TruthFidelity(m, prices);
    if (fidelity == 0) continue;
    const int64_t end = std::min(m.end, u.now());
    for (int o = 0; o < 2; ++o) {
      int window = 1;
      for (int64_t from = m.start; from <= end; from += 15 * 86'400, ++window) {
        const int64_t to = std::min(end, from + 15 * 86'400 - 1);
        SimResponse resp = ClobPricesHistory(u, Query({{"market", u.TokenId(m.index, o)},
                                                       {"startTs", std::to_string(from)},
                                                       {"endTs", std::to_string(to)},
                                                       {"fidelity", std::to_string(fidelity)}}));
        out.Write(fmt::format("clob/prices-history/market-{:07}-{}-{:04}.json", m.index, o, window),
                  resp);
      }
    }
  }

  // Leaderboards: every category x period x order, 50 per page up to offset 1000.
  for (const char* c : kBoardCategories) {
    for (const char* p : kBoardPeriods) {
      for (const char* o : kBoardOrders) {
        for (int offset = 0; offset <= 1000; offset += 50) {
          SimResponse resp = DataLeaderboard(u, Query({{"category", c},
                                                       {"timePeriod", p},
                                                       {"orderBy", o},
                                                       {"limit", "50"},
                                                       {"offset", std::to_string(offset)}}));
          if (resp.body == "[]") break;
          out.Write(fmt::format("data/v1/leaderboard/{}-{}-{}-{:04}.json", c, p, o, offset), resp);
        }
      }
    }
  }

  // Gamma keyset lists, both `closed` sweeps, and tags.
  for (const char* kind : {"markets", "events"}) {
    for (const char* closed : {"false", "true"}) {
      std::string after;
      for (int page = 1;; ++page) {
        SimRequest r = Query({{"limit", "100"}, {"closed", closed}});
        if (!after.empty()) r.params.emplace("after_cursor", after);
        SimResponse resp = std::string(kind) == "markets" ? GammaMarketsKeyset(u, serve, r)
                                                          : GammaEventsKeyset(u, serve, r);
        out.Write(fmt::format("gamma/{}/keyset/closed-{}-{:05}.json", kind, closed, page), resp);
        const auto body = nlohmann::json::parse(resp.body);
        if (!body.contains("next_cursor")) break;
        after = body.at("next_cursor").get<std::string>();
      }
    }
  }
  for (int offset = 0;; offset += 100) {
    SimResponse resp = GammaTags(u, Query({{"limit", "100"}, {"offset", std::to_string(offset)}}));
    if (resp.body == "[]") break;
    out.Write(fmt::format("gamma/tags/page-{:05}.json", offset / 100 + 1), resp);
  }
  return out.files();
}

}  // namespace polysim
