// Data API legacy GET /trades bodies (ParseTradesV1Page).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/data_api.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace polypipe;
  static api::Parser parser;
  static const api::Lineage lineage = fuzz::FuzzLineage(api::kTradesV1Route);
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto page = api::ParseTradesV1Page(parser, body, lineage);
  if (page.ok()) fuzz::CheckPage(api::TradesSchema(), *page);
  return 0;
}
