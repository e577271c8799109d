// Kill -9 at each failpoint of the commit protocol, then reopen: a batch is either wholly committed
// (rows and progress) or wholly absent, and nothing is left in _staging or as a temp log.

#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <set>

#include "bronze/commit_record.h"
#include "bronze/durable_fs.h"
#include "bronze/reader.h"
#include "bronze/store.h"
#include "tests/bronze/progress_of.h"
#include "tests/bronze/temp_dir.h"

extern char** environ;

namespace polypipe::bronze {
namespace {

struct ChildResult {
  bool killed = false;  // died of SIGKILL (the failpoint fired)
  int exit_code = -1;
};

// Runs the helper with `args` and POLYPIPE_FAILPOINT=`failpoint`, and waits for it.
ChildResult RunChild(const std::string& failpoint, std::vector<std::string> args) {
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::string(*e).rfind("POLYPIPE_FAILPOINT=", 0) != 0) env_strings.push_back(*e);
  }
  env_strings.push_back("POLYPIPE_FAILPOINT=" + failpoint);
  std::vector<char*> envp;
  for (std::string& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);

  std::string helper = BRONZE_CRASH_HELPER;
  args.insert(args.begin(), helper);
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  ChildResult result;
  if (::posix_spawn(&pid, helper.c_str(), nullptr, nullptr, argv.data(), envp.data()) != 0) {
    ADD_FAILURE() << "cannot start " << helper;
    return result;
  }
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) {
    ADD_FAILURE() << "waitpid failed";
    return result;
  }
  result.killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

// Runs the helper on `data` with POLYPIPE_FAILPOINT=`failpoint` and waits for it; it writes batches
// numbered first .. first + batches - 1.
ChildResult RunHelper(const std::string& data, const std::string& failpoint, int batches,
                      int first = 0, const std::vector<std::string>& log_options = {}) {
  std::vector<std::string> args = {data, std::to_string(batches), std::to_string(first)};
  args.insert(args.end(), log_options.begin(), log_options.end());
  return RunChild(failpoint, args);
}

int64_t CountRows(const std::string& data) {
  if (!HasCommittedFiles(data, "trades")) return 0;
  std::unique_ptr<Reader> reader;
  EXPECT_TRUE(Reader::Open(&reader).ok());
  QueryResult r;
  Status s = reader->Query("SELECT count(*) FROM " + ReadParquetSql(data, "trades"), &r);
  EXPECT_TRUE(s.ok()) << s.message();
  return s.ok() ? std::stoll(*r.rows[0][0]) : -1;
}

// Checks that `store` (open on `data`) holds exactly `batches` batches, with their progress.
void ExpectBatches(const Store& store, const std::string& data, int batches) {
  EXPECT_EQ(CountRows(data), 300 * batches);
  EXPECT_EQ(store.Stats("trades").rows, 300 * batches);
  EXPECT_EQ(store.Stats("trades").commits, static_cast<uint64_t>(batches));
  EXPECT_EQ(store.Stats("trades").files, 3 * batches);
  const nlohmann::json want =
      batches == 0 ? nlohmann::json::object() : nlohmann::json{{"batch", batches - 1}};
  EXPECT_EQ(testing::ProgressOf(store, "trades"), want);
}

// Reopens `data` and checks that exactly `batches` batches are committed, with their progress, and
// that recovery left nothing behind.
void ExpectCommittedBatches(const std::string& data, int batches) {
  std::unique_ptr<Store> store;
  Status s = Store::Open(data, &store);
  ASSERT_TRUE(s.ok()) << s.message();
  ExpectBatches(*store, data, batches);
  std::vector<std::string> names;
  ASSERT_TRUE(ListDir(data + "/trades/_staging", &names).ok());
  EXPECT_TRUE(names.empty()) << names.size() << " staged files left, e.g. " << names[0];
  ASSERT_TRUE(ListDir(data + "/trades/_log", &names).ok());
  EXPECT_EQ(names.size(), static_cast<size_t>(batches));
  for (const std::string& n : names) EXPECT_EQ(n.find(".tmp"), std::string::npos) << n;
  // A second reopen finds nothing more to do.
  store.reset();
  ASSERT_TRUE(Store::Open(data, &store).ok());
  EXPECT_EQ(store->recovery().files_rolled_forward, 0);
  EXPECT_EQ(store->recovery().staged_files_deleted, 0);
  EXPECT_EQ(store->recovery().temp_logs_deleted, 0);
}

struct CrashCase {
  const char* failpoint;
  int batches_run;        // batches the helper tries to write
  int batches_committed;  // batches that must be found afterwards
};

// Names the case in test output (instead of its bytes).
void PrintTo(const CrashCase& c, std::ostream* os) {
  *os << c.failpoint << " over " << c.batches_run << " batches";
}

class CrashTest : public ::testing::TestWithParam<CrashCase> {};

