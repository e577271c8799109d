#include "bronze/store.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <regex>
#include <set>

#include "bronze/durable_fs.h"
#include "bronze/utc_time.h"
#include "tests/bronze/progress_of.h"
#include "tests/bronze/temp_dir.h"

namespace polypipe::bronze {
namespace {

using nlohmann::json;

// Puts a file with some bytes into the dataset's _staging folder.
void Stage(Store& store, const std::string& dataset, const std::string& name) {
  ASSERT_TRUE(WriteFileSynced(store.StagingDir(dataset) + "/" + name, "PAR1 fake").ok());
}

CommittedFile FileEntry(const std::string& date, const std::string& name, int64_t rows,
                        std::optional<int64_t> min = std::nullopt,
                        std::optional<int64_t> max = std::nullopt) {
  return CommittedFile{"dt=" + date + "/" + name, rows, 9, min, max};
}

// Writes a commit record straight into the log, as a crashed process would have left it.
void WriteRecord(const std::string& data, const std::string& dataset, uint64_t seq,
                 std::vector<CommittedFile> files, json progress) {
  CommitRecord r;
  r.seq = seq;
  r.dataset = dataset;
  r.run_id = "crashed-run";
  r.committed_at = "2026-01-01T00:00:00.000000Z";
  for (const auto& f : files) r.rows += f.rows;
  r.files = std::move(files);
  r.progress = std::move(progress);
  ASSERT_TRUE(MakeDirs(data + "/" + dataset + "/_log").ok());
  ASSERT_TRUE(WriteFileSynced(data + "/" + dataset + "/_log/" + CommitLogFileName(seq),
                              SerializeCommitRecord(r))
                  .ok());
}

std::vector<std::string> List(const std::string& dir) {
  std::vector<std::string> names;
  EXPECT_TRUE(ListDir(dir, &names).ok()) << dir;
  return names;
}

TEST(Store, OpenCreatesTheDirectoryAndLockFile) {
  testing::TempDir tmp;
  const std::string data = tmp.path() + "/nested/data";
  std::unique_ptr<Store> store;
  Status s = Store::Open(data, &store);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(IsDirectory(data));
  std::string pid;
  ASSERT_TRUE(ReadFile(data + "/.lock", &pid).ok());
  EXPECT_EQ(pid, std::to_string(::getpid()) + "\n");
  EXPECT_TRUE(store->Datasets().empty());
  EXPECT_EQ(testing::ProgressOf(*store, "trades"), json::object());
  EXPECT_EQ(store->Stats("trades").commits, 0u);
}

TEST(Store, OpenFailsOnAFile) {
  testing::TempDir tmp;
  const std::string file = tmp.path() + "/plain";
  ASSERT_TRUE(WriteFileSynced(file, "x").ok());
  std::unique_ptr<Store> store;
  Status s = Store::Open(file, &store);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find(file), std::string::npos) << s.message();
  EXPECT_FALSE(Store::Open("", &store).ok());
}

TEST(Store, SecondOpenInTheSameProcessIsRefused) {
  testing::TempDir tmp;
  std::unique_ptr<Store> first;
  ASSERT_TRUE(Store::Open(tmp.path(), &first).ok());
  std::unique_ptr<Store> second;
  Status s = Store::Open(tmp.path(), &second);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(second, nullptr);
  EXPECT_EQ(s.message(),
            "data dir " + tmp.path() + " is in use by pid " + std::to_string(::getpid()));
  first.reset();
  EXPECT_TRUE(Store::Open(tmp.path(), &second).ok()) << "the lock is released on close";
}

TEST(Store, AnotherProcessIsRefusedWithThePid) {
  testing::TempDir tmp;
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(tmp.path(), &store).ok());
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    std::unique_ptr<Store> other;
    Status s = Store::Open(tmp.path(), &other);
    const std::string msg = s.ok() ? "opened" : s.message();
    [[maybe_unused]] ssize_t n = ::write(fds[1], msg.data(), msg.size());
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string msg;
  char buf[512];
  for (int i = 0; i < 100; ++i) {  // bounded: the child writes one short message and exits
    const ssize_t n = ::read(fds[0], buf, sizeof(buf));
    if (n <= 0) break;
    msg.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  int wstatus = 0;
  ASSERT_EQ(::waitpid(child, &wstatus, 0), child);
  EXPECT_EQ(msg, "data dir " + tmp.path() + " is in use by pid " + std::to_string(::getpid()));
}

TEST(Store, CommitPlacesFilesAndRecordsProgressAndStats) {
  testing::TempDir tmp;
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(tmp.path(), &store).ok());
  ASSERT_TRUE(store->PrepareDataset("trades").ok());
  const std::string a = store->NewFileName("trades");
  const std::string b = store->NewFileName("trades");
  Stage(*store, "trades", a);
  Stage(*store, "trades", b);
  bool written = false;
  Status s = store->Commit(
      "trades", "run-1",
      {FileEntry("2026-01-01", a, 10, 100, 200), FileEntry("2026-01-02", b, 5, 300, 400)},
      {{"m1", {{"cursor", "abc"}}}}, &written);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(written);
  EXPECT_TRUE(IsRegularFile(tmp.path() + "/trades/dt=2026-01-01/" + a));
  EXPECT_TRUE(IsRegularFile(tmp.path() + "/trades/dt=2026-01-02/" + b));
  EXPECT_TRUE(List(store->StagingDir("trades")).empty());
  EXPECT_EQ(List(tmp.path() + "/trades/_log"), (std::vector<std::string>{"000000000001.json"}));

