#include "bronze/durable_fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace polypipe::bronze {
namespace {

// Closes a descriptor on every path out of a function.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;

  int get() const { return fd_; }
  // Closes now so that a failing close(2) (possible on network filesystems) is reported.
  int Close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

}  // namespace

Status ErrnoStatus(std::string_view action, const std::string& path, int err) {
  return Status::Error(fmt::format("cannot {} {}: {}", action, path, std::strerror(err)));
}

Status MakeDirs(const std::string& path) {
  if (path.empty() || IsDirectory(path)) return Status::Ok();
  const std::string parent = DirName(path);
  if (parent != path) {
    Status s = MakeDirs(parent);
    if (!s.ok()) return s;
  }
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
    return ErrnoStatus("create directory", path, errno);
  }
  if (!IsDirectory(path))
    return Status::Error(fmt::format("{} exists and is not a directory", path));
  return SyncPath(parent);
}

Status SyncPath(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus("open", path, errno);
  if (::fsync(fd.get()) != 0) return ErrnoStatus("fsync", path, errno);
  if (fd.Close() != 0) return ErrnoStatus("close", path, errno);
  return Status::Ok();
}

Status SyncFileSystem(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus("open", path, errno);
  if (::syncfs(fd.get()) != 0) return ErrnoStatus("syncfs", path, errno);
  if (::fsync(fd.get()) != 0) return ErrnoStatus("fsync", path, errno);
  if (fd.Close() != 0) return ErrnoStatus("close", path, errno);
  return Status::Ok();
}

Status WriteFileSynced(const std::string& path, std::string_view content) {
  return WriteFileSynced(
      path, [&](const std::function<Status(std::string_view)>& write) { return write(content); });
}

Status WriteFileSynced(
    const std::string& path,
    const std::function<Status(const std::function<Status(std::string_view)>& write)>& produce) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (fd.get() < 0) return ErrnoStatus("create", path, errno);
  Status s = produce([&](std::string_view content) {
    size_t done = 0;
    while (done < content.size()) {
      const ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus("write", path, errno);
      }
      done += static_cast<size_t>(n);
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  if (::fsync(fd.get()) != 0) return ErrnoStatus("fsync", path, errno);
  if (fd.Close() != 0) return ErrnoStatus("close", path, errno);
  return Status::Ok();
}

Status ReadFile(const std::string& path, std::string* content) {
  content->clear();
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus("open", path, errno);
  char buf[16384];
  while (true) {
    const ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("read", path, errno);
    }
    if (n == 0) break;
    content->append(buf, static_cast<size_t>(n));
  }
  return Status::Ok();
}

Status RenameFile(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return ErrnoStatus("rename " + from + " to", to, errno);
  }
  return Status::Ok();
}

Status RemoveFile(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return ErrnoStatus("remove", path, errno);
  return Status::Ok();
}

Status ListDir(const std::string& path, std::vector<std::string>* names) {
  names->clear();
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return ErrnoStatus("list directory", path, errno);
  errno = 0;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (name != "." && name != "..") names->push_back(name);
    errno = 0;
  }
  const int err = errno;
  ::closedir(dir);
  if (err != 0) return ErrnoStatus("list directory", path, err);
  std::sort(names->begin(), names->end());
  return Status::Ok();
}

Status FileSize(const std::string& path, int64_t* bytes) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return ErrnoStatus("stat", path, errno);
  *bytes = static_cast<int64_t>(st.st_size);
  return Status::Ok();
}

bool PathExists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

bool IsDirectory(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool IsRegularFile(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string DirName(const std::string& path) {
  size_t end = path.size();
  while (end > 1 && path[end - 1] == '/') --end;  // ignore trailing slashes
  const size_t slash = path.rfind('/', end - 1);
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string BaseName(const std::string& path) {
  size_t end = path.size();
  while (end > 1 && path[end - 1] == '/') --end;
  const size_t slash = path.rfind('/', end - 1);
  const size_t begin = slash == std::string::npos ? 0 : slash + 1;
  return path.substr(begin, end - begin);
}

}  // namespace polypipe::bronze
