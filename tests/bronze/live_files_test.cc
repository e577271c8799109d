#include "bronze/live_files.h"

#include <gtest/gtest.h>

namespace polypipe::bronze {
namespace {

std::vector<LiveFile> All(const LiveFileList& list) {
  std::vector<LiveFile> files;
  list.ForEach([&](const LiveFileRef& f) { files.push_back(f.ToLiveFile()); });
  return files;
}

std::vector<std::string> Paths(const LiveFileList& list) {
  std::vector<std::string> paths;
  list.ForEach([&](const LiveFileRef& f) { paths.push_back(f.path()); });
  return paths;
}

TEST(LiveFileList, GivesBackEveryFieldOfUsualAndOddNames) {
  LiveFileList list("trades");
  const std::vector<CommittedFile> files = {
      {"dt=2026-01-01/trades_20260101_010203_000001.parquet", 10, 1234, int64_t{-5},
       int64_t{1767229200000000}},
      // Not NewFileName's form: another dataset's prefix, a 31st of February, a short name.
      {"dt=2026-01-01/prices_20260101_010203_000001.parquet", 1, 2, std::nullopt, int64_t{7}},
      {"dt=2026-01-02/trades_20260231_010203_000001.parquet", 3, 4, int64_t{1}, std::nullopt},
      {"dt=2026-01-02/a.parquet", 5, 6, std::nullopt, std::nullopt},
      {"dt=1969-12-31/trades_19691231_235959_999999.parquet", 7, 8, std::nullopt, std::nullopt},
  };
  std::vector<bool> stamped;
  for (size_t i = 0; i < files.size(); ++i) {
    stamped.push_back(list.Add(files[i], i + 1, i % 2 == 0 ? "run-a" : "run-b").has_value());
  }
  // Only the first name is of the form NewFileName gives: a stamp of a time before 1970 is not.
  EXPECT_EQ(stamped, (std::vector<bool>{true, false, false, false, false}));
  const std::vector<LiveFile> back = All(list);
  ASSERT_EQ(back.size(), files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    SCOPED_TRACE(files[i].path);
    EXPECT_EQ(back[i].file.path, files[i].path);
    EXPECT_EQ(back[i].file.rows, files[i].rows);
    EXPECT_EQ(back[i].file.bytes, files[i].bytes);
    EXPECT_EQ(back[i].file.min_event_us, files[i].min_event_us);
    EXPECT_EQ(back[i].file.max_event_us, files[i].max_event_us);
    EXPECT_EQ(back[i].seq, i + 1);
    EXPECT_EQ(back[i].run_id, i % 2 == 0 ? "run-a" : "run-b");
  }
  list.ForEach([](const LiveFileRef& f) { EXPECT_EQ(f.partition(), f.path().substr(0, 13)); });
}

CommittedFile File(const std::string& path, int64_t rows) {
  return {path, rows, rows * 10, std::nullopt, std::nullopt};
}

TEST(LiveFileList, RemovesExactlyTheNamedFiles) {
  LiveFileList list("trades");
  list.Add(File("dt=2026-01-01/trades_20260101_000000_000001.parquet", 1), 1, "r");
  list.Add(File("dt=2026-01-02/trades_20260101_000000_000001.parquet", 2), 1, "r");
  list.Add(File("dt=2026-01-01/odd.parquet", 3), 2, "r");
  list.Add(File("dt=2026-01-01/trades_20260101_000000_000002.parquet", 4), 2, "r");

  // Same name in another partition, a name never added, an unknown partition: not live.
  EXPECT_EQ(list.FirstMissing({"dt=2026-01-01/odd.parquet",
                               "dt=2026-01-03/trades_20260101_000000_000001.parquet"}),
            "dt=2026-01-03/trades_20260101_000000_000001.parquet");
  EXPECT_EQ(list.FirstMissing({"dt=2026-01-02/odd.parquet"}), "dt=2026-01-02/odd.parquet");
  EXPECT_EQ(list.FirstMissing({"dt=2026-01-01/trades_20260101_000000_000003.parquet"}),
            "dt=2026-01-01/trades_20260101_000000_000003.parquet");
  EXPECT_EQ(list.FirstMissing({"dt=2026-01-01/odd.parquet",
                               "dt=2026-01-02/trades_20260101_000000_000001.parquet"}),
            std::nullopt);

  int64_t removed_rows = 0;
  list.Remove({"dt=2026-01-01/odd.parquet", "dt=2026-01-01/trades_20260101_000000_000001.parquet",
               "dt=2026-01-05/never.parquet"},
              [&](const LiveFileRef& f) { removed_rows += f.rows(); });
  EXPECT_EQ(removed_rows, 4);
  EXPECT_EQ(Paths(list),
            (std::vector<std::string>{"dt=2026-01-02/trades_20260101_000000_000001.parquet",
                                      "dt=2026-01-01/trades_20260101_000000_000002.parquet"}));
  list.Clear();
  EXPECT_EQ(list.size(), 0u);
  EXPECT_EQ(list.FirstMissing({"dt=2026-01-02/trades_20260101_000000_000001.parquet"}),
            "dt=2026-01-02/trades_20260101_000000_000001.parquet");
}

}  // namespace
}  // namespace polypipe::bronze
