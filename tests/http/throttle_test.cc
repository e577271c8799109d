// Throttle: a request needs both its route's and its host's limiter; unknown keys are
// unlimited but can be paused.

#include "http/throttle.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <vector>

namespace polypipe::http {
namespace {

TEST(Throttle, UnknownKeysAreUnlimited) {
  Throttle throttle({{"/data/v2/trades", 1, 60}});
  std::atomic<bool> stop{false};
  std::vector<Throttle::Slot> slots;
  for (int i = 0; i < 100; ++i) {
    slots.push_back(throttle.Acquire("/gamma/tags", "gamma", stop));
    ASSERT_TRUE(slots.back().acquired()) << i;
  }
}

TEST(Throttle, RouteLimitApplies) {
  Throttle throttle({{"/data/v2/trades", 2, 60}});
  std::atomic<bool> stop{false};
  for (int i = 0; i < 2; ++i) {
    Throttle::Slot slot = throttle.Acquire("/data/v2/trades", "data", stop);
    ASSERT_TRUE(slot.acquired());
  }  // released by the destructor
  EXPECT_FALSE(throttle.Limiter("/data/v2/trades")->TryAcquire());
  EXPECT_TRUE(throttle.Limiter("data")->TryAcquire());
  throttle.Limiter("data")->Release();
}

TEST(Throttle, HostLimitCoversEveryRouteOfTheHost) {
  Throttle throttle({{"data", 2, 60}});
  std::atomic<bool> stop{false};
  Throttle::Slot a = throttle.Acquire("/data/v2/trades", "data", stop);
  Throttle::Slot b = throttle.Acquire("/data/v1/leaderboard", "data", stop);
  ASSERT_TRUE(a.acquired());
  ASSERT_TRUE(b.acquired());
  a.Release();
  b.Release();
  auto third = std::async(std::launch::async, [&] {
    return throttle.Acquire("/data/trades", "data", stop).acquired();
  });
  EXPECT_EQ(third.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);
  stop = true;
  ASSERT_EQ(third.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_FALSE(third.get());
}

TEST(Throttle, CancelledHostWaitGivesTheRouteSlotBack) {
  Throttle throttle({{"/r", 1, 0.05}, {"h", 1, 60}});
  std::atomic<bool> stop{false};
  { ASSERT_TRUE(throttle.Acquire("/other", "h", stop).acquired()); }
  std::atomic<bool> stop_waiter{false};
  auto waiter =
      std::async(std::launch::async, [&] { return throttle.Acquire("/r", "h", stop_waiter); });
  EXPECT_EQ(waiter.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout);
  stop_waiter = true;
  ASSERT_EQ(waiter.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_FALSE(waiter.get().acquired());
  // The route's one slot was returned: once its short window passes, it admits again.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_TRUE(throttle.Limiter("/r")->TryAcquire());
  throttle.Limiter("/r")->Release();
}

TEST(Throttle, SameKeyForRouteAndHostTakesOneSlot) {
  Throttle throttle({{"k", 2, 60}});
  std::atomic<bool> stop{false};
  Throttle::Slot a = throttle.Acquire("k", "k", stop);
  Throttle::Slot b = throttle.Acquire("k", "k", stop);
  EXPECT_TRUE(a.acquired());
  EXPECT_TRUE(b.acquired());
}

TEST(Throttle, PauseOfAnUnknownKeyBlocksIt) {
  Throttle throttle;
  throttle.PauseFor("/gamma/tags", 60);
  EXPECT_FALSE(throttle.Limiter("/gamma/tags")->TryAcquire());
  EXPECT_TRUE(throttle.Limiter("/gamma/markets")->TryAcquire());
  throttle.Limiter("/gamma/markets")->Release();
}

TEST(Throttle, MovedSlotReleasesOnce) {
  Throttle throttle({{"/r", 1, 0.01}});
  std::atomic<bool> stop{false};
  Throttle::Slot moved;
  {
    Throttle::Slot slot = throttle.Acquire("/r", "h", stop);
    ASSERT_TRUE(slot.acquired());
    moved = std::move(slot);
  }
  EXPECT_FALSE(throttle.Limiter("/r")->TryAcquire());  // still held by `moved`
  moved.Release();
  moved.Release();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(throttle.Limiter("/r")->TryAcquire());
  EXPECT_FALSE(throttle.Limiter("/r")->TryAcquire());  // a double Release freed no extra slot
  throttle.Limiter("/r")->Release();
}

TEST(Throttle, LaterLimitForTheSameKeyWins) {
  Throttle throttle({{"k", 1, 60}, {"k", 0, 60}});
  EXPECT_EQ(throttle.Limiter("k")->requests(), 0);
}

}  // namespace
}  // namespace polypipe::http
