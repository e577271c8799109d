// CheckRow: whether a Row fits its Schema before it is queued for Parquet.
//
// A row fits when it has one cell per column and each cell is NULL or holds the alternative its
// ColumnType names (see row.h); a kDouble column also takes an int64_t, written as a double. Rows
// that do not fit are rejected one by one (and counted by the Sink) instead of failing a batch.
// Text that fits but is not valid UTF-8 is repaired (RepairRowText), since DuckDB cannot read such
// a string back from Parquet.
//
// Thread-safety: a pure function.

#pragma once

#include <string>

#include "bronze/row.h"

namespace polypipe::bronze {

// True if `row` fits `schema`; otherwise false with *why naming the column and the mismatch.
bool CheckRow(const Schema& schema, const Row& row, std::string* why);

// Replaces ill-formed UTF-8 in the row's strings (VARCHAR and JSON cells, list elements) with
// U+FFFD. Returns the number of cells changed.
size_t RepairRowText(Row* row);

}  // namespace polypipe::bronze