  ASSERT_TRUE(
      store->Commit("trades", "run-2", {}, {{"m2", 1}, {"m1", {{"cursor", "def"}}}}, &written)
          .ok());
  EXPECT_EQ(testing::ProgressOf(*store, "trades"), (json{{"m1", {{"cursor", "def"}}}, {"m2", 1}}));
  DatasetStats st = store->Stats("trades");
  EXPECT_EQ(st.files, 2);
  EXPECT_EQ(st.rows, 15);
  EXPECT_EQ(st.bytes, 18);
  EXPECT_EQ(st.min_event_us, 100);
  EXPECT_EQ(st.max_event_us, 400);
  EXPECT_EQ(st.commits, 2u);
  EXPECT_EQ(st.last_seq, 2u);
  EXPECT_EQ(st.last_run_id, "run-2");
  EXPECT_FALSE(st.last_commit_at.empty());
  EXPECT_EQ(store->CommittedFiles("trades"),
            (std::vector<std::string>{"trades/dt=2026-01-01/" + a, "trades/dt=2026-01-02/" + b}));

  // Everything survives a reopen.
  store.reset();
  ASSERT_TRUE(Store::Open(tmp.path(), &store).ok());
  EXPECT_EQ(testing::ProgressOf(*store, "trades"), (json{{"m1", {{"cursor", "def"}}}, {"m2", 1}}));
  DatasetStats again = store->Stats("trades");
  EXPECT_EQ(again.rows, 15);
  EXPECT_EQ(again.commits, 2u);
  EXPECT_EQ(again.last_commit_at, st.last_commit_at);
  EXPECT_EQ(store->Datasets(), (std::vector<std::string>{"trades"}));
  EXPECT_EQ(store->recovery().files_rolled_forward, 0);
  EXPECT_EQ(store->recovery().staged_files_deleted, 0);
}

// A Store of a temporary directory whose log has a checkpoint every second commit.
class StoreCheckpoints : public ::testing::Test {
 protected:
  // Opens the directory (again) with dataset "trades" prepared.
  std::unique_ptr<Store> Open() {
    StoreOptions options;
    options.checkpoint_every = 2;
    std::unique_ptr<Store> store;
    EXPECT_TRUE(Store::Open(tmp_.path(), &store, options).ok());
    if (store) {
      EXPECT_TRUE(store->PrepareDataset("trades").ok());
    }
    return store;
  }

  static void Commit(Store& store, const nlohmann::json& progress) {
    bool written = false;
    ASSERT_TRUE(store.Commit("trades", "r", {}, progress, &written).ok());
  }

  testing::TempDir tmp_;
};

// A stream set to null is over: it leaves the streams at the next checkpoint, so that finished
// trade feeds do not pile up run after run.
TEST_F(StoreCheckpoints, AStreamSetToNullLeavesAtTheNextCheckpoint) {
  {
    std::unique_ptr<Store> store = Open();
    ASSERT_TRUE(store);
    Commit(*store, {{"a", 1}, {"b", 2}});
    Commit(*store, {{"b", nullptr}});
    EXPECT_EQ(testing::ProgressOf(*store, "trades"), (nlohmann::json{{"a", 1}}));
    Commit(*store, {{"c", nullptr}});
    EXPECT_EQ(testing::ProgressOf(*store, "trades"), (nlohmann::json{{"a", 1}, {"c", nullptr}}));
  }
  std::unique_ptr<Store> store = Open();
  ASSERT_TRUE(store);
  EXPECT_EQ(testing::ProgressOf(*store, "trades"), (nlohmann::json{{"a", 1}, {"c", nullptr}}));
}

