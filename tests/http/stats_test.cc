// Stats: per-route counters, snapshots and totals under concurrent updates.

#include "http/stats.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace polypipe::http {
namespace {

TEST(Stats, SnapshotHasOneEntryPerRoute) {
  Stats stats;
  stats.For("/a").requests += 3;
  stats.For("/a").ok += 2;
  stats.For("/a").rate_limited += 1;
  stats.For("/b").transport_errors += 4;
  stats.For("/b").bytes_received += 100;
  const auto snapshot = stats.Snapshot();
  ASSERT_EQ(snapshot.size(), 2u);
  EXPECT_EQ(snapshot.at("/a").requests, 3);
  EXPECT_EQ(snapshot.at("/a").ok, 2);
  EXPECT_EQ(snapshot.at("/a").rate_limited, 1);
  EXPECT_EQ(snapshot.at("/b").transport_errors, 4);
  EXPECT_EQ(snapshot.at("/b").bytes_received, 100);
  const RouteStats total = stats.Total();
  EXPECT_EQ(total.requests, 3);
  EXPECT_EQ(total.transport_errors, 4);
}

TEST(Stats, CountersKeepTheirAddress) {
  Stats stats;
  Stats::Counters* first = &stats.For("/a");
  for (int i = 0; i < 100; ++i) stats.For("/route" + std::to_string(i));
  EXPECT_EQ(first, &stats.For("/a"));
}

TEST(Stats, ConcurrentUpdatesAreNotLost) {
  Stats stats;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&stats, t] {
      for (int i = 0; i < 10'000; ++i) {
        stats.For(t % 2 == 0 ? "/even" : "/odd").requests.fetch_add(1);
        if (i % 1000 == 0) stats.Snapshot();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(stats.Snapshot().at("/even").requests, 20'000);
  EXPECT_EQ(stats.Total().requests, 40'000);
}

}  // namespace
}  // namespace polypipe::http
