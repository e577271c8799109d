// The config file (LoadConfigFile): any text is either loaded or refused with one error line.
// The input reaches the loader as a file, as in `polypipe fetch --config FILE`; a memfd keeps it
// off the disk.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "fetch/config.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace polypipe;
  const int fd = memfd_create("polypipe-config", MFD_CLOEXEC);
  if (fd < 0) fuzz::Fail("memfd_create failed");
  size_t written = 0;
  while (written < size) {
    const ssize_t n = ::write(fd, data + written, size - written);
    if (n <= 0) fuzz::Fail("cannot write the config text");
    written += static_cast<size_t>(n);
  }
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  fetch::FetchConfig config = fetch::FetchConfig::Defaults();
  const auto error = fetch::LoadConfigFile(path, /*required=*/true, &config);
  ::close(fd);
  if (error) {
    fuzz::Require(!error->empty(), "an empty error line");
    fuzz::Require(error->find('\n') == std::string::npos, "an error of more than one line");
    return 0;
  }
  for (const auto& [name, workers] : config.workers) fuzz::Require(workers >= 1, "workers < 1");
  for (const auto& [name, rows] : config.queues) fuzz::Require(rows >= 1, "queue rows < 1");
  fuzz::Require(config.retry.max_attempts >= 1, "retry.max_attempts < 1");
  return 0;
}
