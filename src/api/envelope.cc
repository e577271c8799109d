#include "api/envelope.h"

#include <fmt/format.h>

#include "api/error_body.h"

namespace polypipe::api {

std::string BodyError(const Lineage& lineage, std::string_view body, std::string_view problem) {
  return fmt::format("{}: {}; body: {}", lineage.source.empty() ? "response" : lineage.source,
                     problem, DescribeErrorBody(body));
}

std::string JsonError(const Lineage& lineage, std::string_view body, simdjson::error_code error) {
  return BodyError(lineage, body, fmt::format("invalid JSON ({})", simdjson::error_message(error)));
}

simdjson::error_code AtEnd(simdjson::ondemand::document& doc) {
  const char* rest = nullptr;
  return doc.current_location().get(rest) ? simdjson::SUCCESS : simdjson::TRAILING_CONTENT;
}

}  // namespace polypipe::api

namespace polypipe::api {

namespace ondemand = simdjson::ondemand;

std::string OpenRootObject(Parser::State& state, std::string_view body, const Lineage& lineage,
                           std::string_view expected, ondemand::document& doc,
                           ondemand::object& root) {
  if (auto e = state.IteratePage(body).get(doc)) return JsonError(lineage, body, e);
  ondemand::json_type kind;
  if (auto e = doc.type().get(kind)) return JsonError(lineage, body, e);
  if (kind != ondemand::json_type::object) {
    return BodyError(lineage, body, fmt::format("expected {}", expected));
  }
  if (auto e = doc.get_object().get(root)) return JsonError(lineage, body, e);
  return "";
}

simdjson::error_code ReadCursor(ondemand::value value, std::optional<std::string>& cursor,
                                bool* is_string) {
  *is_string = true;
  ondemand::json_type kind;
  if (auto e = value.type().get(kind)) return e;
  if (kind == ondemand::json_type::null) return simdjson::SUCCESS;
  if (kind != ondemand::json_type::string) {
    *is_string = false;
    return simdjson::SUCCESS;
  }
  std::string_view text;
  if (auto e = value.get_string().get(text)) return e;
  if (!text.empty()) cursor = std::string(text);
  return simdjson::SUCCESS;
}

std::string ParseListBody(Parser::State& state, std::string_view body, const RowDecoder& decoder,
                          const bronze::Row& prototype, const Lineage& lineage,
                          std::string_view list_key, RowPage& page,
                          std::optional<std::string>* next_cursor, CustomField* custom) {
  ondemand::document doc;
  if (auto e = state.IteratePage(body).get(doc)) return JsonError(lineage, body, e);
  ondemand::json_type kind;
  if (auto e = doc.type().get(kind)) return JsonError(lineage, body, e);
  const char* end = BodyEnd(state, body);
  if (kind == ondemand::json_type::array) {
    ondemand::array array;
    if (auto e = doc.get_array().get(array)) return JsonError(lineage, body, e);
    if (auto e = decoder.DecodeArray(state, array, prototype, end, page, custom)) {
      return JsonError(lineage, body, e);
    }
    if (auto e = AtEnd(doc)) return JsonError(lineage, body, e);
    return "";
  }
  if (kind != ondemand::json_type::object || list_key.empty()) {
    return BodyError(lineage, body, "expected a JSON array");
  }
  ondemand::object root;
  if (auto e = doc.get_object().get(root)) return JsonError(lineage, body, e);
  bool saw_list = false;
  for (auto field_result : root) {
    ondemand::field field;
    if (auto e = std::move(field_result).get(field)) return JsonError(lineage, body, e);
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return JsonError(lineage, body, e);
    ondemand::value value = field.value();
    if (key == list_key) {
      ondemand::array array;
      if (value.get_array().get(array)) {
        return BodyError(lineage, body, fmt::format("'{}' is not an array", list_key));
      }
      if (auto e = decoder.DecodeArray(state, array, prototype, end, page, custom)) {
        return JsonError(lineage, body, e);
      }
      saw_list = true;
    } else if (key == "next_cursor" && next_cursor) {
      bool is_string = true;
      if (auto e = ReadCursor(value, *next_cursor, &is_string)) return JsonError(lineage, body, e);
      if (!is_string) return BodyError(lineage, body, "'next_cursor' is not a string");
    }
  }
  if (auto e = AtEnd(doc)) return JsonError(lineage, body, e);
  if (!saw_list) return BodyError(lineage, body, fmt::format("no '{}' array", list_key));
  return "";
}

std::string ParseObjectBody(Parser::State& state, std::string_view body, const RowDecoder& decoder,
                            const bronze::Row& prototype, const Lineage& lineage, RowPage& page,
                            CustomField* custom) {
  ondemand::document doc;
  if (auto e = state.IteratePage(body).get(doc)) return JsonError(lineage, body, e);
  ondemand::json_type kind;
  if (auto e = doc.type().get(kind)) return JsonError(lineage, body, e);
  if (kind != ondemand::json_type::object)
    return BodyError(lineage, body, "expected a JSON object");
  ondemand::value value;
  if (auto e = doc.get_value().get(value)) return JsonError(lineage, body, e);
  if (auto e = decoder.DecodeOne(state, value, prototype, BodyEnd(state, body), page, custom)) {
    return JsonError(lineage, body, e);
  }
  if (auto e = AtEnd(doc)) return JsonError(lineage, body, e);
  return "";
}

}  // namespace polypipe::api
