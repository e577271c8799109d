#include "bronze/row_check.h"

#include <gtest/gtest.h>

#include "tests/bronze/test_rows.h"

namespace polypipe::bronze {
namespace {

TEST(RowCheck, AcceptsMatchingRowsAndNulls) {
  const Schema schema = testing::AllTypesSchema();
  std::string why;
  Row row = {int64_t{1},        std::string("a"), 1.5, true, int64_t{2}, std::vector<std::string>{},
             std::string("{}"), int64_t{3}};
  EXPECT_TRUE(CheckRow(schema, row, &why)) << why;
  EXPECT_TRUE(CheckRow(schema, Row(schema.columns.size()), &why)) << why;
  row[2] = int64_t{4};  // an integer is a fine DOUBLE
  EXPECT_TRUE(CheckRow(schema, row, &why)) << why;
  EXPECT_TRUE(CheckRow(testing::TradeSchema(), testing::TradeRow(1, 2), &why)) << why;
}

TEST(RowCheck, RejectsWrongWidthAndWrongTypes) {
  const Schema schema = testing::AllTypesSchema();
  std::string why;
  EXPECT_FALSE(CheckRow(schema, Row(3), &why));
  EXPECT_NE(why.find("3 cells for 8 columns"), std::string::npos) << why;

  Row row(schema.columns.size());
  row[0] = std::string("1");
  EXPECT_FALSE(CheckRow(schema, row, &why));
  EXPECT_NE(why.find("column id (BIGINT) holds a string"), std::string::npos) << why;

  row = Row(schema.columns.size());
  row[5] = std::string("a");
  EXPECT_FALSE(CheckRow(schema, row, &why));
  EXPECT_NE(why.find("tags"), std::string::npos) << why;

  row = Row(schema.columns.size());
  row[3] = int64_t{1};
  EXPECT_FALSE(CheckRow(schema, row, &why));
}

}  // namespace
}  // namespace polypipe::bronze
