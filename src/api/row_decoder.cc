#include "api/row_decoder.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <optional>

#include "api/json_text.h"
#include "api/timestamp.h"

namespace polypipe::api {

using bronze::Cell;
using bronze::ColumnType;
using bronze::Row;
using simdjson::error_code;
namespace ondemand = simdjson::ondemand;

namespace {

std::string_view TypeName(ColumnType type) {
  switch (type) {
    case ColumnType::kVarchar:
      return "a string";
    case ColumnType::kBigint:
      return "an integer";
    case ColumnType::kDouble:
      return "a number";
    case ColumnType::kBoolean:
      return "a boolean";
    case ColumnType::kTimestamp:
      return "a timestamp";
    case ColumnType::kVarcharList:
      return "a list";
    case ColumnType::kJson:
      return "JSON";
  }
  return "?";
}

std::string_view KindName(ondemand::json_type kind) {
  switch (kind) {
    case ondemand::json_type::array:
      return "an array";
    case ondemand::json_type::object:
      return "an object";
    case ondemand::json_type::number:
      return "a number";
    case ondemand::json_type::string:
      return "a string";
    case ondemand::json_type::boolean:
      return "a boolean";
    case ondemand::json_type::null:
      return "null";
  }
  return "?";
}

std::optional<int64_t> ParseInt64(std::string_view text) {
  int64_t v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return v;
}

std::optional<double> ParseDouble(std::string_view text) {
  double v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || ptr != end || !std::isfinite(v)) return std::nullopt;
  return v;
}

// An integer written as a decimal (5.0, 1e3); nullopt for fractions and values beyond int64.
std::optional<int64_t> IntegralDouble(std::string_view text) {
  auto d = ParseDouble(text);
  if (!d || std::trunc(*d) != *d || std::fabs(*d) >= 9.2e18) return std::nullopt;
  return static_cast<int64_t>(*d);
}

// A unix time in seconds, milliseconds or microseconds (told apart by magnitude), in micros.
std::optional<int64_t> EpochMicros(std::string_view token) {
  auto v = ParseInt64(token);
  if (!v) return std::nullopt;
  const int64_t a = *v < 0 ? -*v : *v;
  if (a < 100'000'000'000) return *v * 1'000'000;  // seconds: until year 5138
  if (a < 100'000'000'000'000) return *v * 1'000;  // milliseconds
  return *v;
}

enum class ListParse { kOk, kNotAList };

// Reads `json` as a flat JSON list of scalars (strings, numbers, booleans) into `out`.
ListParse ListFromJson(Parser::State& state, std::string_view json, std::vector<std::string>& out) {
  ondemand::document doc;
  if (state.IterateScratch(json).get(doc)) return ListParse::kNotAList;
  ondemand::array array;
  if (doc.get_array().get(array)) return ListParse::kNotAList;
  for (auto element : array) {
    ondemand::value v;
    if (std::move(element).get(v)) return ListParse::kNotAList;
    ondemand::json_type kind;
    if (v.type().get(kind)) return ListParse::kNotAList;
    if (kind == ondemand::json_type::string) {
      std::string_view s;
      if (v.get_string().get(s)) return ListParse::kNotAList;
      out.emplace_back(s);
    } else if (kind == ondemand::json_type::number) {
      const std::string_view token = TrimToken(v.raw_json_token());
      if (!IsJsonNumber(token)) return ListParse::kNotAList;
      out.emplace_back(token);
    } else if (kind == ondemand::json_type::boolean) {
      bool b;
      if (v.get_bool().get(b)) return ListParse::kNotAList;
      out.emplace_back(b ? "true" : "false");
    } else {
      return ListParse::kNotAList;
    }
  }
  // Text after the list ("[\"a\"] x") makes the string something other than a list.
  const char* rest = nullptr;
  if (!doc.current_location().get(rest)) return ListParse::kNotAList;
  return ListParse::kOk;
}

// The text of a JSON string whose opening quote precedes `begin`, read in place when it holds no
// escape (most API strings), so that it is not copied out first; nullopt when it must be unescaped.
// REQUIRES: the page passed simdjson's validation, so the closing quote lies within the buffer.
std::optional<std::string_view> PlainString(const char* begin) {
  const auto* quote = static_cast<const char*>(rawmemchr(begin, '"'));
  const auto size = static_cast<size_t>(quote - begin);
  if (std::memchr(begin, '\\', size) != nullptr) return std::nullopt;
  return std::string_view(begin, size);
}

enum class CellRead { kSet, kNull, kWrongType, kBroken };

// Reads one JSON value into a cell of a given column type.
class CellReader {
 public:
  explicit CellReader(Parser::State& state) : state_(state) {}

  CellRead Read(ondemand::value value, ColumnType type, Cell& cell) {
    original_.clear();
    if ((error_ = value.type().get(kind_))) return CellRead::kBroken;
    switch (kind_) {
      case ondemand::json_type::null: {
        bool is_null = false;
        if ((error_ = value.is_null().get(is_null))) return CellRead::kBroken;
        if (!is_null) {
          error_ = simdjson::N_ATOM_ERROR;
          return CellRead::kBroken;
        }
        return CellRead::kNull;
      }
      case ondemand::json_type::object:
      case ondemand::json_type::array: {
        std::string json;
        if ((error_ = AppendMinified(value, json))) return CellRead::kBroken;
        if (type == ColumnType::kJson) {
          cell = std::move(json);
          return CellRead::kSet;
        }
        if (type == ColumnType::kVarcharList && kind_ == ondemand::json_type::array) {
          std::vector<std::string> list;
          if (ListFromJson(state_, json, list) == ListParse::kOk) {
            cell = std::move(list);
            return CellRead::kSet;
          }
        }
        original_ = std::move(json);
        return CellRead::kWrongType;
      }
      case ondemand::json_type::string: {
        std::string_view s;
        if (auto plain = PlainString(value.raw_json_token().data() + 1)) {
          s = *plain;
        } else if ((error_ = value.get_string().get(s))) {
          return CellRead::kBroken;
        }
        const CellRead r = FromString(s, type, cell);
        if (r == CellRead::kWrongType) AppendJsonString(original_, s);
        return r;
      }
      case ondemand::json_type::number: {
        const std::string_view token = TrimToken(value.raw_json_token());
        if (!IsJsonNumber(token)) {
          error_ = simdjson::NUMBER_ERROR;
          return CellRead::kBroken;
        }
        const CellRead r = FromNumber(value, token, type, cell);
        if (r == CellRead::kWrongType) original_ = token;
        return r;
      }
      case ondemand::json_type::boolean: {
        bool b = false;
        if ((error_ = value.get_bool().get(b))) return CellRead::kBroken;
        if (type == ColumnType::kBoolean) {
          cell = b;
          return CellRead::kSet;
        }
        if (type == ColumnType::kJson) {
          cell = std::string(b ? "true" : "false");
          return CellRead::kSet;
        }
        original_ = b ? "true" : "false";
        return CellRead::kWrongType;
      }
    }
    error_ = simdjson::INCORRECT_TYPE;
    return CellRead::kBroken;
  }

  // After kWrongType: the value as JSON text. After kBroken: the simdjson error.
  const std::string& original() const { return original_; }
  error_code error() const { return error_; }
  ondemand::json_type kind() const { return kind_; }

 private:
  CellRead FromString(std::string_view s, ColumnType type, Cell& cell) {
    if (type == ColumnType::kVarchar) {
      cell = std::string(s);
      return CellRead::kSet;
    }
    if (type == ColumnType::kJson) {
      std::string json;
      AppendJsonString(json, s);
      cell = std::move(json);
      return CellRead::kSet;
    }
    if (s.empty()) return CellRead::kNull;  // "" means absent for every non-text type
    switch (type) {
      case ColumnType::kBigint:
        if (auto v = ParseInt64(s)) {
          cell = *v;
          return CellRead::kSet;
        }
        if (auto v = IntegralDouble(s)) {
          cell = *v;
          return CellRead::kSet;
        }
        return CellRead::kWrongType;
      case ColumnType::kDouble:
        if (auto v = ParseDouble(s)) {
          cell = *v;
          return CellRead::kSet;
        }
        return CellRead::kWrongType;
      case ColumnType::kTimestamp:
        if (auto v = ParseTimestamp(s)) {
          cell = *v;
          return CellRead::kSet;
        }
        return CellRead::kWrongType;
      case ColumnType::kVarcharList: {
        std::vector<std::string> list;
        if (ListFromJson(state_, s, list) != ListParse::kOk) return CellRead::kWrongType;
        cell = std::move(list);
        return CellRead::kSet;
      }
      default:
        return CellRead::kWrongType;
    }
  }

  CellRead FromNumber(ondemand::value& value, std::string_view token, ColumnType type, Cell& cell) {
    switch (type) {
      case ColumnType::kVarchar:
      case ColumnType::kJson:
        cell = std::string(token);  // raw digits: 78-digit token ids stay exact
        return CellRead::kSet;
      case ColumnType::kBigint:
        if (auto v = ParseInt64(token)) {
          cell = *v;
          return CellRead::kSet;
        }
        if (auto v = IntegralDouble(token)) {
          cell = *v;
          return CellRead::kSet;
        }
        return CellRead::kWrongType;
      case ColumnType::kDouble: {
        double d = 0;
        if (value.get_double().get(d) || !std::isfinite(d)) return CellRead::kWrongType;
        cell = d;
        return CellRead::kSet;
      }
      case ColumnType::kTimestamp:
        if (auto v = EpochMicros(token)) {
          cell = *v;
          return CellRead::kSet;
        }
        return CellRead::kWrongType;
      default:
        return CellRead::kWrongType;
    }
  }

  Parser::State& state_;
  std::string original_;
  error_code error_ = simdjson::SUCCESS;
  ondemand::json_type kind_ = ondemand::json_type::null;
};

// The key of `field`, read in place unless it holds an escape (see PlainString).
error_code FieldKey(ondemand::field& field, std::string_view& key) {
  if (auto plain = PlainString(field.key().raw())) {
    key = *plain;
    return simdjson::SUCCESS;
  }
  return field.unescaped_key().get(key);
}

// A JSON value quoted in a skip reason: short, on one line.
std::string Quote(std::string_view json) {
  constexpr size_t kMax = 80;
  if (json.size() <= kMax) return std::string(json);
  size_t n = kMax;
  while (n > 0 && (static_cast<unsigned char>(json[n]) & 0xC0) == 0x80) --n;
  return std::string(json.substr(0, n)) + "...";
}

}  // namespace

RowDecoder::RowDecoder(std::string dataset, std::span<const FieldSpec> fields,
                       std::string_view partition_column) {
  schema_.dataset = std::move(dataset);
  for (const FieldSpec& f : fields) {
    if (!f.column.empty()) schema_.columns.push_back({std::string(f.column), f.type});
  }
  extra_ = static_cast<int>(schema_.columns.size());
  schema_.columns.push_back({"_extra", ColumnType::kJson});
  fetched_at_ = extra_ + 1;
  schema_.columns.push_back({"_fetched_at", ColumnType::kTimestamp});
  run_id_ = extra_ + 2;
  schema_.columns.push_back({"_run_id", ColumnType::kVarchar});
  source_ = extra_ + 3;
  schema_.columns.push_back({"_source", ColumnType::kVarchar});
  schema_.partition_column = partition_column.empty() ? -1 : schema_.Index(partition_column);
  Index(fields);
}

RowDecoder::RowDecoder(const RowDecoder& like, std::span<const FieldSpec> fields)
    : schema_(like.schema_),
      extra_(like.extra_),
      fetched_at_(like.fetched_at_),
      run_id_(like.run_id_),
      source_(like.source_) {
  Index(fields);
}

void RowDecoder::Index(std::span<const FieldSpec> fields) {
  for (const FieldSpec& f : fields) {
    if (f.role == Role::kFilled || f.key.empty()) continue;
    Entry e;
    e.key = f.key;
    e.column = f.column.empty() ? -1 : schema_.Index(f.column);
    e.type = f.type;
    e.role = f.role;
    const int index = static_cast<int>(entries_.size());
    if (e.role == Role::kRequired) required_.push_back(index);
    by_key_.emplace(e.key, index);
    entries_.push_back(e);
  }
}

int RowDecoder::column(std::string_view name) const {
  return schema_.Index(name);
}

Row RowDecoder::Prototype(const Lineage& lineage) const {
  Row row(schema_.columns.size());
  row[fetched_at_] = lineage.fetched_at_us;
  row[run_id_] = lineage.run_id;
  row[source_] = lineage.source;
  return row;
}

// Objects of one dataset almost always list their keys in the same order, so the entry after the
// previous match is tried before the hash table.
int RowDecoder::Find(std::string_view key, size_t& hint) const {
  if (hint < entries_.size() && entries_[hint].key == key) return static_cast<int>(hint++);
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return -1;
  hint = static_cast<size_t>(it->second) + 1;
  return it->second;
}

RowDecoder::Outcome RowDecoder::Decode(Parser::State& state, ondemand::object object, Row& row,
                                       CustomField* custom) const {
  Outcome out;
  auto broken = [&out](error_code e) {
    out.kind = Outcome::kBroken;
    out.error = e;
    return out;
  };
  std::string extra;       // members of the _extra object, without braces
  std::string wrong_type;  // reason of the first required field with a wrong type
  CellReader reader(state);
  size_t hint = 0;
  for (auto field_result : object) {
    ondemand::field field;
    if (auto e = std::move(field_result).get(field)) return broken(e);
    std::string_view key;
    if (auto e = FieldKey(field, key)) return broken(e);
    const int index = Find(key, hint);
    const Entry* entry = index < 0 ? nullptr : &entries_[index];
    if (entry && entry->role == Role::kCustom && custom) {
      error_code e = simdjson::SUCCESS;
      switch (custom->Decode(key, field.value(), row, e)) {
        case CustomField::Read::kDone:
          continue;
        case CustomField::Read::kBroken:
          return broken(e);
        case CustomField::Read::kWrongType:
          ++out.mistyped;
          entry = nullptr;  // kept in _extra below
          break;
      }
    }
    if (!entry || entry->column < 0 || entry->role == Role::kCustom) {
      if (!extra.empty()) extra += ',';
      AppendJsonString(extra, key);
      extra += ':';
      if (auto e = AppendMinified(field.value(), extra)) return broken(e);
      continue;
    }
    Cell& cell = row[entry->column];
    switch (reader.Read(field.value(), entry->type, cell)) {
      case CellRead::kSet:
        break;
      case CellRead::kNull:
        cell = std::monostate{};
        break;
      case CellRead::kWrongType:
        cell = std::monostate{};
        if (entry->role == Role::kRequired) {
          if (wrong_type.empty()) {
            wrong_type = fmt::format("{}: required field '{}' should be {}, got {} {}",
                                     schema_.dataset, key, TypeName(entry->type),
                                     KindName(reader.kind()), Quote(reader.original()));
          }
        } else {
          ++out.mistyped;
          if (!extra.empty()) extra += ',';
          AppendJsonString(extra, key);
          extra += ':';
          extra += reader.original();
        }
        break;
      case CellRead::kBroken:
        return broken(reader.error());
    }
  }

  auto skip = [&out](std::string reason) {
    out.kind = Outcome::kSkip;
    out.reason = std::move(reason);
    return out;
  };
  if (!wrong_type.empty()) return skip(std::move(wrong_type));
  for (int i : required_) {
    const Entry& e = entries_[i];
    const Cell& cell = row[e.column];
    if (std::holds_alternative<std::monostate>(cell)) {
      return skip(fmt::format("{}: missing required field '{}'", schema_.dataset, e.key));
    }
    if (const auto* s = std::get_if<std::string>(&cell); s && s->empty()) {
      return skip(fmt::format("{}: required field '{}' is empty", schema_.dataset, e.key));
    }
  }
  if (!extra.empty()) row[extra_] = "{" + extra + "}";
  return out;
}

error_code RowDecoder::DecodeArray(Parser::State& state, ondemand::array array,
                                   const Row& prototype, const char* body_end, RowPage& page,
                                   CustomField* custom) const {
  for (auto element : array) {
    ondemand::value value;
    if (auto e = std::move(element).get(value)) return e;
    if (auto e = DecodeOne(state, value, prototype, body_end, page, custom)) return e;
  }
  return simdjson::SUCCESS;
}

error_code RowDecoder::DecodeOne(Parser::State& state, ondemand::value value, const Row& prototype,
                                 const char* body_end, RowPage& page, CustomField* custom) const {
  const char* begin = value.raw_json_token().data();
  ondemand::json_type kind;
  if (auto e = value.type().get(kind)) return e;
  if (kind != ondemand::json_type::object) {
    std::string json;  // validates the element: broken JSON is an error, not a skip
    if (auto e = AppendMinified(value, json)) return e;
    page.skipped.push_back(
        {fmt::format("{}: expected a JSON object, got {}", schema_.dataset, KindName(kind)),
         Excerpt(begin, body_end)});
    return simdjson::SUCCESS;
  }
  ondemand::object object;
  if (auto e = value.get_object().get(object)) return e;
  Row row = prototype;
  Outcome outcome = Decode(state, object, row, custom);
  if (outcome.kind == Outcome::kBroken) return outcome.error;
  const bool kept = outcome.kind == Outcome::kRow;
  if (custom) custom->Finish(row, kept);
  if (kept) {
    page.mistyped_fields += outcome.mistyped;
    page.rows.push_back(std::move(row));
  } else {
    page.skipped.push_back({std::move(outcome.reason), Excerpt(begin, body_end)});
  }
  return simdjson::SUCCESS;
}

}  // namespace polypipe::api
