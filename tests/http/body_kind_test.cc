// BodyKind: classification of response bodies by their first meaningful byte.

#include "http/body_kind.h"

#include <gtest/gtest.h>

namespace polypipe::http {
namespace {

TEST(BodyKind, ClassifiesByFirstNonSpaceByte) {
  EXPECT_EQ(ClassifyBody(R"({"data":[]})"), BodyKind::kJson);
  EXPECT_EQ(ClassifyBody(" \r\n\t[1,2]"), BodyKind::kJson);
  EXPECT_EQ(ClassifyBody("\xEF\xBB\xBF{}"), BodyKind::kJson);
  EXPECT_EQ(ClassifyBody("<!DOCTYPE html><title>Attention Required! | Cloudflare</title>"),
            BodyKind::kHtml);
  EXPECT_EQ(ClassifyBody("\n<html>"), BodyKind::kHtml);
  EXPECT_EQ(ClassifyBody("error code: 1015"), BodyKind::kText);
  EXPECT_EQ(ClassifyBody(std::string_view("\0{", 2)), BodyKind::kText);
  EXPECT_EQ(ClassifyBody(""), BodyKind::kEmpty);
  EXPECT_EQ(ClassifyBody(" \n "), BodyKind::kEmpty);
}

TEST(BodyKind, TruncatedJsonStillLooksLikeJson) {
  // Broken JSON is the API layer's to report; the kind only says what the body claims to be.
  EXPECT_EQ(ClassifyBody(R"({"data":[{"a")"), BodyKind::kJson);
}

TEST(BodyKind, Names) {
  EXPECT_EQ(BodyKindName(BodyKind::kJson), "json");
  EXPECT_EQ(BodyKindName(BodyKind::kHtml), "html");
  EXPECT_EQ(BodyKindName(BodyKind::kText), "text");
  EXPECT_EQ(BodyKindName(BodyKind::kEmpty), "empty");
}

}  // namespace
}  // namespace polypipe::http
