// CheckRow: whether a Row fits its Schema before it is queued for Parquet.
//
// A row fits when it has one cell per column and each cell is NULL or holds the alternative its
// ColumnType names (see row.h); a kDouble column also takes an int64_t, written as a double. Rows
// that do not fit are rejected one by one (and counted by the Sink) instead of failing a batch.
//
// Thread-safety: a pure function.

#pragma once

#include <string>

#include "bronze/row.h"

namespace polypipe::bronze {

// True if `row` fits `schema`; otherwise false with *why naming the column and the mismatch.
bool CheckRow(const Schema& schema, const Row& row, std::string* why);

}  // namespace polypipe::bronze
