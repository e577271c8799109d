// RateLimiter: counts in a sliding window from release times, in-flight slots, pauses and the
// stop flag. Timing assertions are lower bounds the limiter guarantees, or generous upper bounds.

#include "http/rate_limiter.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <limits>
#include <thread>
#include <vector>

namespace polypipe::http {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Sets `stop` after `seconds` unless cancelled first; keeps blocking tests bounded.
class Watchdog {
 public:
  Watchdog(std::atomic<bool>& stop, double seconds)
      : thread_([this, &stop, seconds] {
          const auto until = Clock::now() + std::chrono::duration<double>(seconds);
          while (!done_.load() && Clock::now() < until) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
          }
          if (!done_.load()) stop = true;
        }) {}
  ~Watchdog() {
    done_ = true;
    thread_.join();
  }

 private:
  std::atomic<bool> done_{false};
  std::thread thread_;
};

TEST(RateLimiter, AdmitsNWithinAWindowThenRefuses) {
  RateLimiter limiter(3, 60);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(limiter.TryAcquire()) << i;
    limiter.Release();
  }
  EXPECT_FALSE(limiter.TryAcquire());
}

TEST(RateLimiter, BlockedWaiterReturnsFalseWhenStopped) {
  RateLimiter limiter(1, 60);
  std::atomic<bool> stop{false};
  ASSERT_TRUE(limiter.Acquire(stop));
  limiter.Release();
  auto waiter = std::async(std::launch::async, [&] { return limiter.Acquire(stop); });
  EXPECT_EQ(waiter.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);
  const auto start = Clock::now();
  stop = true;
  ASSERT_EQ(waiter.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_FALSE(waiter.get());
  EXPECT_LT(SecondsSince(start), 5.0);
}

TEST(RateLimiter, AcquireRefusesWhenAlreadyStopped) {
  RateLimiter limiter(0, 10);
  std::atomic<bool> stop{true};
  EXPECT_FALSE(limiter.Acquire(stop));
}

TEST(RateLimiter, NextRequestWaitsUntilTheWindowSlides) {
  RateLimiter limiter(2, 0.3);
  std::atomic<bool> stop{false};
  Watchdog watchdog(stop, 10);
  ASSERT_TRUE(limiter.Acquire(stop));
  ASSERT_TRUE(limiter.Acquire(stop));
  limiter.Release();
  limiter.Release();
  const auto released = Clock::now();
  ASSERT_TRUE(limiter.Acquire(stop));
  EXPECT_GE(SecondsSince(released), 0.29);
  EXPECT_LT(SecondsSince(released), 5.0);
  limiter.Release();
}

TEST(RateLimiter, WindowCountsFromReleaseNotFromAcquire) {
  RateLimiter limiter(1, 0.3);
  std::atomic<bool> stop{false};
  Watchdog watchdog(stop, 10);
  ASSERT_TRUE(limiter.Acquire(stop));
  // A slow response: by the time it arrives, the window counted from the send has passed.
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  limiter.Release();
  const auto released = Clock::now();
  EXPECT_FALSE(limiter.TryAcquire());
  ASSERT_TRUE(limiter.Acquire(stop));
  EXPECT_GE(SecondsSince(released), 0.29);
  limiter.Release();
}

TEST(RateLimiter, InFlightSlotsCountAgainstTheLimit) {
  RateLimiter limiter(2, 0.01);
  ASSERT_TRUE(limiter.TryAcquire());
  ASSERT_TRUE(limiter.TryAcquire());
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(limiter.TryAcquire());  // both still in flight, however short the window
  limiter.Release();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(limiter.TryAcquire());
  limiter.Release();
  limiter.Release();
}

TEST(RateLimiter, ReleaseWakesAWaiterBlockedByInFlightSlots) {
  RateLimiter limiter(1, 0.01);
  std::atomic<bool> stop{false};
  Watchdog watchdog(stop, 10);
  ASSERT_TRUE(limiter.Acquire(stop));
  auto waiter = std::async(std::launch::async, [&] { return limiter.Acquire(stop); });
  EXPECT_EQ(waiter.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout);
  limiter.Release();
  ASSERT_EQ(waiter.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_TRUE(waiter.get());
  limiter.Release();
}

TEST(RateLimiter, UnlimitedNeverBlocks) {
  RateLimiter no_requests(0, 10), negative(-1, 10), no_window(5, 0);
  for (RateLimiter* limiter : {&no_requests, &negative, &no_window}) {
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE(limiter->TryAcquire()) << i;
    for (int i = 0; i < 1000; ++i) limiter->Release();
  }
}

TEST(RateLimiter, PauseForBlocksEvenAnUnlimitedLimiter) {
  RateLimiter limiter(0, 10);
  std::atomic<bool> stop{false};
  Watchdog watchdog(stop, 10);
  const auto start = Clock::now();
  limiter.PauseFor(0.3);
  EXPECT_FALSE(limiter.TryAcquire());
  ASSERT_TRUE(limiter.Acquire(stop));
  EXPECT_GE(SecondsSince(start), 0.29);
  limiter.Release();
}

TEST(RateLimiter, ShorterPauseDoesNotCutALongerOne) {
  RateLimiter limiter(0, 10);
  limiter.PauseFor(60);
  limiter.PauseFor(0.01);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(limiter.TryAcquire());
}

TEST(RateLimiter, StopWakesAPausedWaiter) {
  RateLimiter limiter(0, 10);
  limiter.PauseFor(60);
  std::atomic<bool> stop{false};
  auto waiter = std::async(std::launch::async, [&] { return limiter.Acquire(stop); });
  EXPECT_EQ(waiter.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout);
  stop = true;
  ASSERT_EQ(waiter.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_FALSE(waiter.get());
}

TEST(RateLimiter, NonsensePausesAreIgnored) {
  RateLimiter limiter(0, 10);
  limiter.PauseFor(-5);
  limiter.PauseFor(std::numeric_limits<double>::quiet_NaN());
  limiter.PauseFor(std::numeric_limits<double>::infinity());
  EXPECT_TRUE(limiter.TryAcquire());
  limiter.Release();
}

TEST(RateLimiter, ManyThreadsStayWithinTheLimit) {
  constexpr int kLimit = 5;
  constexpr double kWindow = 0.2;
  constexpr double kRun = 0.7;
  RateLimiter limiter(kLimit, kWindow);
  std::atomic<bool> stop{false};
  std::atomic<int> admitted{0};
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10'000 && SecondsSince(start) < kRun; ++i) {
        if (!limiter.Acquire(stop)) break;
        if (SecondsSince(start) < kRun) ++admitted;
        limiter.Release();
      }
    });
  }
  std::thread stopper([&] {
    while (SecondsSince(start) < kRun + 0.5) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    stop = true;
  });
  for (auto& t : threads) t.join();
  stopper.join();
  // Within kRun seconds at most kLimit per started window: ceil(0.7 / 0.2) + 1 windows.
  EXPECT_LE(admitted.load(), kLimit * 5);
  EXPECT_GE(admitted.load(), kLimit);
}

}  // namespace
}  // namespace polypipe::http
