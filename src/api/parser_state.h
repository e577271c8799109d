// Parser::State: the simdjson parsers and padded buffers a Parser owns. Internal to src/api.
//
// Two parsers, because decoding a page sometimes needs a second document while the page is still
// being walked: lists are read through `scratch`, both the JSON held inside strings (Gamma's
// `outcomes`, `clobTokenIds`, ...) and arrays, which are first copied out of the page minified.
//
// Thread-safety: none (see Parser).

#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>

#include "api/parser.h"

namespace polypipe::api {

struct Parser::State {
  // Starts iterating `body` (copied into a padded buffer). The document lives until the next call.
  simdjson::simdjson_result<simdjson::ondemand::document> IteratePage(std::string_view body);
  // Same for a short-lived second document. REQUIRES: the previous scratch document is no longer
  // in use; `text` does not point into the scratch buffer.
  simdjson::simdjson_result<simdjson::ondemand::document> IterateScratch(std::string_view text);

  simdjson::ondemand::parser page;
  simdjson::ondemand::parser scratch;
  std::string page_buffer;
  std::string scratch_buffer;
};

}  // namespace polypipe::api
