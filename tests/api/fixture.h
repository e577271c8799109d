// What the API tests share: reading the captured sample bodies, and reading row cells by column
// name with a test failure (not a crash) when the cell holds another type.

#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "api/lineage.h"
#include "bronze/row.h"

namespace polypipe::api::testing {

inline std::string ReadSample(const std::string& name) {
  std::ifstream in(std::string(POLYPIPE_SAMPLES_DIR) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing sample " << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline nlohmann::json ReadSampleJson(const std::string& name) {
  return nlohmann::json::parse(ReadSample(name));
}

inline Lineage TestLineage(std::string source) {
  return Lineage{1'790'620'000'000'000, "run-1", std::move(source)};
}

// Typed access to one row of a schema.
class RowView {
 public:
  RowView(const bronze::Schema& schema, const bronze::Row& row) : schema_(schema), row_(row) {}

  const bronze::Cell& Cell(const std::string& column) const {
    const int i = schema_.Index(column);
    if (i < 0 || static_cast<size_t>(i) >= row_.size()) {
      ADD_FAILURE() << schema_.dataset << " has no column " << column;
      static const bronze::Cell kNull;
      return kNull;
    }
    return row_[i];
  }
  bool IsNull(const std::string& column) const {
    return std::holds_alternative<std::monostate>(Cell(column));
  }
  std::string Str(const std::string& column) const { return Get<std::string>(column); }
  int64_t Int(const std::string& column) const { return Get<int64_t>(column); }
  double Dbl(const std::string& column) const { return Get<double>(column); }
  bool Bool(const std::string& column) const { return Get<bool>(column); }
  std::vector<std::string> List(const std::string& column) const {
    return Get<std::vector<std::string>>(column);
  }
  nlohmann::json Json(const std::string& column) const {
    return nlohmann::json::parse(Str(column), nullptr, false);
  }

 private:
  template <typename T>
  T Get(const std::string& column) const {
    const bronze::Cell& cell = Cell(column);
    if (const T* v = std::get_if<T>(&cell)) return *v;
    ADD_FAILURE() << schema_.dataset << "." << column << " holds alternative " << cell.index();
    return T{};
  }

  const bronze::Schema& schema_;
  const bronze::Row& row_;
};

inline std::vector<std::string> ColumnNames(const bronze::Schema& schema) {
  std::vector<std::string> names;
  for (const auto& c : schema.columns) names.push_back(c.name);
  return names;
}

// Checks the shape every parser promises: one cell per column, each NULL or of its column's type,
// JSON columns valid JSON, `_extra` NULL or an object. Returns the number of bad cells.
inline int CheckRows(const bronze::Schema& schema, const std::vector<bronze::Row>& rows) {
  int bad = 0;
  for (const bronze::Row& row : rows) {
    if (row.size() != schema.columns.size()) {
      ADD_FAILURE() << schema.dataset << ": row of " << row.size() << " cells";
      ++bad;
      continue;
    }
    for (size_t i = 0; i < row.size(); ++i) {
      const bronze::Cell& cell = row[i];
      if (std::holds_alternative<std::monostate>(cell)) continue;
      const auto& column = schema.columns[i];
      bool ok = false;
      switch (column.type) {
        case bronze::ColumnType::kVarchar:
          ok = std::holds_alternative<std::string>(cell);
          break;
        case bronze::ColumnType::kBigint:
        case bronze::ColumnType::kTimestamp:
          ok = std::holds_alternative<int64_t>(cell);
          break;
        case bronze::ColumnType::kDouble:
          ok = std::holds_alternative<double>(cell);
          break;
        case bronze::ColumnType::kBoolean:
          ok = std::holds_alternative<bool>(cell);
          break;
        case bronze::ColumnType::kVarcharList:
          ok = std::holds_alternative<std::vector<std::string>>(cell);
          break;
        case bronze::ColumnType::kJson:
          if (const auto* s = std::get_if<std::string>(&cell)) {
            const auto j = nlohmann::json::parse(*s, nullptr, false);
            ok = !j.is_discarded() && (column.name != "_extra" || j.is_object());
          }
          break;
      }
      if (!ok) {
        ADD_FAILURE() << schema.dataset << "." << column.name << " holds a bad value";
        ++bad;
      }
    }
  }
  return bad;
}

}  // namespace polypipe::api::testing
