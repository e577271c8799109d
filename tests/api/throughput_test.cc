// Rough parsing speed on realistic pages from polysim, printed for the record (never asserted:
// timings depend on the machine and its load).

#include <gtest/gtest.h>

#include <chrono>

#include "api/clob_api.h"
#include "api/data_api.h"
#include "api/gamma_api.h"
#include "tests/sim/sim_client.h"

namespace polypipe::api {
namespace {

template <typename ParseFn>
void Measure(const char* what, const std::string& body, int repeats, ParseFn parse) {
  int64_t rows = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < repeats; ++i) rows += parse(body);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << what << ": " << rows << " rows in " << seconds
            << " s = " << static_cast<int64_t>(rows / seconds) << " rows/s, "
            << static_cast<int64_t>(body.size() * repeats / seconds / 1e6) << " MB/s\n";
  EXPECT_GT(rows, 0);
}

TEST(Throughput, PagesFromPolysim) {
  polysim::testing::SimClient sim;
  const auto truth = sim.Truth();
  std::string busiest;
  int64_t most = -1;
  for (const auto& [cid, n] : truth["market_trades"].items()) {
    if (n.get<int64_t>() > most) {
      most = n.get<int64_t>();
      busiest = cid;
    }
  }
  auto trades = sim.Get(TradesUrl("/data", {busiest}, kTradesPageSize));
  auto gamma = sim.Get(GammaMarketsKeysetUrl("/gamma", true, kGammaPageSize));
  auto clob = sim.Get(ClobMarketsUrl("/clob"));
  ASSERT_TRUE(trades && gamma && clob);

  Parser parser;
  const Lineage lineage{1, "bench", std::string(kTradesRoute)};
  Measure("trades (1000-row pages)", trades->body, 200, [&](const std::string& body) {
    auto page = ParseTradesPage(parser, body, lineage);
    return page.ok() ? static_cast<int64_t>(page->rows.size()) : 0;
  });
  Measure("gamma_markets (100-row pages)", gamma->body, 100, [&](const std::string& body) {
    auto page = ParseGammaMarketsPage(parser, body, lineage);
    return page.ok() ? static_cast<int64_t>(page->rows.size()) : 0;
  });
  Measure("markets + tokens (CLOB page)", clob->body, 100, [&](const std::string& body) {
    auto page = ParseClobMarketsPage(parser, body, lineage);
    return page.ok() ? static_cast<int64_t>(page->markets.rows.size() + page->tokens.rows.size())
                     : 0;
  });
}

}  // namespace
}  // namespace polypipe::api
