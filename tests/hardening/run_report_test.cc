// The run report on a full disk: RunLog::Save names the real cause (a full disk first shows as a
// short write, which sets no errno) and leaves no temp file behind. Skipped where mounting a
// tmpfs is not permitted.

#include <gtest/gtest.h>

#include <cerrno>
#include <fstream>
#include <string>

#include "fetch/run_log.h"
#include "tests/hardening/hardening.h"
#include "tests/hardening/mount_guard.h"
#include "tests/sim/process.h"

namespace polypipe::testing {
namespace {

TEST(RunReport, SavingOnAFullDiskSaysNoSpaceAndLeavesNoTempFile) {
  const fs::path root = polysim::testing::TempDir("run-report-full");
  struct RemoveOnExit {
    fs::path dir;
    ~RemoveOnExit() { fs::remove_all(dir); }
  } cleanup{root};
  std::string why;
  {
    auto guard = MountGuard::Tmpfs(root / "fs", 256 * 1024, &why);
    if (!guard) GTEST_SKIP() << why;
    const fs::path data = root / "fs" / "data";
    std::string error;
    auto log = fetch::RunLog::Begin(data.string(), "all", false, &error);
    ASSERT_TRUE(log) << error;
    ASSERT_FALSE(log->Save("running"));
    // Fill the filesystem, leaving less room than the report needs.
    {
      std::ofstream out(root / "fs" / "filler", std::ios::binary);
      const std::string block(4096, 'x');
      for (int i = 0; i < 1024 && out; ++i) out << block << std::flush;
    }
    // Two pages free: the report's first write is short, the second one fails.
    const fs::path filler = root / "fs" / "filler";
    fs::resize_file(filler, fs::file_size(filler) - 8192);
    log->report()["padding"] = std::string(64 * 1024, 'p');
    errno = 0;
    const auto saved = log->Save("failed");
    ASSERT_TRUE(saved);
    EXPECT_NE(saved->find("No space left on device"), std::string::npos) << *saved;
    for (const auto& path : ListTree(data / "_runs")) {
      EXPECT_EQ(path.find(".tmp"), std::string::npos) << "left behind: " << path;
    }
  }
}

}  // namespace
}  // namespace polypipe::testing
