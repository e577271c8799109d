#include "bronze/row_check.h"

#include <fmt/format.h>

#include "bronze/utf8.h"

namespace polypipe::bronze {
namespace {

bool Fits(ColumnType type, const Cell& cell) {
  if (std::holds_alternative<std::monostate>(cell)) return true;
  switch (type) {
    case ColumnType::kVarchar:
    case ColumnType::kJson:
      return std::holds_alternative<std::string>(cell);
    case ColumnType::kBigint:
    case ColumnType::kTimestamp:
      return std::holds_alternative<int64_t>(cell);
    case ColumnType::kDouble:
      return std::holds_alternative<double>(cell) || std::holds_alternative<int64_t>(cell);
    case ColumnType::kBoolean:
      return std::holds_alternative<bool>(cell);
    case ColumnType::kVarcharList:
      return std::holds_alternative<std::vector<std::string>>(cell);
  }
  return false;
}

const char* AlternativeName(const Cell& cell) {
  switch (cell.index()) {
    case 0:
      return "NULL";
    case 1:
      return "an integer";
    case 2:
      return "a double";
    case 3:
      return "a boolean";
    case 4:
      return "a string";
    case 5:
      return "a string list";
  }
  return "an unknown value";
}

const char* TypeName(ColumnType type) {
  switch (type) {
    case ColumnType::kVarchar:
      return "VARCHAR";
    case ColumnType::kBigint:
      return "BIGINT";
    case ColumnType::kDouble:
      return "DOUBLE";
    case ColumnType::kBoolean:
      return "BOOLEAN";
    case ColumnType::kTimestamp:
      return "TIMESTAMP";
    case ColumnType::kVarcharList:
      return "VARCHAR[]";
    case ColumnType::kJson:
      return "JSON";
  }
  return "?";
}

}  // namespace

bool CheckRow(const Schema& schema, const Row& row, std::string* why) {
  if (row.size() != schema.columns.size()) {
    *why = fmt::format("{}: a row has {} cells for {} columns", schema.dataset, row.size(),
                       schema.columns.size());
    return false;
  }
  for (size_t i = 0; i < row.size(); ++i) {
    if (!Fits(schema.columns[i].type, row[i])) {
      *why = fmt::format("{}: column {} ({}) holds {}", schema.dataset, schema.columns[i].name,
                         TypeName(schema.columns[i].type), AlternativeName(row[i]));
      return false;
    }
  }
  return true;
}

size_t RepairRowText(Row* row) {
  size_t changed = 0;
  for (Cell& cell : *row) {
    if (auto* s = std::get_if<std::string>(&cell)) {
      if (!IsValidUtf8(*s)) {
        *s = RepairUtf8(*s);
        ++changed;
      }
    } else if (auto* list = std::get_if<std::vector<std::string>>(&cell)) {
      bool cell_changed = false;
      for (std::string& e : *list) {
        if (!IsValidUtf8(e)) {
          e = RepairUtf8(e);
          cell_changed = true;
        }
      }
      if (cell_changed) ++changed;
    }
  }
  return changed;
}

}  // namespace polypipe::bronze
