// RowPage: the Bronze rows one response body yielded for one dataset, and the objects it refused.
//
// Thread-safety: a plain value.

#pragma once

#include <cstdint>
#include <vector>

#include "api/skip.h"
#include "bronze/row.h"

namespace polypipe::api {

struct RowPage {
  std::vector<bronze::Row> rows;  // in the order the API sent them
  std::vector<Skip> skipped;
  // Optional fields whose value had an unexpected type (say a string where a number belongs): the
  // column is NULL and the value is kept verbatim in the row's `_extra` object, so nothing is lost.
  int64_t mistyped_fields = 0;
};

}  // namespace polypipe::api