// A checkpoint merges the previous checkpoint's streams with those committed since: a newer value
// wins, null ends a stream, the rest carry over.
TEST_F(StoreCheckpoints, ASecondCheckpointMergesTheFirstWithTheNewerStreams) {
  {
    std::unique_ptr<Store> store = Open();
    ASSERT_TRUE(store);
    Commit(*store, {{"a", 1}, {"b", 2}, {"e", 7}});
    Commit(*store, {{"b", 3}});
    Commit(*store, {{"a", nullptr}, {"b", {{"w", 6}}}, {"c", 4}});
    Commit(*store, {{"d", 5}});
  }
  std::unique_ptr<Store> store = Open();
  ASSERT_TRUE(store);
  EXPECT_FALSE(store->Streams("trades").checkpoint.empty());
  EXPECT_TRUE(store->Streams("trades").overlay.empty());  // the second checkpoint covers all
  EXPECT_EQ(testing::ProgressOf(*store, "trades"),
            (nlohmann::json{{"b", {{"w", 6}}}, {"c", 4}, {"d", 5}, {"e", 7}}));
}

TEST(Store, ReplaceSwapsFilesInOneCommit) {
  testing::TempDir tmp;
  std::unique_ptr<Store> store;
  StoreOptions options;
  options.checkpoint_every = 3;
  ASSERT_TRUE(Store::Open(tmp.path(), &store, options).ok());
  ASSERT_TRUE(store->PrepareDataset("trades").ok());
  std::vector<std::string> names;
  bool written = false;
  for (int i = 0; i < 2; ++i) {
    names.push_back(store->NewFileName("trades"));
    Stage(*store, "trades", names.back());
    ASSERT_TRUE(store
                    ->Commit("trades", "run-1",
                             {FileEntry("2026-01-01", names.back(), 10, 100 + i)},
                             {{"m" + std::to_string(i), i}}, &written)
                    .ok());
  }
  const std::string merged = store->NewFileName("trades");
  Stage(*store, "trades", merged);
  const std::vector<std::string> old = {"dt=2026-01-01/" + names[0], "dt=2026-01-01/" + names[1]};

  // A file that is not live cannot be replaced, nor one named twice: nothing is written.
  Status s = store->Replace("trades", "compact", {FileEntry("2026-01-01", merged, 20)},
                            {old[0], "dt=2026-01-01/trades_nothing.parquet"}, &written);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("trades_nothing.parquet is not a live file"), std::string::npos)
      << s.message();
  EXPECT_FALSE(written);
  EXPECT_FALSE(store
                   ->Replace("trades", "compact", {FileEntry("2026-01-01", merged, 20)},
                             {old[0], old[0]}, &written)
                   .ok());
  EXPECT_EQ(store->Stats("trades").commits, 2u);

  s = store->Replace("trades", "compact", {FileEntry("2026-01-01", merged, 20, 100, 101)}, old,
                     &written);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(written);
  const auto expect_merged = [&](const Store& st) {
    EXPECT_EQ(st.CommittedFiles("trades"),
              (std::vector<std::string>{"trades/dt=2026-01-01/" + merged}));
    EXPECT_EQ(st.Stats("trades").files, 1);
    EXPECT_EQ(st.Stats("trades").rows, 20);
    EXPECT_EQ(st.Stats("trades").bytes, 9);
    EXPECT_EQ(st.Stats("trades").commits, 3u);
    EXPECT_EQ(testing::ProgressOf(st, "trades"), (json{{"m0", 0}, {"m1", 1}}));
  };
  expect_merged(*store);
  EXPECT_FALSE(PathExists(tmp.path() + "/trades/" + old[0]));
  EXPECT_FALSE(PathExists(tmp.path() + "/trades/" + old[1]));
  EXPECT_TRUE(IsRegularFile(tmp.path() + "/trades/dt=2026-01-01/" + merged));
  // The third commit wrote a checkpoint: it lists the merged file only, and so does a reopen.
  EXPECT_TRUE(PathExists(tmp.path() + "/trades/_log/" + CheckpointFileName(3)));
  store.reset();
  ASSERT_TRUE(Store::Open(tmp.path(), &store, options).ok());
  expect_merged(*store);
}

