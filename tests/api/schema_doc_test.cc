// docs/bronze-schema.md lists every Bronze dataset's columns; this test keeps it equal to the
// schemas the parsers build. After changing a schema, regenerate the file with
//   POLYPIPE_WRITE_SCHEMA_DOC=1 build/tests/api/api_test --gtest_filter='SchemaDoc.*'

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "api/clob_api.h"
#include "api/data_api.h"
#include "api/gamma_api.h"

namespace polypipe::api {
namespace {

const char* TypeName(bronze::ColumnType t) {
  switch (t) {
    case bronze::ColumnType::kVarchar:
      return "VARCHAR";
    case bronze::ColumnType::kBigint:
      return "BIGINT";
    case bronze::ColumnType::kDouble:
      return "DOUBLE";
    case bronze::ColumnType::kBoolean:
      return "BOOLEAN";
    case bronze::ColumnType::kTimestamp:
      return "TIMESTAMP (UTC)";
    case bronze::ColumnType::kVarcharList:
      return "VARCHAR[]";
    case bronze::ColumnType::kJson:
      return "VARCHAR (JSON text)";
  }
  return "?";
}

std::string Render() {
  std::ostringstream out;
  out << "# Bronze columns\n\n"
         "Generated from the schemas in `src/api` (a test keeps this file equal to them). Column\n"
         "names are the API's field names in snake_case. Every dataset ends with the lineage "
         "columns\n"
         "`_fetched_at`, `_run_id`, `_source`; API-object datasets keep fields the schema does "
         "not\n"
         "know, or values of an unexpected type, in `_extra` (a JSON object, NULL when empty).\n";
  for (const bronze::Schema* s : {&ClobMarketsSchema(), &MarketTokensSchema(), &TradesSchema(),
                                  &PricesSchema(), &LeaderboardSchema(), &GammaMarketsSchema(),
                                  &GammaEventsSchema(), &GammaCategoriesSchema()}) {
    out << "\n## " << s->dataset << "\n\n";
    out << "Partitioned by "
        << (s->partition_column >= 0
                ? "the UTC date of `" + s->columns[static_cast<size_t>(s->partition_column)].name +
                      "`"
                : std::string("the UTC date of `_fetched_at` (snapshot date)"))
        << "; " << s->columns.size() << " columns.\n\n| column | type |\n|---|---|\n";
    for (const bronze::Column& c : s->columns) {
      out << "| `" << c.name << "` | " << TypeName(c.type) << " |\n";
    }
  }
  return out.str();
}

TEST(SchemaDoc, DocsListTheColumnsOfEverySchema) {
  const std::string path = POLYPIPE_SOURCE_DIR "/docs/bronze-schema.md";
  const std::string expected = Render();
  if (std::getenv("POLYPIPE_WRITE_SCHEMA_DOC")) std::ofstream(path) << expected;
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), expected) << path << " is stale; regenerate it (see the top of this test)";
}

}  // namespace
}  // namespace polypipe::api
