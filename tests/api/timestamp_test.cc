#include "api/timestamp.h"

#include <gtest/gtest.h>

namespace polypipe::api {
namespace {

constexpr int64_t kSecond = 1'000'000;

TEST(ParseTimestamp, EverySampleFormat) {
  // 2025-07-11T18:35:56Z is 1752258956.
  EXPECT_EQ(ParseTimestamp("2025-07-11T18:35:56.805Z"), 1'752'258'956 * kSecond + 805'000);
  EXPECT_EQ(ParseTimestamp("2026-06-14T11:04:26.005876Z"), 1'781'435'066 * kSecond + 5'876);
  EXPECT_EQ(ParseTimestamp("2026-09-28 17:46:27+00"), 1'790'617'587 * kSecond);
  EXPECT_EQ(ParseTimestamp("2026-09-28T17:46:27Z"), 1'790'617'587 * kSecond);
  EXPECT_EQ(ParseTimestamp("2024-02-12 22:36:40.783+00"), 1'707'777'400 * kSecond + 783'000);
  EXPECT_EQ(ParseTimestamp("2028-11-07"), 1'857'168'000 * kSecond);
  EXPECT_EQ(ParseTimestamp("2500-12-31"), 16'756'675'200 * kSecond);
}

TEST(ParseTimestamp, ZonesAndPrecision) {
  const int64_t utc = *ParseTimestamp("2026-01-01T12:00:00Z");
  EXPECT_EQ(ParseTimestamp("2026-01-01T12:00:00"), utc);  // no zone: UTC
  EXPECT_EQ(ParseTimestamp("2026-01-01T14:00:00+02:00"), utc);
  EXPECT_EQ(ParseTimestamp("2026-01-01T14:00:00+0200"), utc);
  EXPECT_EQ(ParseTimestamp("2026-01-01T07:00:00-05"), utc);
  EXPECT_EQ(ParseTimestamp("2026-01-01T12:00Z"), utc);  // no seconds
  EXPECT_EQ(ParseTimestamp("2026-01-01t12:00:00z"), utc);
  EXPECT_EQ(ParseTimestamp("2026-01-01T12:00:00.1234567891Z"), utc + 123'456);  // truncated
  EXPECT_EQ(ParseTimestamp("2026-01-01T12:00:00.5Z"), utc + 500'000);
  EXPECT_EQ(ParseTimestamp("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseTimestamp("1969-12-31T23:59:59Z"), -kSecond);
  EXPECT_EQ(ParseTimestamp("2024-02-29"), 1'709'164'800 * kSecond);  // leap day
}

TEST(ParseTimestamp, RejectsEverythingElse) {
  for (const char* bad : {"",
                          " ",
                          "2026",
                          "2026-1-01",
                          "2026-13-01",
                          "2026-00-10",
                          "2026-02-30",
                          "2025-02-29",
                          "2026-01-32",
                          "2026-01-01T24:00:00Z",
                          "2026-01-01T12:60:00Z",
                          "2026-01-01T12:00:61Z",
                          "2026-01-01T12",
                          "2026-01-01X12:00:00",
                          "2026-01-01T12:00:00.Z",
                          "2026-01-01T12:00:00ZZ",
                          "2026-01-01T12:00:00+2",
                          "2026-01-01T12:00:00+25:00",
                          "2026-01-01T12:00:00 UTC",
                          "1790619014",
                          "yesterday",
                          "2026-01-01T12:00:00+00:00x"}) {
    EXPECT_FALSE(ParseTimestamp(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace polypipe::api
