#include "api/parser.h"

#include <cstring>

#include "api/parser_state.h"

namespace polypipe::api {
namespace {

// Copies `text` into `buffer` followed by the zeroed padding simdjson reads past the end.
simdjson::padded_string_view Pad(std::string_view text, std::string& buffer) {
  const size_t needed = text.size() + simdjson::SIMDJSON_PADDING;
  if (buffer.size() < needed) buffer.resize(needed);
  if (!text.empty()) std::memcpy(buffer.data(), text.data(), text.size());
  std::memset(buffer.data() + text.size(), 0, simdjson::SIMDJSON_PADDING);
  return simdjson::padded_string_view(buffer.data(), text.size(), buffer.size());
}

}  // namespace

Parser::Parser() : state_(std::make_unique<State>()) {}
Parser::~Parser() = default;

simdjson::simdjson_result<simdjson::ondemand::document> Parser::State::IteratePage(
    std::string_view body) {
  return page.iterate(Pad(body, page_buffer));
}

simdjson::simdjson_result<simdjson::ondemand::document> Parser::State::IterateScratch(
    std::string_view text) {
  return scratch.iterate(Pad(text, scratch_buffer));
}

}  // namespace polypipe::api
