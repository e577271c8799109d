// Row and Schema: the shape in which records travel from the API parsers to the Bronze writer.
//
// A Schema names a dataset and its typed columns; a Row holds one Cell per column, in schema order.
// Parsers in src/api build rows, fetchers in src/fetch read the few cells they steer by
// (Schema::Index), and the persister in src/bronze turns batches of rows into Parquet.
//
// Thread-safety: plain values; a Schema is immutable once built and may be shared freely.

#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace polypipe::bronze {

enum class ColumnType {
  kVarchar,      // std::string
  kBigint,       // int64_t
  kDouble,       // double
  kBoolean,      // bool
  kTimestamp,    // int64_t microseconds since the Unix epoch, UTC
  kVarcharList,  // std::vector<std::string>
  kJson,         // std::string holding JSON text (nested objects kept verbatim)
};

struct Column {
  std::string name;
  ColumnType type;
};

// std::monostate is SQL NULL. The alternative held must match the column's type (see ColumnType).
using Cell =
    std::variant<std::monostate, int64_t, double, bool, std::string, std::vector<std::string>>;
using Row = std::vector<Cell>;

struct Schema {
  std::string dataset;
  std::vector<Column> columns;
  // Column whose value picks the row's dt= partition (kBigint unix seconds or kTimestamp); -1 means
  // the snapshot datasets' rule: the date of the `_fetched_at` column.
  int partition_column = -1;

  // Index of the column with this name, or -1.
  int Index(std::string_view name) const {
    for (size_t i = 0; i < columns.size(); ++i) {
      if (columns[i].name == name) return static_cast<int>(i);
    }
    return -1;
  }
};

}  // namespace polypipe::bronze
