// PartitionRows: splits a batch of rows into its dt=YYYY-MM-DD partitions (UTC) and finds each
// partition's event-time range, which the commit record stores per file.
//
// A row's event time is its Schema::partition_column (kBigint unix seconds or kTimestamp micros)
// or, for snapshot datasets (partition_column -1), its `_fetched_at` column. A row whose event time
// is NULL or implausible (outside years 1..9999) is placed by its `_fetched_at`, else by the write
// time, so that no row is ever dropped for its date; such a fallback does not widen the event-time
// range.
//
// Thread-safety: a pure function.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bronze/column_batch.h"

namespace polypipe::bronze {

struct Partition {
  std::string date;            // "YYYY-MM-DD"
  std::vector<uint32_t> rows;  // indices into the batch, ascending
  std::optional<int64_t> min_event_us;
  std::optional<int64_t> max_event_us;
};

// The partitions of `rows`, sorted by date. `now_us` is the write time used as the last fallback.
// REQUIRES: rows.size() < 2^32 and `rows` holds rows of `schema`.
std::vector<Partition> PartitionRows(const Schema& schema, const ColumnBatch& rows, int64_t now_us);

}  // namespace polypipe::bronze
