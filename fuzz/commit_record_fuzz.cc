// Commit log records, `<dataset>/_log/<seq>.json` (ParseCommitRecord), and commit log file names
// (ParseCommitLogFileName). A record that parses must survive a write and a read unchanged, and
// may only name files inside its dataset folder.
#include <cstddef>
#include <cstdint>
#include <string>

#include "bronze/commit_record.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace polypipe;
  const std::string text(reinterpret_cast<const char*>(data), size);

  uint64_t seq = 0;
  if (bronze::ParseCommitLogFileName(text, &seq)) {
    fuzz::Require(bronze::CommitLogFileName(seq) == text,
                  "a log file name that does not round-trip");
  }

  bronze::CommitRecord record;
  if (!bronze::ParseCommitRecord(text, &record).ok()) return 0;
  for (const bronze::CommittedFile& f : record.files) {
    fuzz::Require(bronze::IsValidCommittedPath(f.path), "a record naming a malformed path");
  }
  const std::string written = bronze::SerializeCommitRecord(record);
  bronze::CommitRecord again;
  const bronze::Status reread = bronze::ParseCommitRecord(written, &again);
  if (!reread.ok()) fuzz::Fail("a parsed record does not read back: " + reread.message());
  fuzz::Require(bronze::SerializeCommitRecord(again) == written,
                "a record that does not round-trip");
  return 0;
}
