// The few POSIX file operations the commit protocol is built from, each reporting failure as a
// Status whose message names the operation, the path and the errno text.
//
// Durability is explicit: WriteFileSynced fsyncs the file it writes, and a rename or a new
// directory entry only survives a power cut once its directory has been fsynced (SyncPath on the
// directory).
//
// Thread-safety: stateless functions, safe from any thread.

#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "bronze/status.h"

namespace polypipe::bronze {

// An error Status "cannot <action> <path>: <strerror(err)>".
Status ErrnoStatus(std::string_view action, const std::string& path, int err);

// Creates `path` and any missing parents (like mkdir -p); fsyncs each parent that gains an entry.
Status MakeDirs(const std::string& path);

// fsync on a file or a directory.
Status SyncPath(const std::string& path);

// Flushes every dirty file of the filesystem holding `path` (syncfs), then fsyncs `path` itself.
// One call instead of an fsync per file: for a batch of many small files each fsync would force
// its own journal commit.
Status SyncFileSystem(const std::string& path);

// Creates or truncates `path`, writes `content`, fsyncs and closes it.
Status WriteFileSynced(const std::string& path, std::string_view content);
// The same with the content `produce` hands to its `write`, a piece at a time (so that a large file
// is never whole in memory); fails with the first error of either.
Status WriteFileSynced(
    const std::string& path,
    const std::function<Status(const std::function<Status(std::string_view)>& write)>& produce);

// Reads the whole file into *content.
Status ReadFile(const std::string& path, std::string* content);

// rename(2); the caller fsyncs the directories involved.
Status RenameFile(const std::string& from, const std::string& to);

// unlink(2); a file that is already gone is not an error.
Status RemoveFile(const std::string& path);

// Names in a directory, without "." and "..", sorted.
Status ListDir(const std::string& path, std::vector<std::string>* names);

// Size in bytes of a regular file.
Status FileSize(const std::string& path, int64_t* bytes);

bool PathExists(const std::string& path);
bool IsDirectory(const std::string& path);
bool IsRegularFile(const std::string& path);

// The directory part of `path` ("." when there is none).
std::string DirName(const std::string& path);
// The last component of `path`.
std::string BaseName(const std::string& path);

}  // namespace polypipe::bronze
