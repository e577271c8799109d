// RunLog: resume-or-begin, and which run is the newest when several begin within one second.

#include "fetch/run_log.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace polypipe::fetch {
namespace {

namespace fs = std::filesystem;

class RunLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("polypipe-runlog-" + std::to_string(getpid()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  RunLog Begin(bool fresh = false) {
    std::string error;
    auto log = RunLog::Begin(dir_.string(), "all", fresh, &error);
    EXPECT_TRUE(log) << error;
    return std::move(*log);
  }
  fs::path dir_;
};

TEST_F(RunLogTest, AnUnfinishedRunIsResumedAndAFinishedOneFollowed) {
  RunLog first = Begin();
  EXPECT_FALSE(first.resumed());
  ASSERT_FALSE(first.Save("interrupted"));
  RunLog again = Begin();
  EXPECT_TRUE(again.resumed());
  EXPECT_EQ(again.run_id(), first.run_id());
  EXPECT_EQ(again.started_at_us(), first.started_at_us());
  ASSERT_FALSE(again.Save("finished"));
  RunLog next = Begin();
  EXPECT_FALSE(next.resumed());
  EXPECT_NE(next.run_id(), first.run_id());
  EXPECT_EQ(RunLog::Latest(dir_.string())["run_id"], first.run_id()) << "next has not saved yet";
}

TEST_F(RunLogTest, RunsBegunWithinOneSecondAreOrderedByTheirSuffix) {
  // Many runs inside one second get ids X, X-2, ..., X-11; the newest must be the last begun,
  // though "X-11" < "X-2" < "X" as plain names.
  std::string last;
  for (int i = 0; i < 11; ++i) {
    RunLog log = Begin(/*fresh=*/true);
    ASSERT_FALSE(log.Save(i == 10 ? "interrupted" : "finished"));
    last = log.run_id();
  }
  if (last.find('-') == std::string::npos) GTEST_SKIP() << "the runs straddled a second";
  EXPECT_EQ(RunLog::Latest(dir_.string())["run_id"], last);
  RunLog resumed = Begin();
  EXPECT_TRUE(resumed.resumed());
  EXPECT_EQ(resumed.run_id(), last);
}

TEST_F(RunLogTest, AReportWithMistypedFieldsIsResumedWithDefaults) {
  // Found by fuzz/run_log_fuzz.cc: a report whose fields had other types than the ones written
  // (a damaged or hand-edited file) made Begin throw nlohmann::json::type_error out of `fetch`.
  fs::create_directories(dir_ / "_runs");
  {
    std::ofstream out(dir_ / "_runs" / "20260101T000000Z.json");
    out << R"({"run_id": "20260101T000000Z", "state": 7, "started_at_us": "abc", "resumes": "2"})";
  }
  RunLog log = Begin();
  EXPECT_TRUE(log.resumed());
  EXPECT_EQ(log.run_id(), "20260101T000000Z");
  EXPECT_GT(log.started_at_us(), 0);
  EXPECT_EQ(log.report()["resumes"], 1);
}

}  // namespace
}  // namespace polypipe::fetch
