// polysim's Server stopped right after it started: Stop() must not wait forever for a listen
// loop that began after the stop request (cpp-httplib ignores stop() until the loop runs). Tests
// that never talk to their polysim (a bad config, say) stop it within microseconds of Start().

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "sim/server.h"

namespace polysim {
namespace {

TEST(SimServer, StopRightAfterStartNeverHangs) {
  ServerOptions options;
  options.universe.markets = 10;
  options.universe.heavy_markets = 0;
  options.threads = 2;
  std::packaged_task<int()> task([&options] {
    int stopped = 0;
    for (int i = 0; i < 300; ++i) {
      Server server(options);
      if (server.Start("127.0.0.1", 0) <= 0) return -1;
      server.Stop();
      ++stopped;
    }
    return stopped;
  });
  std::future<int> done = task.get_future();
  std::thread runner(std::move(task));
  if (done.wait_for(std::chrono::seconds(120)) != std::future_status::ready) {
    runner.detach();  // stuck in a join: the process exit ends it
    FAIL() << "Server::Stop() hung after Start()";
  }
  runner.join();
  EXPECT_EQ(done.get(), 300);
}

}  // namespace
}  // namespace polysim
