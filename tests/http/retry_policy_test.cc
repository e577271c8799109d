// RetryPolicy: backoff bounds for any policy values, and Retry-After parsing.

#include "http/retry_policy.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace polypipe::http {
namespace {

TEST(RetryPolicy, JitteredBackoffStaysWithinTheExponentialCeiling) {
  RetryPolicy p{5, 0.5, 30, 2};
  std::mt19937_64 rng(42);
  for (int failures = 1; failures <= 12; ++failures) {
    const double ceiling = std::min(30.0, 0.5 * std::pow(2.0, failures - 1));
    double highest = 0;
    for (int i = 0; i < 200; ++i) {
      const double d = JitteredBackoff(p, failures, rng);
      ASSERT_GE(d, 0);
      ASSERT_LE(d, ceiling);
      highest = std::max(highest, d);
    }
    EXPECT_GT(highest, ceiling / 2) << "jitter should use the whole range";
  }
}

TEST(RetryPolicy, RateLimitBackoffGrowsAndCaps) {
  RetryPolicy p{5, 0.5, 30, 2};
  EXPECT_DOUBLE_EQ(RateLimitBackoff(p, 1), 0.5);
  EXPECT_DOUBLE_EQ(RateLimitBackoff(p, 2), 1.0);
  EXPECT_DOUBLE_EQ(RateLimitBackoff(p, 4), 4.0);
  EXPECT_DOUBLE_EQ(RateLimitBackoff(p, 50), 30.0);
  EXPECT_DOUBLE_EQ(RateLimitBackoff(p, 100000), 30.0);
}

TEST(RetryPolicy, NonsenseValuesGiveFiniteNonNegativeDelays) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  std::mt19937_64 rng(1);
  for (const RetryPolicy& p :
       {RetryPolicy{0, 0, 30, 2}, RetryPolicy{-3, -1, -1, -2}, RetryPolicy{5, nan, nan, nan},
        RetryPolicy{5, inf, inf, inf}, RetryPolicy{5, 1e300, 1e300, 1e300}}) {
    for (int n : {0, 1, 2, 1000, std::numeric_limits<int>::max()}) {
      const double a = JitteredBackoff(p, n, rng);
      const double b = RateLimitBackoff(p, n);
      EXPECT_TRUE(std::isfinite(a) && a >= 0) << a;
      EXPECT_TRUE(std::isfinite(b) && b >= 0) << b;
    }
  }
}

TEST(RetryPolicy, RateLimitedAttemptsAreAtLeastTwenty) {
  EXPECT_EQ(RateLimitedAttempts(RetryPolicy{5}), 20);
  EXPECT_EQ(RateLimitedAttempts(RetryPolicy{50}), 50);
}

TEST(RetryAfter, ParsesDeltaSeconds) {
  EXPECT_EQ(ParseRetryAfter("7", 0), 7.0);
  EXPECT_EQ(ParseRetryAfter(" 120\r\n", 0), 120.0);
  EXPECT_EQ(ParseRetryAfter("0", 0), 0.0);
  EXPECT_EQ(ParseRetryAfter("99999999999999999999999", 0), 1e9);
}

TEST(RetryAfter, ParsesHttpDates) {
  // Wed, 21 Oct 2015 07:28:00 GMT is 1445412480.
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", 1445412480 - 30), 30.0);
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", 1445412480 + 30), 0.0);
}

TEST(RetryAfter, RejectsGarbage) {
  for (const char* text : {"", "  ", "-1", "1.5", "soon", "12abc", "\xff\xfe"}) {
    EXPECT_FALSE(ParseRetryAfter(text, 0).has_value()) << text;
  }
}

}  // namespace
}  // namespace polypipe::http
