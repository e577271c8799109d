// Gamma GET /markets/keyset pages, the offset list and single markets (ParseGammaMarketsPage,
// ParseGammaMarket).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/gamma_api.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace polypipe;
  static api::Parser parser;
  static const api::Lineage lineage = fuzz::FuzzLineage(api::kGammaMarketsRoute);
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto page = api::ParseGammaMarketsPage(parser, body, lineage);
  if (page.ok()) fuzz::CheckPage(api::GammaMarketsSchema(), *page);
  auto one = api::ParseGammaMarket(parser, body, lineage);
  if (one.ok()) fuzz::CheckPage(api::GammaMarketsSchema(), *one);
  return 0;
}
