// MountGuard: a size-limited tmpfs mounted by a test over a directory, unmounted when the guard
// goes out of scope (also when the test fails). Tests that need one skip with a clear message
// where the machine does not allow mounting (no CAP_SYS_ADMIN, e.g. an unprivileged container).
//
// Thread-safety: one guard per directory, used from the test's thread.

#pragma once

#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

namespace polypipe::testing {

class MountGuard {
 public:
  // Mounts a tmpfs of `bytes` over `dir` (created if missing). Returns null with *why set when
  // the kernel refuses (the test then skips).
  static std::unique_ptr<MountGuard> Tmpfs(const std::filesystem::path& dir, int64_t bytes,
                                           std::string* why) {
    std::filesystem::create_directories(dir);
    const std::string options = "size=" + std::to_string(bytes) + ",mode=0755";
    if (mount("tmpfs", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0) {
      *why = "cannot mount a tmpfs on " + dir.string() + ": " + std::strerror(errno) +
             " (mounting needs root or CAP_SYS_ADMIN)";
      return nullptr;
    }
    return std::unique_ptr<MountGuard>(new MountGuard(dir));
  }

  MountGuard(const MountGuard&) = delete;
  MountGuard& operator=(const MountGuard&) = delete;

  ~MountGuard() {
    // A child the test killed may still hold a file open for a moment: retry, then detach.
    for (int attempt = 0; attempt < 50; ++attempt) {
      if (umount2(dir_.c_str(), 0) == 0 || errno == EINVAL || errno == ENOENT) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    umount2(dir_.c_str(), MNT_DETACH);
  }

  // Changes the size limit in place (the files stay). False with *why on failure.
  bool Resize(int64_t bytes, std::string* why) {
    return Remount("size=" + std::to_string(bytes), 0, why);
  }
  // Makes the filesystem read-only, or writable again.
  bool SetReadOnly(bool read_only, std::string* why) {
    return Remount("", read_only ? MS_RDONLY : 0, why);
  }

  const std::filesystem::path& dir() const { return dir_; }

 private:
  explicit MountGuard(std::filesystem::path dir) : dir_(std::move(dir)) {}

  bool Remount(const std::string& options, unsigned long flags, std::string* why) {
    if (mount("tmpfs", dir_.c_str(), "tmpfs", MS_REMOUNT | MS_NOSUID | MS_NODEV | flags,
              options.empty() ? nullptr : options.c_str()) != 0) {
      *why = "cannot remount " + dir_.string() + ": " + std::strerror(errno);
      return false;
    }
    return true;
  }

  std::filesystem::path dir_;
};

}  // namespace polypipe::testing
