// Gamma GET /tags bodies (ParseGammaTags).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/gamma_api.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace polypipe;
  static api::Parser parser;
  static const api::Lineage lineage = fuzz::FuzzLineage(api::kGammaTagsRoute);
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto page = api::ParseGammaTags(parser, body, lineage);
  if (page.ok()) fuzz::CheckPage(api::GammaCategoriesSchema(), *page);
  return 0;
}
