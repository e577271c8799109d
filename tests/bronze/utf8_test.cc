#include "bronze/utf8.h"

#include <gtest/gtest.h>

namespace polypipe::bronze {
namespace {

TEST(Utf8, AcceptsWellFormedText) {
  for (const char* ok : {"", "plain ascii that is longer than eight bytes", "ñ", "日本語",
                         "🚀 emoji", "\xF4\x8F\xBF\xBF" /* U+10FFFF */, "\xEF\xBF\xBD"}) {
    EXPECT_TRUE(IsValidUtf8(ok)) << ok;
    EXPECT_EQ(RepairUtf8(ok), ok);
  }
  EXPECT_TRUE(IsValidUtf8(std::string("a\0b", 3)));
}

TEST(Utf8, RejectsIllFormedText) {
  for (const char* bad : {"\xff", "\xc3", "\xc0\x80" /* overlong NUL */, "\xe0\x80\x80",
                          "\xed\xa0\x80" /* surrogate */, "\xf4\x90\x80\x80" /* > U+10FFFF */,
                          "\xf5\x80\x80\x80", "abcdefgh\x80", "\xe6\x97"}) {
    EXPECT_FALSE(IsValidUtf8(bad)) << testing::PrintToString(bad);
  }
}

TEST(Utf8, RepairReplacesMaximalSubparts) {
  const std::string r = "\xEF\xBF\xBD";
  EXPECT_EQ(RepairUtf8("a\xff"
                       "b"),
            "a" + r + "b");
  EXPECT_EQ(RepairUtf8("\xe6\x97"
                       "x"),
            r + "x");                                // truncated 3-byte sequence: one U+FFFD
  EXPECT_EQ(RepairUtf8("\xc0\x80"), r + r);          // C0 never starts a sequence
  EXPECT_EQ(RepairUtf8("\xed\xa0\x80"), r + r + r);  // ED A0 is not a valid start pair
  EXPECT_EQ(RepairUtf8("\xf0\x9f\x9a"), r);          // truncated emoji
  EXPECT_EQ(RepairUtf8("ok \xf0\x9f\x9a\x80 \xff"), "ok 🚀 " + r);
  EXPECT_TRUE(IsValidUtf8(RepairUtf8("\xff\xfe\xfd mixed \xc3\x28 junk \xe2\x82")));
}

}  // namespace
}  // namespace polypipe::bronze
