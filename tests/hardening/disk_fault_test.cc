// Disk faults under the data directory: build/polypipe fetches onto a size-limited tmpfs that
// fills up mid-run, and onto a read-only one. Expected (README, "Disk faults"): exit 1 with one
// clear line naming the problem, a commit log whose every record names files that exist, no
// staging leftovers once the next run has started, and after the fault is gone a rerun that
// ends with exactly the rows of an undisturbed fetch. Skipped where mounting is not allowed.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <string>
#include <vector>

#include "tests/fetch/fetch_harness.h"
#include "tests/hardening/hardening.h"
#include "tests/hardening/mount_guard.h"

namespace polypipe::testing {
namespace {

// Bytes `dir` takes on a tmpfs: each file rounded up to whole 4 KiB pages.
int64_t PagesUsed(const fs::path& dir) {
  int64_t bytes = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) bytes += (static_cast<int64_t>(e.file_size()) + 4095) / 4096 * 4096;
  }
  return bytes;
}

std::vector<std::string> ArgsWithDataDir(const FetchHarness& h, const fs::path& data_dir,
                                         const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = h.FetchArgs(extra);
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "--data-dir") args[i + 1] = data_dir.string();
  }
  return args;
}

// Lines of `output` that report why the command failed ("polypipe fetch: ..."); progress lines
// ("polypipe: ...") and the summary are not among them.
std::vector<std::string> ErrorLines(const std::string& output) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (int n = 0; start < output.size() && n < 1'000'000; ++n) {
    size_t end = output.find('\n', start);
    if (end == std::string::npos) end = output.size();
    const std::string line = output.substr(start, end - start);
    if (line.rfind("polypipe fetch: ", 0) == 0) {
      lines.push_back(line);
    }
    start = end + 1;
  }
  return lines;
}

