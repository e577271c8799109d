// JSON text helpers of the page parsers: writing string literals, checking number tokens, copying
// a value as minified JSON, and quoting an excerpt of a refused object. Internal to src/api.
//
// simdjson On-Demand validates structure and strings up front but reads scalars lazily, so text
// copied from a body into a JSON column goes through AppendMinified, which re-reads every scalar:
// a column of kind kJson always holds valid JSON, even when the body around it was not.
//
// Thread-safety: pure functions.

#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>

namespace polypipe::api {

// Appends `text` (UTF-8) as a JSON string literal, quotes included.
void AppendJsonString(std::string& out, std::string_view text);

// Whether `token` is exactly one JSON number (RFC 8259 grammar; any magnitude).
bool IsJsonNumber(std::string_view token);

// A raw scalar token from simdjson without the whitespace that may trail it.
std::string_view TrimToken(std::string_view token);

// Appends `value` (consumed) as minified JSON. Fails when any part of it is not valid JSON, or
// nests deeper than 1024 arrays and objects (DEPTH_ERROR).
simdjson::error_code AppendMinified(simdjson::ondemand::value value, std::string& out);

// The JSON text starting at `begin` (an object, array or scalar) up to its end, `limit` bytes or
// `end`, whichever comes first; cut on a UTF-8 character boundary.
std::string Excerpt(const char* begin, const char* end, size_t limit = 500);

}  // namespace polypipe::api
