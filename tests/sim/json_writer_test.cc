// JsonWriter: the text it writes parses back to the same values, whatever the strings hold.

#include "sim/json_writer.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace polysim {
namespace {

TEST(JsonWriter, StringsRoundTripWithEveryEscapeAtEveryOffset) {
  const std::string specials[] = {"\"",   "\\",   "\n",       "\r", "\t", std::string(1, '\0'),
                                  "\x01", "\x1f", "“quoted”", "ü",  "/"};
  for (const auto& special : specials) {
    for (size_t pos = 0; pos < 20; ++pos) {
      std::string value = std::string(pos, 'a') + special + std::string(19 - pos, 'b');
      std::string out;
      AppendJsonString(out, value);
      const auto parsed = nlohmann::json::parse(out, nullptr, false);
      ASSERT_FALSE(parsed.is_discarded()) << out;
      EXPECT_EQ(parsed.get<std::string>(), value);
    }
  }
}

TEST(JsonWriter, NestedContainersAndNumbers) {
  std::string out;
  JsonWriter w(out);
  w.BeginObject().Field("a", 1).Field("b", 0.3200000233).Field("c", true);
  w.Key("d").BeginArray().Int(-5).Double(1.0).Null().String("x").EndArray();
  w.Key("e").BeginObject().EndObject();
  w.EndObject();
  EXPECT_EQ(out, R"({"a":1,"b":0.3200000233,"c":true,"d":[-5,1,null,"x"],"e":{}})");
}

}  // namespace
}  // namespace polysim
