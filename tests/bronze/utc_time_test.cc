#include "bronze/utc_time.h"

#include <gtest/gtest.h>

#include <limits>

namespace polypipe::bronze {
namespace {

constexpr int64_t kSecond = 1'000'000;

TEST(UtcTime, DatesAroundTheEpochAndLeapDays) {
  EXPECT_EQ(DateOfMicros(0), "1970-01-01");
  EXPECT_EQ(DateOfMicros(-1), "1969-12-31");
  EXPECT_EQ(DateOfMicros(1767225600 * kSecond), "2026-01-01");
  EXPECT_EQ(DateOfMicros(1767225600 * kSecond - 1), "2025-12-31");
  EXPECT_EQ(DateOfMicros(1709164800 * kSecond), "2024-02-29");
  EXPECT_EQ(DateOfMicros(951782400 * kSecond), "2000-02-29");
  EXPECT_EQ(DateOfMicros(4107542400 * kSecond), "2100-03-01");  // 2100 is not a leap year
}

TEST(UtcTime, ImplausibleYearsHaveNoDate) {
  EXPECT_EQ(DateOfMicros(std::numeric_limits<int64_t>::max()), std::nullopt);
  EXPECT_EQ(DateOfMicros(std::numeric_limits<int64_t>::min()), std::nullopt);
  // Milliseconds mistaken for seconds land far beyond year 9999.
  EXPECT_EQ(DateOfMicros(MicrosOfSeconds(1767225600000)), std::nullopt);
  EXPECT_EQ(DateOfMicros(MicrosOfSeconds(253402300799)), "9999-12-31");
}

TEST(UtcTime, FileStampAndIso) {
  const int64_t t = (1767225600 + 3600 + 2 * 60 + 3) * kSecond + 123;
  EXPECT_EQ(FileStampOfMicros(t), "20260101_010203_000123");
  EXPECT_EQ(IsoOfMicros(t), "2026-01-01T01:02:03.000123Z");
  EXPECT_EQ(IsoOfMicros(-1), "1969-12-31T23:59:59.999999Z");
}

TEST(UtcTime, AFileStampReadsBackAndNothingElseDoes) {
  for (const int64_t t : {int64_t{0}, int64_t{1767229323} * kSecond + 123,
                          int64_t{951782400} * kSecond,                  // 2000-02-29
                          int64_t{253402300799} * kSecond + 999'999}) {  // 9999-12-31
    EXPECT_EQ(MicrosOfFileStamp(FileStampOfMicros(t)), t) << FileStampOfMicros(t);
  }
  for (const char* bad :
       {"", "20260101_010203_00012", "20260101-010203_000123", "2026010a_010203_000123",
        "20261301_010203_000123", "20260101_250203_000123", "20260101_010203_000123x"}) {
    EXPECT_EQ(MicrosOfFileStamp(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(1969, 12, 31), -1);
}

TEST(UtcTime, CivilFieldsAtTheEdgesDoNotOverflow) {
  const CivilTime max = CivilFromMicros(std::numeric_limits<int64_t>::max());
  EXPECT_EQ(max.year, 294247);
  const CivilTime min = CivilFromMicros(std::numeric_limits<int64_t>::min());
  EXPECT_EQ(min.year, -290308);
  EXPECT_GE(min.micros, 0);
  EXPECT_GE(min.hour, 0);
}

TEST(UtcTime, MicrosOfSecondsSaturates) {
  EXPECT_EQ(MicrosOfSeconds(2), 2 * kSecond);
  EXPECT_EQ(MicrosOfSeconds(-2), -2 * kSecond);
  EXPECT_EQ(MicrosOfSeconds(std::numeric_limits<int64_t>::max()),
            std::numeric_limits<int64_t>::max());
  EXPECT_EQ(MicrosOfSeconds(std::numeric_limits<int64_t>::min()),
            std::numeric_limits<int64_t>::min());
}

TEST(UtcTime, NowIsAfter2025) {
  EXPECT_GT(NowMicros(), 1735689600 * kSecond);
}

}  // namespace
}  // namespace polypipe::bronze
