// Skip: an API object the parsers refused to turn into a row, and why.
//
// A page parser skips an object that lacks a required (identity) field, carries one with the wrong
// type, or is not an object at all; every other object of the page still becomes a row. Skips are
// counted and logged by the caller, never silently dropped.
//
// Thread-safety: a plain value.

#pragma once

#include <string>

namespace polypipe::api {

struct Skip {
  std::string reason;  // one line, e.g. "trades: missing required field 'transaction_hash'"
  std::string raw;     // the object's JSON text as received, cut to about 500 bytes
};

}  // namespace polypipe::api
