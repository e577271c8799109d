#include "bronze/column_batch.h"

#include <algorithm>
#include <functional>

namespace polypipe::bronze {
namespace {

// A column's cache of recent strings starts with this many slots (a power of two) and doubles while
// the column has looked up twice as many strings as it has slots, up to the most: the cache costs
// at most 4 bytes per long string, and 128 KB per column holds the distinct titles, slugs and
// wallets of a batch of tens of thousands of trades.
constexpr size_t kFirstRecentSlots = 64;
constexpr size_t kMostRecentSlots = size_t{1} << 14;
// Shorter strings cost less to store again than to hash.
constexpr size_t kMinRecentSize = 16;
// After this many lookups a column that found fewer than one string in kMostMissesPerFind keeps
// storing its strings without looking them up until Clear: its strings are mostly distinct.
constexpr size_t kLookupsBeforeJudging = 1024;
constexpr size_t kMostMissesPerFind = 8;

}  // namespace

ColumnBatch::ColumnBatch(const Schema& schema) {
  columns_.reserve(schema.columns.size());
  for (const Column& c : schema.columns) {
    columns_.emplace_back();
    columns_.back().type = c.type;
  }
}

ColumnBatch ColumnBatch::Of(const Schema& schema, const std::vector<Row>& rows) {
  ColumnBatch batch(schema);
  for (const Row& row : rows) batch.Append(row);
  return batch;
}

ColumnBatch::Span ColumnBatch::Store(Values& c, std::string_view s, const Span* previous) {
  if (previous != nullptr && previous->size == s.size() && View(c, *previous) == s) {
    return *previous;
  }
  Recent* slot = nullptr;
  uint32_t tag = 0;
  if (s.size() >= kMinRecentSize && c.lookup) {
    if (++c.lookups >= 2 * c.recent.size() && c.recent.size() < kMostRecentSlots) {
      // Slots move with the size, so the cache starts over.
      c.recent.assign(std::max(kFirstRecentSlots, 2 * c.recent.size()), Recent{});
    }
    const size_t hash = std::hash<std::string_view>{}(s);
    tag = static_cast<uint32_t>(hash >> 32);
    slot = &c.recent[hash & (c.recent.size() - 1)];
    if (slot->tag == tag && slot->span.size == s.size() && View(c, slot->span) == s) {
      ++c.found;
      return slot->span;
    }
    if (c.lookups == kLookupsBeforeJudging && c.found * kMostMissesPerFind < c.lookups) {
      c.lookup = false;
    }
  }
  const Span span = Put(c, s);
  if (slot != nullptr) *slot = Recent{span, tag};
  return span;
}

ColumnBatch::Span ColumnBatch::Put(Values& c, std::string_view s) {
  const auto size = static_cast<uint32_t>(s.size());
  c.text_bytes += s.size();
  if (s.size() > kChunkBytes / 2) {
    c.big.emplace_back(s);
    return Span{kBig | static_cast<uint32_t>(c.big.size() - 1), size};
  }
  if (c.chunk < c.chunks.size() && c.chunks[c.chunk].size() + s.size() > kChunkBytes) ++c.chunk;
  if (c.chunk == c.chunks.size()) c.chunks.emplace_back().reserve(kChunkBytes);
  std::string& chunk = c.chunks[c.chunk];
  const auto offset = static_cast<uint32_t>(chunk.size());
  chunk.append(s);
  return Span{static_cast<uint32_t>(c.chunk) << kOffsetBits | offset, size};
}

void ColumnBatch::Append(const Row& row) {
  for (size_t col = 0; col < columns_.size(); ++col) {
    Values& c = columns_[col];
    const Cell& cell = row[col];
    const bool valid = !std::holds_alternative<std::monostate>(cell);
    c.valid.push_back(valid);
    switch (c.type) {
      case ColumnType::kBigint:
      case ColumnType::kTimestamp: {
        const int64_t* v = std::get_if<int64_t>(&cell);
        c.fixed.push_back(Fixed{.i = v ? *v : 0});
        break;
      }
      case ColumnType::kDouble: {
        Fixed f{.d = 0};
        if (const double* d = std::get_if<double>(&cell)) {
          f.d = *d;
        } else if (const int64_t* i = std::get_if<int64_t>(&cell)) {
          f.d = static_cast<double>(*i);
        }
        c.fixed.push_back(f);
        break;
      }
      case ColumnType::kBoolean: {
        const bool* b = std::get_if<bool>(&cell);
        c.fixed.push_back(Fixed{.i = b && *b ? 1 : 0});
        break;
      }
      case ColumnType::kVarchar:
      case ColumnType::kJson: {
        const std::string* s = std::get_if<std::string>(&cell);
        c.spans.push_back(Store(c, s ? std::string_view(*s) : std::string_view(),
                                c.spans.empty() ? nullptr : &c.spans.back()));
        break;
      }
      case ColumnType::kVarcharList: {
        const auto* l = std::get_if<std::vector<std::string>>(&cell);
        Range range{static_cast<uint32_t>(c.items.size()),
                    static_cast<uint32_t>(l ? l->size() : 0)};
        if (l) {
          for (const std::string& item : *l) c.items.push_back(Store(c, item, nullptr));
        }
        c.lists.push_back(range);
        break;
      }
    }
  }
  ++size_;
}

void ColumnBatch::Clear() {
  for (Values& c : columns_) {
    c.valid.clear();
    c.fixed.clear();
    c.spans.clear();
    c.lists.clear();
    c.items.clear();
    for (std::string& chunk : c.chunks) chunk.clear();
    c.chunk = 0;
    c.big = {};
    c.text_bytes = 0;
    std::fill(c.recent.begin(), c.recent.end(), Recent{});
    c.lookups = 0;
    c.found = 0;
    c.lookup = true;
  }
  size_ = 0;
}

size_t ColumnBatch::text_bytes() const {
  size_t most = 0;
  for (const Values& c : columns_) most = std::max(most, c.text_bytes);
  return most;
}

size_t ColumnBatch::bytes() const {
  size_t total = 0;
  for (const Values& c : columns_) {
    total += c.valid.capacity() + c.fixed.capacity() * sizeof(Fixed) +
             (c.spans.capacity() + c.items.capacity()) * sizeof(Span) +
             c.lists.capacity() * sizeof(Range) + c.recent.capacity() * sizeof(Recent) +
             c.chunks.size() * kChunkBytes;
    for (const std::string& s : c.big) total += s.capacity();
  }
  return total;
}

size_t ColumnBatch::used_bytes() const {
  size_t total = 0;
  for (const Values& c : columns_) {
    total += c.valid.size() + c.fixed.size() * sizeof(Fixed) +
             (c.spans.size() + c.items.size()) * sizeof(Span) + c.lists.size() * sizeof(Range) +
             c.recent.size() * sizeof(Recent) + c.text_bytes;
  }
  return total;
}

}  // namespace polypipe::bronze
