// RowDecoder: turns one JSON object of a Polymarket API into one Bronze row of a fixed schema,
// following a table of FieldSpecs (API key -> snake_case column, type, role). Internal to src/api;
// each service file declares its tables and builds one RowDecoder per dataset.
//
// Decoding rules, shared by every dataset:
// - A column's value may arrive in any of the API's spellings: numbers as JSON numbers or as
//   numeric strings ("25814545.29"), timestamps in any ParseTimestamp format or as unix
//   seconds/milliseconds, lists as JSON arrays or as strings holding a JSON list ("[\"Yes\"]").
//   Ids stay text exactly as sent, also when sent as a JSON number (the raw token, never a double).
// - Missing, null, and "" (for every type but kVarchar) are NULL.
// - Required fields: missing, null, empty or of the wrong type -> the object is skipped with a
//   reason. Optional fields of the wrong type -> NULL, the value kept in `_extra`, counted.
// - Keys the table does not know go to `_extra`, one JSON object per row (NULL when none), so a
//   new API field is never dropped. A key sent twice: the last value wins.
// - Values of kJson columns are minified and re-validated (see json_text.h).
// - Invalid JSON anywhere in the object is not a skip but an error for the whole body.
//
// Thread-safety: immutable after construction; Decode may run on many threads, each with its own
// Parser::State.

#pragma once

#include <simdjson.h>

#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "api/lineage.h"
#include "api/parser_state.h"
#include "api/row_page.h"
#include "bronze/row.h"

namespace polypipe::api {

enum class Role : uint8_t {
  kOptional,
  kRequired,
  kCustom,  // read by the dataset's CustomField (nested arrays feeding other columns or datasets)
  kFilled,  // no API key: a column the dataset fills itself (caller-given or derived)
};

struct FieldSpec {
  std::string_view key;     // as the API spells it; empty for kFilled
  std::string_view column;  // snake_case column; empty for a kCustom key without a column
  bronze::ColumnType type = bronze::ColumnType::kVarchar;
  Role role = Role::kOptional;
};

// Reads the kCustom keys of one dataset. One instance per page; not shared between threads.
class CustomField {
 public:
  enum class Read { kDone, kWrongType, kBroken };
  virtual ~CustomField() = default;
  // Reads `value` (the value of `key`) into `row` or elsewhere. kWrongType: the value was not
  // touched and is kept in `_extra` (counted as mistyped). kBroken: the JSON itself is broken;
  // `error` says how.
  virtual Read Decode(std::string_view key, simdjson::ondemand::value value, bronze::Row& row,
                      simdjson::error_code& error) = 0;
  // Called after each object: `kept` is false when the object was skipped.
  virtual void Finish(bronze::Row& row, bool kept) = 0;
};

class RowDecoder {
 public:
  // The schema is `fields` with a column, in order, then `_extra`, `_fetched_at`, `_run_id`,
  // `_source`. `partition_column` names the column picking the dt= partition ("" = none).
  RowDecoder(std::string dataset, std::span<const FieldSpec> fields,
             std::string_view partition_column);
  // Another key spelling onto an existing decoder's schema (the v1 trades adapter).
  // REQUIRES: every column named in `fields` exists in `like`'s schema.
  RowDecoder(const RowDecoder& like, std::span<const FieldSpec> fields);

  RowDecoder(const RowDecoder&) = delete;
  RowDecoder& operator=(const RowDecoder&) = delete;

  const bronze::Schema& schema() const { return schema_; }
  // Index of a column. REQUIRES: it exists.
  int column(std::string_view name) const;

  // A row of NULLs carrying `lineage`; fill the kFilled columns, then decode objects into copies.
  bronze::Row Prototype(const Lineage& lineage) const;

  struct Outcome {
    enum Kind { kRow, kSkip, kBroken } kind = kRow;
    std::string reason;                              // kSkip
    simdjson::error_code error = simdjson::SUCCESS;  // kBroken
    int mistyped = 0;
  };
  // Decodes `object` into `row` (a copy of Prototype()).
  Outcome Decode(Parser::State& state, simdjson::ondemand::object object, bronze::Row& row,
                 CustomField* custom) const;

  // Decodes every element of `array` into `page`: objects become rows or skips, other elements
  // skips. `body_end` bounds the excerpts quoted in skips. Returns an error when the JSON is broken
  // (then `page` holds a partial result the caller must drop).
  simdjson::error_code DecodeArray(Parser::State& state, simdjson::ondemand::array array,
                                   const bronze::Row& prototype, const char* body_end,
                                   RowPage& page, CustomField* custom = nullptr) const;
  // Decodes one array element into `page`: an object becomes a row or a skip, anything else a skip.
  simdjson::error_code DecodeOne(Parser::State& state, simdjson::ondemand::value value,
                                 const bronze::Row& prototype, const char* body_end, RowPage& page,
                                 CustomField* custom = nullptr) const;

 private:
  struct Entry {
    std::string_view key;
    int column = -1;
    bronze::ColumnType type = bronze::ColumnType::kVarchar;
    Role role = Role::kOptional;
  };
  void Index(std::span<const FieldSpec> fields);
  int Find(std::string_view key, size_t& hint) const;

  bronze::Schema schema_;
  std::vector<Entry> entries_;  // one per API key, in table order
  std::unordered_map<std::string_view, int> by_key_;
  std::vector<int> required_;  // indices into entries_
  int extra_ = -1, fetched_at_ = -1, run_id_ = -1, source_ = -1;
};

}  // namespace polypipe::api