TEST(StoreRecovery, FilesACompactionReplacedAreDeleted) {
  testing::TempDir tmp;
  const std::string data = tmp.path();
  // Killed after the compaction's record: its old files are still in place, its own is staged.
  ASSERT_TRUE(MakeDirs(data + "/trades/dt=2026-01-01").ok());
  ASSERT_TRUE(MakeDirs(data + "/trades/_staging").ok());
  ASSERT_TRUE(WriteFileSynced(data + "/trades/dt=2026-01-01/trades_a.parquet", "PAR1").ok());
  ASSERT_TRUE(WriteFileSynced(data + "/trades/_staging/trades_c.parquet", "PAR1").ok());
  WriteRecord(data, "trades", 1, {FileEntry("2026-01-01", "trades_a.parquet", 3)}, json::object());
  // trades_b.parquet was deleted already: a record naming it is fine, the compaction replaced it.
  WriteRecord(data, "trades", 2, {FileEntry("2026-01-01", "trades_b.parquet", 2)}, json::object());
  CommitRecord r;
  r.seq = 3;
  r.dataset = "trades";
  r.run_id = "compact";
  r.committed_at = "2026-01-01T00:00:00.000000Z";
  r.files = {FileEntry("2026-01-01", "trades_c.parquet", 5)};
  r.rows = 5;
  r.removed = {"dt=2026-01-01/trades_a.parquet", "dt=2026-01-01/trades_b.parquet"};
  ASSERT_TRUE(
      WriteFileSynced(data + "/trades/_log/" + CommitLogFileName(3), SerializeCommitRecord(r))
          .ok());

  std::unique_ptr<Store> store;
  Status s = Store::Open(data, &store);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(store->recovery().files_rolled_forward, 1);
  EXPECT_EQ(store->recovery().removed_files_deleted, 1);
  EXPECT_EQ(List(data + "/trades/dt=2026-01-01"), (std::vector<std::string>{"trades_c.parquet"}));
  EXPECT_EQ(store->Stats("trades").rows, 5);
  EXPECT_EQ(store->Stats("trades").files, 1);
}

TEST(Store, CommitRefusesWhatItCannotRecord) {
  testing::TempDir tmp;
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(tmp.path(), &store).ok());
  ASSERT_TRUE(store->PrepareDataset("trades").ok());
  bool written = true;
  EXPECT_FALSE(store
                   ->Commit("trades", "r", {FileEntry("2026-01-01", "nowhere.parquet", 1)},
                            json::object(), &written)
                   .ok());
  EXPECT_FALSE(written);
  EXPECT_FALSE(store->Commit("trades", "r", {}, json::array(), &written).ok());
  EXPECT_FALSE(written);
  EXPECT_TRUE(List(tmp.path() + "/trades/_log").empty());
  EXPECT_EQ(store->Stats("trades").commits, 0u);
}

TEST(Store, DatasetNamesAreChecked) {
  testing::TempDir tmp;
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(tmp.path(), &store).ok());
  for (const char* bad : {"", "../x", "Trades", "_log", "a/b", "a b", ".hidden"}) {
    EXPECT_FALSE(store->PrepareDataset(bad).ok()) << bad;
  }
  EXPECT_TRUE(store->PrepareDataset("gamma_markets").ok());
  EXPECT_TRUE(IsDirectory(tmp.path() + "/gamma_markets/_staging"));
  EXPECT_TRUE(IsDirectory(tmp.path() + "/gamma_markets/_log"));
}

TEST(Store, NewFileNamesAreUniqueAndWellFormed) {
  testing::TempDir tmp;
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(tmp.path(), &store).ok());
  ASSERT_TRUE(store->PrepareDataset("prices").ok());
  const std::regex shape(R"(prices_\d{8}_\d{6}_\d{6}\.parquet)");
  std::set<std::string> names;
  for (int i = 0; i < 5000; ++i) {
    const std::string n = store->NewFileName("prices");
    EXPECT_TRUE(std::regex_match(n, shape)) << n;
    names.insert(n);
  }
  EXPECT_EQ(names.size(), 5000u);
  // Names sort in the order they were handed out.
  EXPECT_GT(store->NewFileName("prices"), *names.rbegin());
}

