// Lineage: where and when a row was fetched, stamped into the last three columns of every Bronze
// row (`_fetched_at`, `_run_id`, `_source`).
//
// Thread-safety: a plain value.

#pragma once

#include <cstdint>
#include <string>

namespace polypipe::api {

struct Lineage {
  int64_t fetched_at_us = 0;  // microseconds since the Unix epoch, UTC
  std::string run_id;
  std::string source;  // the route, e.g. "data:/v2/trades" (see the k*Route constants)
};

}  // namespace polypipe::api
