#include "bronze/partitioner.h"

#include <map>

#include "bronze/utc_time.h"

namespace polypipe::bronze {
namespace {

// The event time in micros held by column `index` of `row`, if that column is a time column and the
// cell is not NULL.
std::optional<int64_t> TimeOf(const Schema& schema, const Row& row, int index) {
  if (index < 0 || static_cast<size_t>(index) >= schema.columns.size() ||
      static_cast<size_t>(index) >= row.size()) {
    return std::nullopt;
  }
  const int64_t* v = std::get_if<int64_t>(&row[index]);
  if (v == nullptr) return std::nullopt;
  switch (schema.columns[index].type) {
    case ColumnType::kBigint:
      return MicrosOfSeconds(*v);
    case ColumnType::kTimestamp:
      return *v;
    default:
      return std::nullopt;
  }
}

}  // namespace

std::vector<Partition> PartitionRows(const Schema& schema, const std::vector<Row>& rows,
                                     int64_t now_us) {
  const int fetched_at = schema.Index("_fetched_at");
  const int event_column = schema.partition_column >= 0 ? schema.partition_column : fetched_at;
  const std::string now_date = DateOfMicros(now_us).value_or("1970-01-01");

  std::map<std::string, Partition> by_date;
  // Batches usually hold one or two dates; remembering the last one avoids a map lookup per row.
  Partition* last = nullptr;
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& row = rows[i];
    std::optional<int64_t> event = TimeOf(schema, row, event_column);
    std::optional<std::string> date;
    if (event) date = DateOfMicros(*event);
    if (!date) {
      event.reset();
      if (event_column != fetched_at) {
        if (std::optional<int64_t> f = TimeOf(schema, row, fetched_at)) date = DateOfMicros(*f);
      }
      if (!date) date = now_date;
    }
    if (last == nullptr || last->date != *date) {
      last = &by_date[*date];
      last->date = *date;
    }
    last->rows.push_back(static_cast<uint32_t>(i));
    if (event) {
      if (!last->min_event_us || *event < *last->min_event_us) last->min_event_us = event;
      if (!last->max_event_us || *event > *last->max_event_us) last->max_event_us = event;
    }
  }
  std::vector<Partition> out;
  out.reserve(by_date.size());
  for (auto& [date, partition] : by_date) out.push_back(std::move(partition));
  return out;
}

}  // namespace polypipe::bronze
