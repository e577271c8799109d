// Envelope: what the page parsers share about a response body as a whole: iterating it, telling
// its root shape, the one-line errors for a body that cannot be a page, and where its text ends.
// Internal to src/api.
//
// Thread-safety: pure functions over a caller-owned Parser::State.

#pragma once

#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>

#include "api/lineage.h"
#include "api/parser_state.h"
#include "api/row_decoder.h"
#include "api/row_page.h"

namespace polypipe::api {

// "<source>: <problem>; body: <DescribeErrorBody(body)>".
std::string BodyError(const Lineage& lineage, std::string_view body, std::string_view problem);
// BodyError for a simdjson failure: "<source>: invalid JSON (<what simdjson said>); body: ...".
std::string JsonError(const Lineage& lineage, std::string_view body, simdjson::error_code error);

// SUCCESS when nothing follows the root value (call after consuming it), else TRAILING_CONTENT.
simdjson::error_code AtEnd(simdjson::ondemand::document& doc);

// Starts iterating a body whose root must be a JSON object, into `doc` and `root`. `expected`
// names the shape for the error ("a JSON object with a 'data' array"). Returns an empty string,
// or the one-line error.
std::string OpenRootObject(Parser::State& state, std::string_view body, const Lineage& lineage,
                           std::string_view expected, simdjson::ondemand::document& doc,
                           simdjson::ondemand::object& root);

// Reads a cursor value: a string (kept when not empty) or null (nothing). Sets `*is_string`
// false, and leaves `cursor` alone, for any other type. Returns the simdjson error, if any.
simdjson::error_code ReadCursor(simdjson::ondemand::value value, std::optional<std::string>& cursor,
                                bool* is_string);

// Parses a list body: a bare JSON array of objects, or (when `list_key` is not empty) an object
// holding that array under `list_key` next to an optional string "next_cursor" (Gamma's keyset
// pages). Fills `page` and `next_cursor` (nullopt when absent, null or ""). Returns an empty
// string, or the one-line error for a body that is not such a list.
std::string ParseListBody(Parser::State& state, std::string_view body, const RowDecoder& decoder,
                          const bronze::Row& prototype, const Lineage& lineage,
                          std::string_view list_key, RowPage& page,
                          std::optional<std::string>* next_cursor = nullptr,
                          CustomField* custom = nullptr);

// Parses a body holding one object (GET /markets/{id}-style routes) into `page`: one row or one
// skip. Returns an empty string or the one-line error.
std::string ParseObjectBody(Parser::State& state, std::string_view body, const RowDecoder& decoder,
                            const bronze::Row& prototype, const Lineage& lineage, RowPage& page,
                            CustomField* custom = nullptr);

// End of the page text inside `state` (for excerpts). REQUIRES: `body` was given to IteratePage.
inline const char* BodyEnd(const Parser::State& state, std::string_view body) {
  return state.page_buffer.data() + body.size();
}

}  // namespace polypipe::api
