// ColumnBatch: rows of one Schema held column by column, the form in which a Sink buffers rows
// between the fetch workers and the Parquet writer.
//
// A Row (row.h) costs a variant per cell and an allocation per long string; a batch keeps each
// column in one array of fixed values or of spans into its text, held in chunks of 128 KB that are
// filled in turn (no text is moved as a batch grows, and at most a chunk per column is spare), so a
// batch of trades takes about a third of the memory of the same rows and is freed in a few calls. A
// string equal to one stored recently in its column (a market's title on each of its trades, a
// wallet's profile on each of its fills, interleaved as a page of 20 markets interleaves them) is
// stored once: each text column remembers the last string stored per hash slot. A column whose
// strings rarely repeat (transaction hashes) stops looking them up, as a lookup costs more than it
// saves.
//
// Thread-safety: not thread-safe; a batch belongs to one thread at a time.

#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bronze/row.h"

namespace polypipe::bronze {

class ColumnBatch {
 public:
  explicit ColumnBatch(const Schema& schema);
  // A batch holding `rows`. REQUIRES: every row fits `schema` (CheckRow).
  static ColumnBatch Of(const Schema& schema, const std::vector<Row>& rows);

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t column_count() const { return columns_.size(); }
  ColumnType type(size_t col) const { return columns_[col].type; }

  // Adds one row. REQUIRES: it fits the schema (CheckRow), and text_bytes() plus the row's text
  // stays under kMaxTextBytes.
  void Append(const Row& row);
  // Drops every row, keeping the memory for the next rows (but that of strings over 64 KB).
  void Clear();

  bool IsNull(size_t col, size_t row) const { return !columns_[col].valid[row]; }
  // kBigint and kTimestamp values; kDouble values as double; kBoolean values as bool. A NULL cell
  // reads as 0.
  int64_t Int(size_t col, size_t row) const { return columns_[col].fixed[row].i; }
  double Double(size_t col, size_t row) const { return columns_[col].fixed[row].d; }
  bool Bool(size_t col, size_t row) const { return columns_[col].fixed[row].i != 0; }
  // kVarchar and kJson values ("" for NULL).
  std::string_view Text(size_t col, size_t row) const {
    const Values& c = columns_[col];
    return View(c, c.spans[row]);
  }
  // kVarcharList values: the number of items of a row and each item (0 items for NULL).
  size_t ListSize(size_t col, size_t row) const { return columns_[col].lists[row].count; }
  std::string_view ListItem(size_t col, size_t row, size_t i) const {
    const Values& c = columns_[col];
    return View(c, c.items[c.lists[row].first + i]);
  }

  // Bytes held, for memory accounting, and the part of them the values use (without the spare
  // capacity kept for the next rows): what a Sink's memory budget counts.
  size_t bytes() const;
  size_t used_bytes() const;
  // The most text bytes held by one column (strings equal to the one above them count once).
  size_t text_bytes() const;
  static constexpr size_t kMaxTextBytes = size_t{1} << 30;

 private:
  // A string's place in 32 bits: a chunk and an offset in it, or (kBig set) the index of a string
  // too long for a chunk. Chunks are over half full when the next is started, so a column's text
  // under kMaxTextBytes needs fewer than 2^14 of them.
  static constexpr size_t kChunkBytes = size_t{1} << 17;
  static constexpr int kOffsetBits = 17;
  static constexpr uint32_t kBig = uint32_t{1} << 31;
  struct Span {
    uint32_t at = 0;
    uint32_t size = 0;
  };
  struct Range {
    uint32_t first = 0;
    uint32_t count = 0;
  };
  union Fixed {
    int64_t i;
    double d;
  };
  // A recent string: its span and 32 bits of its hash, so that a slot holding other bytes is told
  // apart without reading them (they lie anywhere in the column's text, mostly out of cache).
  struct Recent {
    Span span;
    uint32_t tag = 0;
  };
  struct Values {
    ColumnType type;
    std::vector<uint8_t> valid;
    std::vector<Fixed> fixed;         // kBigint, kTimestamp, kDouble, kBoolean
    std::vector<Span> spans;          // kVarchar, kJson: strings
    std::vector<Range> lists;         // kVarcharList: a range of `items`
    std::vector<Span> items;          // kVarcharList: strings
    std::vector<std::string> chunks;  // kChunkBytes of capacity each, filled in turn
    size_t chunk = 0;                 // the one being filled
    std::vector<std::string> big;     // strings over kChunkBytes / 2
    size_t text_bytes = 0;            // of the strings stored
    // kVarchar, kJson, kVarcharList: the string last stored per hash slot of its bytes (empty
    // until the first string long enough to look up), how many strings were looked up since Clear
    // and how many of those were found; `lookup` turns false when too few are.
    std::vector<Recent> recent;
    size_t lookups = 0;
    size_t found = 0;
    bool lookup = true;
  };

  static std::string_view View(const Values& c, Span s) {
    if (s.size == 0) return {};
    if ((s.at & kBig) != 0) return c.big[s.at & ~kBig];
    return std::string_view(c.chunks[s.at >> kOffsetBits].data() + (s.at & (kChunkBytes - 1)),
                            s.size);
  }
  // Stores `s`, reusing the previous span, or the one recently stored in the slot of its hash,
  // when it holds the same bytes.
  static Span Store(Values& c, std::string_view s, const Span* previous);
  // Stores `s` as a new string.
  static Span Put(Values& c, std::string_view s);

  std::vector<Values> columns_;
  size_t size_ = 0;
};

}  // namespace polypipe::bronze
