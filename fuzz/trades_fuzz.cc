// Data API GET /v2/trades bodies (ParseTradesPage).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/data_api.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace polypipe;
  static api::Parser parser;
  static const api::Lineage lineage = fuzz::FuzzLineage(api::kTradesRoute);
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto page = api::ParseTradesPage(parser, body, lineage);
  if (!page.ok()) return 0;
  fuzz::CheckPage(api::TradesSchema(), *page);
  fuzz::Require(!page->has_more || page->next_cursor.has_value(), "has_more without a cursor");
  return 0;
}