// Checks every commit record of every dataset: its files exist, in their dt= folder or, when
// `staged_ok`, still in _staging (a commit whose rename the next start rolls forward).
// Returns the rows the records commit per dataset.
std::map<std::string, int64_t> CheckCommitLog(const fs::path& data, bool staged_ok) {
  std::map<std::string, int64_t> rows;
  for (const std::string& dataset : kDatasets) {
    const fs::path log = data / dataset / "_log";
    if (!fs::exists(log)) continue;
    int records = 0;
    for (const auto& e : fs::directory_iterator(log)) {
      if (e.path().extension() != ".json") continue;  // temp files of an unfinished commit
      if (++records > 100'000) break;
      std::ifstream in(e.path());
      const auto record = nlohmann::json::parse(in, nullptr, false);
      EXPECT_TRUE(record.is_object()) << e.path() << " is not a complete JSON record";
      if (!record.is_object()) continue;
      for (const auto& f : record.value("files", nlohmann::json::array())) {
        const std::string path = f.value("path", "");
        const fs::path final_path = data / dataset / path;
        const fs::path staged = data / dataset / "_staging" / fs::path(path).filename();
        const bool present = fs::exists(final_path) || (staged_ok && fs::exists(staged));
        EXPECT_TRUE(present) << e.path() << " names " << path << ", which does not exist";
        rows[dataset] += f.value("rows", int64_t{0});
      }
    }
  }
  return rows;
}

int StagedFilesUnder(const fs::path& data) {
  int n = 0;
  if (!fs::exists(data)) return 0;
  for (const auto& e : fs::recursive_directory_iterator(data)) {
    if (e.is_regular_file() && e.path().parent_path().filename() == "_staging") ++n;
  }
  return n;
}

std::map<std::string, std::string> Checksums(FetchHarness& h, const fs::path& data) {
  std::map<std::string, std::string> out;
  for (const std::string& dataset : kDatasets) {
    if (!bronze::HasCommittedFiles(data.string(), dataset)) {
      out[dataset] = "empty";
      continue;
    }
    const std::string exclude = dataset == "leaderboard"
                                    ? "_fetched_at, _run_id, _source, snapshot_ts"
                                    : "_fetched_at, _run_id, _source";
    auto r = h.Query(
        "SELECT count(*)::VARCHAR || ':' || sum(hash(t)::HUGEINT)::VARCHAR FROM (SELECT * "
        "EXCLUDE (" +
        exclude + ") FROM read_parquet(" +
        bronze::QuoteSqlString(bronze::GlobFor(data.string(), dataset)) + ")) t");
    out[dataset] = r.rows.empty() || !r.rows[0][0] ? "?" : *r.rows[0][0];
  }
  return out;
}

TEST(DiskFaults, FullDiskStopsWithOneLineAndARerunAfterFreeingSpaceCompletes) {
  FetchHarness h("disk-full");
  // An undisturbed fetch on the ordinary disk: the rows to expect, and how much space they take.
  const auto reference = h.Fetch();
  ASSERT_EQ(reference.code, 0) << reference.output.substr(0, 3000);
  const auto expected = Checksums(h, h.data_dir());
  const int64_t needed = PagesUsed(h.data_dir());
  ASSERT_GT(needed, 0);

  // The disk fills at a different step of the run for each size: a quarter, a half and three
  // quarters of what the complete fetch needs.
  const auto truth = h.sim().Truth();
  for (const int quarters : {1, 2, 3}) {
    SCOPED_TRACE(::testing::Message() << quarters << "/4 of the space needed");
    const fs::path mount_point = h.data_dir().parent_path() / ("small-" + std::to_string(quarters));
    std::string why;
    const int64_t small = std::max<int64_t>(64 * 1024, needed * quarters / 4 / 4096 * 4096);
    auto fs_guard = MountGuard::Tmpfs(mount_point, small, &why);
    if (!fs_guard) GTEST_SKIP() << why;
    const fs::path data = mount_point / "data";

    const auto full = polysim::testing::RunToEnd(ArgsWithDataDir(h, data), 300);
    EXPECT_EQ(full.code, 1) << full.output.substr(0, 3000);
    const auto errors = ErrorLines(full.output);
    ASSERT_EQ(errors.size(), 1u) << full.output.substr(0, 3000);
    EXPECT_NE(errors[0].find("No space left on device"), std::string::npos) << errors[0];
    EXPECT_NE(errors[0].find(data.string()), std::string::npos) << errors[0];

    // The commit log is consistent, and the run had committed part of the data.
    const auto partial = CheckCommitLog(data, /*staged_ok=*/true);
    int64_t committed = 0;
    for (const auto& [dataset, n] : partial) committed += n;
    EXPECT_GT(committed, 0) << "the disk filled before anything was committed";

    // Space freed: the rerun completes the same run, with exactly the reference rows.
    ASSERT_TRUE(fs_guard->Resize(needed * 4 + (16 << 20), &why)) << why;
    const auto rerun = polysim::testing::RunToEnd(ArgsWithDataDir(h, data), 300);
    ASSERT_EQ(rerun.code, 0) << rerun.output.substr(0, 3000);
    EXPECT_EQ(StagedFilesUnder(data), 0);
    const auto rows = CheckCommitLog(data, /*staged_ok=*/false);
    for (const std::string& dataset : kDatasets) {
      EXPECT_EQ(rows.count(dataset) ? rows.at(dataset) : 0,
                truth["datasets"][dataset].get<int64_t>())
          << dataset;
    }
    EXPECT_EQ(Checksums(h, data), expected);
  }
}

TEST(DiskFaults, ReadOnlyDataDirFailsWithOneLineChangesNothingAndRecovers) {
  FetchHarness h("disk-ro");
  const fs::path mount_point = h.data_dir().parent_path() / "ro";
  std::string why;
  auto fs_guard = MountGuard::Tmpfs(mount_point, int64_t{512} << 20, &why);
  const bool chmod_fallback = !fs_guard && geteuid() != 0;  // root ignores permission bits
  if (!fs_guard && !chmod_fallback) GTEST_SKIP() << why;
  const fs::path data = mount_point / "data";

  const auto first = polysim::testing::RunToEnd(ArgsWithDataDir(h, data, {"--mode", "markets"}));
  ASSERT_EQ(first.code, 0) << first.output.substr(0, 3000);
  const auto before = Checksums(h, data);
  const auto tree = ListTree(data);

  if (fs_guard) {
    ASSERT_TRUE(fs_guard->SetReadOnly(true, &why)) << why;
  } else {
    for (const auto& e : fs::recursive_directory_iterator(data)) {
      if (e.is_directory()) chmod(e.path().c_str(), 0555);
    }
    chmod(data.c_str(), 0555);
  }
  const auto ro = polysim::testing::RunToEnd(ArgsWithDataDir(h, data), 120);
  EXPECT_EQ(ro.code, 1) << ro.output.substr(0, 3000);
  const auto errors = ErrorLines(ro.output);
  ASSERT_EQ(errors.size(), 1u) << ro.output.substr(0, 3000);
  EXPECT_NE(errors[0].find(data.string()), std::string::npos) << errors[0];
  EXPECT_TRUE(errors[0].find("Read-only file system") != std::string::npos ||
              errors[0].find("ermission denied") != std::string::npos)
      << errors[0];
  EXPECT_EQ(ListTree(data), tree);
  EXPECT_EQ(Checksums(h, data), before);

  if (fs_guard) {
    ASSERT_TRUE(fs_guard->SetReadOnly(false, &why)) << why;
  } else {
    chmod(data.c_str(), 0755);
    for (const auto& e : fs::recursive_directory_iterator(data)) {
      if (e.is_directory()) chmod(e.path().c_str(), 0755);
    }
  }
  const auto rerun = polysim::testing::RunToEnd(ArgsWithDataDir(h, data), 300);
  ASSERT_EQ(rerun.code, 0) << rerun.output.substr(0, 3000);
  EXPECT_EQ(StagedFilesUnder(data), 0);
  const auto truth = h.sim().Truth();
  const auto rows = CheckCommitLog(data, /*staged_ok=*/false);
  for (const std::string& dataset : kDatasets) {
    // The markets snapshot was taken twice: by the first run and by the rerun.
    const int64_t snapshots = dataset == "markets" || dataset == "market_tokens" ? 2 : 1;
    EXPECT_EQ(rows.count(dataset) ? rows.at(dataset) : 0,
              snapshots * truth["datasets"][dataset].get<int64_t>())
        << dataset;
  }
}

}  // namespace
}  // namespace polypipe::testing