TEST(Store, ANewFileNameComesAfterEveryCommittedOneEvenFromAClockAhead) {
  testing::TempDir tmp;
  // A file named by a clock a year ahead (another machine, or a clock set back since).
  const std::string ahead =
      "trades_" + FileStampOfMicros(NowMicros() + 365LL * 86'400'000'000LL) + ".parquet";
  {
    std::unique_ptr<Store> store;
    ASSERT_TRUE(Store::Open(tmp.path(), &store).ok());
    ASSERT_TRUE(store->PrepareDataset("trades").ok());
    Stage(*store, "trades", ahead);
    bool written = false;
    ASSERT_TRUE(store
                    ->Commit("trades", "run-1", {FileEntry("2026-01-01", ahead, 10, 5, 6)},
                             {{"m", 1}}, &written)
                    .ok());
  }
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(tmp.path(), &store).ok());
  const std::string next = store->NewFileName("trades");
  EXPECT_GT(next, ahead);
  EXPECT_GT(store->NewFileName("trades"), next);
}

TEST(Store, ReadOnlyOpenSeesCommitsBesideAWriterAndChangesNothing) {
  testing::TempDir tmp;
  std::unique_ptr<Store> writer;
  ASSERT_TRUE(Store::Open(tmp.path(), &writer).ok());
  ASSERT_TRUE(writer->PrepareDataset("trades").ok());
  const std::string a = writer->NewFileName("trades");
  Stage(*writer, "trades", a);
  bool written = false;
  ASSERT_TRUE(
      writer
          ->Commit("trades", "run-1", {FileEntry("2026-01-01", a, 10, 5, 6)}, {{"m", 1}}, &written)
          .ok());
  // What a writer has in flight: a staged file and a temp record.
  Stage(*writer, "trades", "trades_inflight.parquet");
  const std::string temp_log = tmp.path() + "/trades/_log/000000000002.json.tmp";
  ASSERT_TRUE(WriteFileSynced(temp_log, "{").ok());

  std::unique_ptr<Store> reader;
  Status s = Store::OpenReadOnly(tmp.path(), &reader);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(reader->read_only());
  EXPECT_EQ(reader->Datasets(), (std::vector<std::string>{"trades"}));
  EXPECT_EQ(reader->Stats("trades").rows, 10);
  EXPECT_EQ(reader->Stats("trades").max_event_us, 6);
  EXPECT_EQ(testing::ProgressOf(*reader, "trades"), (json{{"m", 1}}));
  EXPECT_TRUE(IsRegularFile(temp_log));
  EXPECT_TRUE(IsRegularFile(writer->StagingDir("trades") + "/trades_inflight.parquet"));
  EXPECT_FALSE(reader->PrepareDataset("trades").ok());
  EXPECT_FALSE(reader->Commit("trades", "r", {}, {{"x", 1}}, &written).ok());
  EXPECT_FALSE(written);

  s = Store::OpenReadOnly(tmp.path() + "/missing", &reader);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("missing"), std::string::npos);
  EXPECT_FALSE(IsDirectory(tmp.path() + "/missing"));
}

TEST(StoreRecovery, CommittedButUnrenamedFilesRollForward) {
  testing::TempDir tmp;
  const std::string ds = tmp.path() + "/trades";
  ASSERT_TRUE(MakeDirs(ds + "/_staging").ok());
  ASSERT_TRUE(WriteFileSynced(ds + "/_staging/trades_a.parquet", "A").ok());
  ASSERT_TRUE(WriteFileSynced(ds + "/_staging/trades_b.parquet", "B").ok());
  // One of the two was already renamed when the process died.
  ASSERT_TRUE(MakeDirs(ds + "/dt=2026-01-02").ok());
  ASSERT_TRUE(WriteFileSynced(ds + "/dt=2026-01-02/trades_c.parquet", "C").ok());
  WriteRecord(tmp.path(), "trades", 1,
              {FileEntry("2026-01-01", "trades_a.parquet", 3),
               FileEntry("2026-01-01", "trades_b.parquet", 4),
               FileEntry("2026-01-02", "trades_c.parquet", 5)},
              {{"s", 7}});

  std::unique_ptr<Store> store;
  Status s = Store::Open(tmp.path(), &store);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(store->recovery().files_rolled_forward, 2);
  EXPECT_EQ(store->recovery().staged_files_deleted, 0);
  EXPECT_TRUE(IsRegularFile(ds + "/dt=2026-01-01/trades_a.parquet"));
  EXPECT_TRUE(IsRegularFile(ds + "/dt=2026-01-01/trades_b.parquet"));
  EXPECT_TRUE(List(ds + "/_staging").empty());
  EXPECT_EQ(store->Stats("trades").rows, 12);
  EXPECT_EQ(testing::ProgressOf(*store, "trades"), (json{{"s", 7}}));
}

