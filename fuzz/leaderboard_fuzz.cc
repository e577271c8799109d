// Data API GET /v1/leaderboard bodies (ParseLeaderboardPage).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/data_api.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace polypipe;
  static api::Parser parser;
  static const api::Lineage lineage = fuzz::FuzzLineage(api::kLeaderboardRoute);
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto page = api::ParseLeaderboardPage(parser, body, lineage.fetched_at_us, "OVERALL", "DAY",
                                        "PNL", lineage);
  if (page.ok()) fuzz::CheckPage(api::LeaderboardSchema(), *page);
  return 0;
}
