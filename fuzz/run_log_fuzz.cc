// Run reports, `<data>/_runs/<run_id>.json` (RunLog::Latest, RunLog::Begin): a fetch must start,
// resuming or not, whatever the newest report holds.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "fetch/run_log.h"
#include "fuzz/fuzz_check.h"

namespace {

namespace fs = std::filesystem;

// A data directory of this process, removed at exit.
const fs::path& DataDir() {
  static const fs::path dir = [] {
    std::string tmpl = (fs::temp_directory_path() / "polypipe-fuzz-runlog-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) polypipe::fuzz::Fail("mkdtemp failed");
    fs::create_directories(fs::path(tmpl) / "_runs");
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(DataDir(), ec);
    });
    return fs::path(tmpl);
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace polypipe;
  const fs::path report = DataDir() / "_runs" / "20260101T000000Z.json";
  {
    std::ofstream out(report, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    if (!out) fuzz::Fail("cannot write the report");
  }
  const nlohmann::json latest = fetch::RunLog::Latest(DataDir().string());
  fuzz::Require(latest.is_null() || !latest.is_discarded(), "Latest returned a discarded value");

  std::string error;
  auto log = fetch::RunLog::Begin(DataDir().string(), "all", /*fresh=*/false, &error);
  if (!log) fuzz::Fail("Begin failed: " + error);
  fuzz::Require(!log->run_id().empty(), "a run without an id");
  fuzz::Require(log->report().is_object(), "a report that is not an object");
  log->report().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return 0;
}