TEST_P(CrashTest, BatchIsAllOrNothing) {
  const CrashCase& c = GetParam();
  testing::TempDir tmp;
  const ChildResult child = RunHelper(tmp.path(), c.failpoint, c.batches_run);
  ASSERT_TRUE(child.killed) << c.failpoint << " did not fire (exit " << child.exit_code << ")";
  ExpectCommittedBatches(tmp.path(), c.batches_committed);

  // A rerun after the crash completes normally and adds its own batches.
  const ChildResult rerun = RunHelper(tmp.path(), "none", 1, c.batches_committed);
  ASSERT_FALSE(rerun.killed);
  ASSERT_EQ(rerun.exit_code, 0);
  ExpectCommittedBatches(tmp.path(), c.batches_committed + 1);
}

INSTANTIATE_TEST_SUITE_P(
    Failpoints, CrashTest,
    ::testing::Values(CrashCase{"bronze.before_stage", 1, 0}, CrashCase{"bronze.mid_stage", 1, 0},
                      CrashCase{"bronze.after_stage", 1, 0}, CrashCase{"bronze.mid_commit", 1, 0},
                      CrashCase{"bronze.after_commit", 1, 1}, CrashCase{"bronze.mid_rename", 1, 1},
                      CrashCase{"bronze.before_stage:2", 2, 1},
                      CrashCase{"bronze.mid_stage:3", 3, 1},  // two hits per 3-partition batch
                      CrashCase{"bronze.mid_commit:2", 2, 1},
                      CrashCase{"bronze.mid_rename:3", 2, 2}),
    [](const ::testing::TestParamInfo<CrashCase>& info) {
      std::string name = info.param.failpoint;
      for (char& ch : name) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      }
      return name;
    });

TEST(CrashHelper, RunsCleanlyWithoutAFailpoint) {
  testing::TempDir tmp;
  const ChildResult child = RunHelper(tmp.path(), "", 2);
  ASSERT_FALSE(child.killed);
  ASSERT_EQ(child.exit_code, 0);
  ExpectCommittedBatches(tmp.path(), 2);
}

// Checkpoints every 2 commits, keeping 1 record behind the newest: killed while a checkpoint is
// written, just after, or while the log is pruned, the reopened log holds every commit made (the
// one that triggered the checkpoint included), and the next run completes on top of it.
struct CheckpointCrashCase {
  const char* failpoint;
  int batches_committed;  // when the failpoint fires
};

void PrintTo(const CheckpointCrashCase& c, std::ostream* os) {
  *os << c.failpoint;
}

class CheckpointCrashTest : public ::testing::TestWithParam<CheckpointCrashCase> {};

void ExpectCheckpointedBatches(const std::string& data, int batches) {
  std::unique_ptr<Store> store;
  Status s = Store::Open(data, &store);
  ASSERT_TRUE(s.ok()) << s.message();
  ExpectBatches(*store, data, batches);
  std::vector<std::string> names;
  ASSERT_TRUE(ListDir(data + "/trades/_log", &names).ok());
  for (const std::string& n : names) EXPECT_EQ(n.find(".tmp"), std::string::npos) << n;
  // A reader sees the same log.
  std::unique_ptr<Store> reader;
  ASSERT_TRUE(Store::OpenReadOnly(data, &reader).ok());
  ExpectBatches(*reader, data, batches);
}

TEST_P(CheckpointCrashTest, NothingCommittedIsLost) {
  const CheckpointCrashCase& c = GetParam();
  testing::TempDir tmp;
  const std::string data = tmp.path() + "/data";
  const std::vector<std::string> log = {"2", "1"};
  const ChildResult killed = RunHelper(data, c.failpoint, 8, 0, log);
  ASSERT_TRUE(killed.killed) << c.failpoint << " did not fire (exit " << killed.exit_code << ")";
  ExpectCheckpointedBatches(data, c.batches_committed);
  const ChildResult rest = RunHelper(data, "", 8 - c.batches_committed, c.batches_committed, log);
  ASSERT_EQ(rest.exit_code, 0);
  ExpectCheckpointedBatches(data, 8);
  // The log was checkpointed and pruned along the way: a record behind the newest checkpoint is
  // kept, the older ones are gone.
  std::vector<std::string> names;
  ASSERT_TRUE(ListDir(data + "/trades/_log", &names).ok());
  uint64_t seq = 0;
  EXPECT_FALSE(std::any_of(names.begin(), names.end(), [&](const std::string& n) {
    return ParseCommitLogFileName(n, &seq) && seq < 4;
  }));
  EXPECT_TRUE(std::any_of(names.begin(), names.end(), [&](const std::string& n) {
    return ParseCheckpointFileName(n, &seq) && seq == 8;
  }));
}

