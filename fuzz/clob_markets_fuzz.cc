// CLOB GET /markets pages and GET /markets/{condition_id} bodies (ParseClobMarketsPage,
// ParseClobMarket).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/clob_api.h"
#include "fuzz/fuzz_check.h"

namespace {

void Check(polypipe::api::Result<polypipe::api::ClobMarketsPage>& page) {
  using namespace polypipe;
  if (!page.ok()) return;
  fuzz::CheckPage(api::ClobMarketsSchema(), page->markets);
  fuzz::CheckPage(api::MarketTokensSchema(), page->tokens);
  fuzz::Require(page->end || !page->next_cursor.empty(),
                "a page that is not the end needs a cursor");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace polypipe;
  static api::Parser parser;  // reused across inputs, as a fetch worker reuses its own
  static const api::Lineage lineage = fuzz::FuzzLineage(api::kClobMarketsRoute);
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto page = api::ParseClobMarketsPage(parser, body, lineage);
  Check(page);
  auto one = api::ParseClobMarket(parser, body, lineage);
  Check(one);
  return 0;
}
