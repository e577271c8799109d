#include "bronze/partitioner.h"

#include <map>

#include "bronze/utc_time.h"

namespace polypipe::bronze {
namespace {

// The event time in micros held by column `index` of row `r`, if that column is a time column and
// the cell is not NULL.
std::optional<int64_t> TimeOf(const ColumnBatch& batch, size_t r, int index) {
  if (index < 0 || static_cast<size_t>(index) >= batch.column_count() || batch.IsNull(index, r)) {
    return std::nullopt;
  }
  switch (batch.type(index)) {
    case ColumnType::kBigint:
      return MicrosOfSeconds(batch.Int(index, r));
    case ColumnType::kTimestamp:
      return batch.Int(index, r);
    default:
      return std::nullopt;
  }
}

}  // namespace

std::vector<Partition> PartitionRows(const Schema& schema, const ColumnBatch& rows,
                                     int64_t now_us) {
  const int fetched_at = schema.Index("_fetched_at");
  const int event_column = schema.partition_column >= 0 ? schema.partition_column : fetched_at;
  const std::string now_date = DateOfMicros(now_us).value_or("1970-01-01");

  std::map<std::string, Partition> by_date;
  // Rows come in runs of one date: while the day number stays that of the last row placed by its
  // event time, the row joins the same partition without formatting its date.
  Partition* last = nullptr;
  std::optional<int64_t> last_day;
  constexpr int64_t kMicrosPerDay = 86'400'000'000;
  auto day_of = [](int64_t us) { return us / kMicrosPerDay - (us % kMicrosPerDay < 0 ? 1 : 0); };
  for (size_t i = 0; i < rows.size(); ++i) {
    std::optional<int64_t> event = TimeOf(rows, i, event_column);
    if (!event || !last_day || day_of(*event) != *last_day) {
      std::optional<std::string> date;
      if (event) date = DateOfMicros(*event);
      if (!date) {
        event.reset();
        if (event_column != fetched_at) {
          if (std::optional<int64_t> f = TimeOf(rows, i, fetched_at)) date = DateOfMicros(*f);
        }
        if (!date) date = now_date;
      }
      if (last == nullptr || last->date != *date) {
        last = &by_date[*date];
        last->date = *date;
      }
      last_day.reset();
      if (event) last_day = day_of(*event);
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
