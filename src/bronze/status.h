// Status: the outcome of a Bronze operation that can fail for expected reasons (a full disk, a
// read-only directory, a data directory held by another process, a damaged commit record).
//
// Failures travel as values so that a caller decides what to do with them; the message is meant for
// one line on stderr and names the path and the cause.
//
// Thread-safety: a plain value; const methods may be called from any thread.

#pragma once

#include <string>
#include <utility>

namespace polypipe::bronze {

class Status {
 public:
  // An ok status.
  Status() = default;

  static Status Ok() { return Status(); }
  static Status Error(std::string message) { return Status(std::move(message), true); }

  bool ok() const { return !failed_; }
  // Empty for an ok status.
  const std::string& message() const { return message_; }
  std::string ToString() const { return failed_ ? message_ : "ok"; }

 private:
  Status(std::string message, bool failed) : message_(std::move(message)), failed_(failed) {}

  std::string message_;
  bool failed_ = false;
};

}  // namespace polypipe::bronze
