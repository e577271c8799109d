#include "bronze/duckdb_session.h"

#include <gtest/gtest.h>

namespace polypipe::bronze {
namespace {

// Two sessions of one database that cannot spill: the first holds most of its memory in a table.
class SharedDatabase : public ::testing::Test {
 protected:
  void SetUp() override {
    DuckDbOptions options;
    options.memory_limit = "32MB";
    std::shared_ptr<DuckDbDatabase> database;
    ASSERT_TRUE(DuckDbDatabase::Open(options, &database).ok());
    ASSERT_TRUE(DuckDbSession::Connect(database, &holder_).ok());
    ASSERT_TRUE(DuckDbSession::Connect(database, &other_).ok());
    ASSERT_TRUE(holder_->Execute("SET temp_directory = ''").ok());
  }

  // About 20 MB of values.
  static constexpr const char* kFill = "SELECT range AS i, repeat('x', 40) AS s FROM range(300000)";
  static constexpr const char* kHold = "CREATE TEMP TABLE held AS ";

  std::unique_ptr<DuckDbSession> holder_, other_;
};

TEST_F(SharedDatabase, AStepOutOfMemoryRunsAgainOnceTheMemoryIsFree) {
  ASSERT_TRUE(holder_->Execute(std::string(kHold) + kFill).ok());
  int runs = 0;
  const Status s = RetryOutOfMemory(
      [&] {
        ++runs;
        return other_->Execute(std::string("CREATE TEMP TABLE mine AS ") + kFill);
      },
      [&](int retry) {
        if (retry == 2) {
          EXPECT_TRUE(holder_->Execute("DROP TABLE held").ok());
        }
      });
  EXPECT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(runs, 3);
}

TEST_F(SharedDatabase, AStepStillOutOfMemoryFailsAfterTheLastAttempt) {
  ASSERT_TRUE(holder_->Execute(std::string(kHold) + kFill).ok());
  int runs = 0, waits = 0;
  const Status s = RetryOutOfMemory(
      [&] {
        ++runs;
        return other_->Execute(std::string("CREATE TEMP TABLE mine AS ") + kFill);
      },
      [&](int) { ++waits; });
  EXPECT_TRUE(IsOutOfMemory(s)) << s.message();
  EXPECT_EQ(runs, kOutOfMemoryAttempts);
  EXPECT_EQ(waits, kOutOfMemoryAttempts - 1);
}

TEST(RetryOutOfMemory, OtherErrorsAreNotRetried) {
  std::unique_ptr<DuckDbSession> session;
  ASSERT_TRUE(DuckDbSession::Open(DuckDbOptions{}, &session).ok());
  int runs = 0;
  const Status s = RetryOutOfMemory(
      [&] {
        ++runs;
        return session->Execute("SELECT * FROM no_such_table");
      },
      [](int) {});
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(IsOutOfMemory(s));
  EXPECT_EQ(runs, 1);
}

}  // namespace
}  // namespace polypipe::bronze