TEST(StoreRecovery, UncommittedStagedFilesAndTempLogsAreDeleted) {
  testing::TempDir tmp;
  const std::string ds = tmp.path() + "/markets";
  ASSERT_TRUE(MakeDirs(ds + "/_staging/.duckdb_tmp_1_0").ok());
  ASSERT_TRUE(WriteFileSynced(ds + "/_staging/.duckdb_tmp_1_0/spill", "x").ok());
  ASSERT_TRUE(WriteFileSynced(ds + "/_staging/markets_x.parquet", "X").ok());
  ASSERT_TRUE(WriteFileSynced(ds + "/_staging/markets_y.parquet", "Y").ok());
  WriteRecord(tmp.path(), "markets", 1, {}, {{"done", false}});
  // A record whose write was interrupted: it names markets_y, but it never committed.
  ASSERT_TRUE(RenameFile(ds + "/_log/000000000001.json", ds + "/_log/000000000002.json.tmp").ok());
  WriteRecord(tmp.path(), "markets", 1, {}, {{"done", false}});

  std::unique_ptr<Store> store;
  Status s = Store::Open(tmp.path(), &store);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(store->recovery().staged_files_deleted, 3);
  EXPECT_EQ(store->recovery().temp_logs_deleted, 1);
  EXPECT_TRUE(List(ds + "/_staging").empty());
  EXPECT_EQ(List(ds + "/_log"), (std::vector<std::string>{"000000000001.json"}));
  EXPECT_EQ(store->Stats("markets").files, 0);
  EXPECT_EQ(testing::ProgressOf(*store, "markets"), (json{{"done", false}}));
}

TEST(StoreRecovery, ARecordNamingAMissingFileIsAnError) {
  testing::TempDir tmp;
  ASSERT_TRUE(MakeDirs(tmp.path() + "/trades/_staging").ok());
  WriteRecord(tmp.path(), "trades", 1, {FileEntry("2026-01-01", "trades_gone.parquet", 1)}, {});
  std::unique_ptr<Store> store;
  Status s = Store::Open(tmp.path(), &store);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(store, nullptr);
  EXPECT_NE(s.message().find("000000000001.json"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("dt=2026-01-01/trades_gone.parquet"), std::string::npos)
      << s.message();
  // The failed open released the lock.
  ASSERT_TRUE(RemoveFile(tmp.path() + "/trades/_log/000000000001.json").ok());
  EXPECT_TRUE(Store::Open(tmp.path(), &store).ok());
}

TEST(StoreRecovery, ADamagedRecordIsAnErrorNamingIt) {
  testing::TempDir tmp;
  ASSERT_TRUE(MakeDirs(tmp.path() + "/trades/_log").ok());
  ASSERT_TRUE(WriteFileSynced(tmp.path() + "/trades/_log/000000000001.json", "{\"seq\":").ok());
  std::unique_ptr<Store> store;
  Status s = Store::Open(tmp.path(), &store);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("trades/_log/000000000001.json"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("not valid"), std::string::npos) << s.message();

  // A record filed under the wrong number is damage too.
  WriteRecord(tmp.path(), "trades", 5, {}, {});
  ASSERT_TRUE(RenameFile(tmp.path() + "/trades/_log/000000000005.json",
                         tmp.path() + "/trades/_log/000000000001.json")
                  .ok());
  EXPECT_FALSE(Store::Open(tmp.path(), &store).ok());
}

TEST(StoreRecovery, FoldersThatAreNotDatasetsAreLeftAlone) {
  testing::TempDir tmp;
  ASSERT_TRUE(MakeDirs(tmp.path() + "/Other/_staging").ok());
  ASSERT_TRUE(WriteFileSynced(tmp.path() + "/Other/_staging/keep", "k").ok());
  ASSERT_TRUE(WriteFileSynced(tmp.path() + "/polymarket.duckdb", "db").ok());
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(tmp.path(), &store).ok());
  EXPECT_TRUE(IsRegularFile(tmp.path() + "/Other/_staging/keep"));
  EXPECT_TRUE(store->Datasets().empty());
}

}  // namespace
}  // namespace polypipe::bronze
