#include "bronze/column_batch.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/bronze/test_rows.h"

namespace polypipe::bronze {
namespace {

using Strings = std::vector<std::string>;

// Every column of row `r`, read back from the batch, as a Row.
Row ReadBack(const ColumnBatch& b, size_t r) {
  Row row;
  for (size_t c = 0; c < b.column_count(); ++c) {
    if (b.IsNull(c, r)) {
      row.emplace_back();
      continue;
    }
    switch (b.type(c)) {
      case ColumnType::kBigint:
      case ColumnType::kTimestamp:
        row.emplace_back(b.Int(c, r));
        break;
      case ColumnType::kDouble:
        row.emplace_back(b.Double(c, r));
        break;
      case ColumnType::kBoolean:
        row.emplace_back(b.Bool(c, r));
        break;
      case ColumnType::kVarchar:
      case ColumnType::kJson:
        row.emplace_back(std::string(b.Text(c, r)));
        break;
      case ColumnType::kVarcharList: {
        Strings items;
        for (size_t i = 0; i < b.ListSize(c, r); ++i) items.emplace_back(b.ListItem(c, r, i));
        row.emplace_back(std::move(items));
        break;
      }
    }
  }
  return row;
}

const Schema kSchema = testing::AllTypesSchema();

Row Full(int64_t id, std::string name) {
  return Row{id,
             std::move(name),
             0.25,
             true,
             int64_t{1'700'000'000'000'000},
             Strings{"a", "", "ü"},
             std::string(R"({"k":[1,2]})"),
             int64_t{7}};
}

TEST(ColumnBatch, EveryTypeAndNullReadsBackAsAppended) {
  const Row nulls(kSchema.columns.size());
  Row empties = Full(-3, "");
  empties[5] = Strings{};
  const std::vector<Row> rows = {Full(1, "first"), nulls, empties, Full(INT64_MAX, "x")};
  const ColumnBatch b = ColumnBatch::Of(kSchema, rows);
  ASSERT_EQ(b.size(), rows.size());
  for (size_t r = 0; r < rows.size(); ++r) EXPECT_EQ(ReadBack(b, r), rows[r]) << "row " << r;
  // An empty list and an empty string are values, not NULL.
  EXPECT_FALSE(b.IsNull(5, 2));
  EXPECT_FALSE(b.IsNull(1, 2));
  EXPECT_TRUE(b.IsNull(5, 1));
}

TEST(ColumnBatch, IntegersInADoubleColumnBecomeDoubles) {
  Row row = Full(1, "n");
  row[2] = int64_t{3};
  const ColumnBatch b = ColumnBatch::Of(kSchema, {row});
  EXPECT_EQ(b.Double(2, 0), 3.0);
}

TEST(ColumnBatch, RepeatedStringsAreStoredOnce) {
  const std::string title(1000, 't');
  std::vector<Row> same, different;
  for (int i = 0; i < 100; ++i) {
    same.push_back(Full(i, title));
    different.push_back(Full(i, title + std::to_string(i)));
  }
  const ColumnBatch a = ColumnBatch::Of(kSchema, same);
  const ColumnBatch b = ColumnBatch::Of(kSchema, different);
  EXPECT_LT(a.used_bytes() + 50'000, b.used_bytes());
  for (size_t r = 0; r < 100; ++r) {
    EXPECT_EQ(a.Text(1, r), title);
    EXPECT_EQ(b.Text(1, r), title + std::to_string(r));
  }
}

TEST(ColumnBatch, InterleavedRepeatsAreStoredOnceAndReadBackExactly) {
  // Twenty markets' titles taking turns, as the trades of one page of a feed do, and list items
  // repeated across rows.
  std::vector<std::string> titles;
  for (int m = 0; m < 20; ++m) titles.push_back(std::string(500, static_cast<char>('a' + m)));
  std::vector<Row> rows;
  for (int i = 0; i < 2000; ++i) {
    Row row = Full(i, titles[i % 20]);
    row[5] = Strings{titles[(i + 1) % 20], "short", titles[(i + 7) % 20]};
    rows.push_back(std::move(row));
  }
  ColumnBatch b = ColumnBatch::Of(kSchema, rows);
  // 2,000 titles and 4,000 long items of 500 bytes would be 3 MB of text; the 20 distinct ones are
  // 10 KB, stored again only when two share a slot or the cache starts over as it grows.
  EXPECT_LT(b.text_bytes(), 300'000u);
  for (size_t r = 0; r < rows.size(); ++r) ASSERT_EQ(ReadBack(b, r), rows[r]) << "row " << r;
  // After Clear the recent strings are forgotten with the text that held them.
  b.Clear();
  std::vector<Row> other = {Full(1, std::string(500, 'z')), Full(2, titles[3])};
  for (const Row& row : other) b.Append(row);
  EXPECT_EQ(ReadBack(b, 0), other[0]);
  EXPECT_EQ(ReadBack(b, 1), other[1]);
}

TEST(ColumnBatch, AColumnOfDistinctStringsStopsLookingUpAndStillReadsBackExactly) {
  // Transaction hashes: every string new, so after the first thousand lookups the column stops
  // looking them up; the titles beside them keep being stored once, and after Clear the column
  // looks up again.
  const std::string title(200, 'T');
  std::vector<Row> rows;
  for (int i = 0; i < 5000; ++i) {
    Row row = Full(i, fmt::format("0x{:064x}", static_cast<uint64_t>(i) * 0x9E3779B97F4A7C15ULL));
    row[6] = title;                                 // the kJson column
    if (i >= 4000) row[1] = std::string(100, 'r');  // repeats once the column stopped looking up
    rows.push_back(std::move(row));
  }
  ColumnBatch b = ColumnBatch::Of(kSchema, rows);
  for (size_t r = 0; r < rows.size(); ++r) ASSERT_EQ(ReadBack(b, r), rows[r]) << "row " << r;
  EXPECT_LT(b.text_bytes(), 4000u * 66u + 100u * 1000u);

  b.Clear();
  const std::vector<std::string> names = {std::string(100, 'a'), std::string(100, 'b')};
  for (int i = 0; i < 2000; ++i) b.Append(Full(i, names[i % 2]));
  for (size_t r = 0; r < 2000; ++r) ASSERT_EQ(b.Text(1, r), names[r % 2]);
  EXPECT_LT(b.text_bytes(), 10'000u);
}

TEST(ColumnBatch, StringsAcrossChunksAndLongerThanAChunkReadBackExactly) {
  // Distinct strings of every size around the 128 KB chunk and half of it, so some fill a chunk
  // to its last byte, some start the next one and some are held on their own; then Clear and again,
  // reusing the chunks.
  std::vector<Row> rows;
  const std::vector<size_t> sizes = {0,          1,       65'535,    65'536,  65'537,
                                     131'071,    131'072, 131'073,   400'000, 30'000,
                                     65'536 - 7, 1,       1'000'000, 99'999,  3};
  for (size_t i = 0; i < 3 * sizes.size(); ++i) {
    const size_t size = sizes[i % sizes.size()];
    std::string text(size, static_cast<char>('a' + i % 26));
    if (size > 0) text.back() = static_cast<char>('0' + i % 10);  // none repeats the one above
    Row row = Full(static_cast<int64_t>(i), text);
    row[5] = Strings{text, "x", std::string(size / 2, 'L')};
    rows.push_back(std::move(row));
  }
  ColumnBatch b(kSchema);
  for (int round = 0; round < 2; ++round) {
    b.Clear();
    for (const Row& row : rows) b.Append(row);
    ASSERT_EQ(b.size(), rows.size());
    for (size_t r = 0; r < rows.size(); ++r) ASSERT_EQ(ReadBack(b, r), rows[r]) << "row " << r;
    size_t text = 0;
    for (size_t size : sizes) text += size;
    EXPECT_GE(b.text_bytes(), 3 * text);
    // Spare room: under a chunk per text column besides the strings and the fixed arrays.
    EXPECT_LT(b.bytes(), b.used_bytes() + 3 * (size_t{128} << 10) + (size_t{64} << 10));
  }
}

TEST(ColumnBatch, ClearEmptiesAndTheNextRowsReadBack) {
  const std::vector<Row> first = {Full(1, "one"), Row(kSchema.columns.size())};
  const std::vector<Row> second = {Full(2, "two"), Full(3, "two")};
  ColumnBatch b = ColumnBatch::Of(kSchema, first);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(ReadBack(b, 0), first[0]);
  EXPECT_EQ(ReadBack(b, 1), first[1]);
  b.Clear();
  EXPECT_TRUE(b.empty());
  for (const Row& row : second) b.Append(row);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(ReadBack(b, 0), second[0]);
  EXPECT_EQ(ReadBack(b, 1), second[1]);
}

}  // namespace
}  // namespace polypipe::bronze