INSTANTIATE_TEST_SUITE_P(Failpoints, CheckpointCrashTest,
                         ::testing::Values(CheckpointCrashCase{"bronze.mid_checkpoint", 2},
                                           CheckpointCrashCase{"bronze.mid_checkpoint:2", 4},
                                           CheckpointCrashCase{"bronze.after_checkpoint:2", 4},
                                           CheckpointCrashCase{"bronze.mid_prune", 4},
                                           CheckpointCrashCase{"bronze.mid_prune:2", 4}));

// A compaction killed at each step of its commit: before recovery a reader of the log already sees
// every row once (the old files or the new one, never both or neither); after it, so do readers of
// the dt= folders, no file is left that the log does not name, and the compaction runs to the end
// on a rerun. Four batches leave four small files in each of three partitions; progress is not
// touched by compaction.
struct CompactCrashCase {
  const char* failpoint;
};

void PrintTo(const CompactCrashCase& c, std::ostream* os) {
  *os << c.failpoint;
}

class CompactCrashTest : public ::testing::TestWithParam<CompactCrashCase> {};

// The rows of the dataset's dt= files, as a count and an order-independent checksum.
std::pair<int64_t, std::string> RowsOnDisk(const std::string& data) {
  std::unique_ptr<Reader> reader;
  EXPECT_TRUE(Reader::Open(&reader).ok());
  QueryResult r;
  Status s =
      reader->Query("SELECT count(*), sum(hash(transaction_hash, \"timestamp\", size)) FROM " +
                        ReadParquetSql(data, "trades"),
                    &r);
  EXPECT_TRUE(s.ok()) << s.message();
  if (!s.ok()) return {-1, ""};
  return {std::stoll(*r.rows[0][0]), r.rows[0][1].value_or("")};
}

// Every live file of the dataset is in place, and every Parquet file in a dt= folder is live.
void ExpectFilesMatchTheLog(const Store& store, const std::string& data) {
  std::set<std::string> live;
  for (const LiveFile& f : store.LiveFiles("trades")) live.insert(f.file.path);
  std::set<std::string> on_disk;
  std::vector<std::string> dirs;
  ASSERT_TRUE(ListDir(data + "/trades", &dirs).ok());
  for (const std::string& dir : dirs) {
    if (dir.rfind("dt=", 0) != 0) continue;
    std::vector<std::string> names;
    ASSERT_TRUE(ListDir(data + "/trades/" + dir, &names).ok());
    for (const std::string& n : names) on_disk.insert(dir + "/" + n);
  }
  EXPECT_EQ(on_disk, live);
}

TEST_P(CompactCrashTest, RowsAreNeverDoubledOrLost) {
  const CompactCrashCase& c = GetParam();
  testing::TempDir tmp;
  const std::string data = tmp.path() + "/data";
  ASSERT_EQ(RunHelper(data, "", 4).exit_code, 0);
  const auto before = RowsOnDisk(data);
  ASSERT_EQ(before.first, 1200);

  const ChildResult killed = RunChild(c.failpoint, {data, "compact"});
  ASSERT_TRUE(killed.killed) << c.failpoint << " did not fire (exit " << killed.exit_code << ")";
  {
    std::unique_ptr<Store> reader;
    ASSERT_TRUE(Store::OpenReadOnly(data, &reader).ok());
    EXPECT_EQ(reader->Stats("trades").rows, 1200);
  }
  {
    std::unique_ptr<Store> store;
    Status s = Store::Open(data, &store);
    ASSERT_TRUE(s.ok()) << s.message();
    EXPECT_EQ(store->Stats("trades").rows, 1200);
    EXPECT_EQ(RowsOnDisk(data), before);
    ExpectFilesMatchTheLog(*store, data);
  }

  const ChildResult rerun = RunChild("", {data, "compact"});
  ASSERT_EQ(rerun.exit_code, 0);
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(data, &store).ok());
  EXPECT_EQ(RowsOnDisk(data), before);
  ExpectFilesMatchTheLog(*store, data);
  EXPECT_EQ(store->Stats("trades").files, 3);  // one per partition
  EXPECT_EQ(store->Stats("trades").rows, 1200);
  EXPECT_EQ(testing::ProgressOf(*store, "trades"), (nlohmann::json{{"batch", 3}}));
}

INSTANTIATE_TEST_SUITE_P(Failpoints, CompactCrashTest,
                         ::testing::Values(CompactCrashCase{"bronze.mid_commit"},
                                           CompactCrashCase{"bronze.after_commit"},
                                           CompactCrashCase{"bronze.mid_remove"},
                                           CompactCrashCase{"bronze.mid_remove:2"},
                                           CompactCrashCase{"bronze.mid_commit:2"},
                                           CompactCrashCase{"bronze.after_commit:3"}),
                         [](const ::testing::TestParamInfo<CompactCrashCase>& info) {
                           std::string name = info.param.failpoint;
                           for (char& ch : name) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace polypipe::bronze
