// Invariants every fuzz target asserts on what a parser returned for arbitrary bytes.
//
// A parser may refuse a body or skip objects, but what it does return must be usable downstream:
// every row fits its dataset's Schema (the Sink would otherwise drop it), and repairing its text
// leaves it fitting. A broken invariant aborts, which libFuzzer reports as a crash and the replay
// test as a failure.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "api/lineage.h"
#include "api/row_page.h"
#include "bronze/row.h"
#include "bronze/row_check.h"

namespace polypipe::fuzz {

// Prints `what` and aborts: the fuzzer's "crash" for a broken invariant.
[[noreturn]] inline void Fail(std::string_view what) {
  std::fprintf(stderr, "fuzz invariant broken: %.*s\n", static_cast<int>(what.size()), what.data());
  std::abort();
}

inline void Require(bool condition, std::string_view what) {
  if (!condition) Fail(what);
}

// True if `text` is JSON by RFC 8259. A number beyond a double's range is JSON (the grammar sets
// no limit; the parsers keep such a value verbatim in `_extra`), though nlohmann refuses it.
inline bool IsJson(const std::string& text) {
  try {
    return !nlohmann::json::parse(text).is_discarded();
  } catch (const nlohmann::json::out_of_range&) {
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

// Every row of `page` fits `schema`, before and after RepairRowText, and every JSON cell (nested
// objects, `_extra`) holds JSON that Silver can read back.
inline void CheckPage(const bronze::Schema& schema, api::RowPage& page) {
  std::string why;
  for (bronze::Row& row : page.rows) {
    if (!bronze::CheckRow(schema, row, &why)) Fail(schema.dataset + ": " + why);
    bronze::RepairRowText(&row);
    if (!bronze::CheckRow(schema, row, &why)) Fail(schema.dataset + " after repair: " + why);
    for (size_t i = 0; i < row.size(); ++i) {
      const auto* text = std::get_if<std::string>(&row[i]);
      if (text && schema.columns[i].type == bronze::ColumnType::kJson && !IsJson(*text)) {
        Fail(schema.dataset + "." + schema.columns[i].name + " is not JSON: " + *text);
      }
    }
  }
}

inline api::Lineage FuzzLineage(std::string_view route) {
  return api::Lineage{1'767'225'600'000'000, "20260101T000000Z", std::string(route)};
}

}  // namespace polypipe::fuzz
