// CLOB GET /prices-history bodies, one token (ParsePricesHistory).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/clob_api.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace polypipe;
  static api::Parser parser;
  static const api::Lineage lineage = fuzz::FuzzLineage(api::kPricesHistoryRoute);
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto page = api::ParsePricesHistory(parser, body, "1234567890", 60, lineage);
  if (page.ok()) fuzz::CheckPage(api::PricesSchema(), *page);
  return 0;
}
