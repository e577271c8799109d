// Result<T>: a parsed value, or one line saying why there is none.
//
// The API layer returns expected failures (a body that is not the JSON a route promises) as values;
// nothing in src/api throws. The message is meant for a log line: it names what was wrong and
// quotes a short excerpt of the offending body.
//
// Thread-safety: a plain value.

#pragma once

#include <optional>
#include <string>
#include <utility>

namespace polypipe::api {

template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit on purpose, `return page;`
  static Result Error(std::string message) {
    Result r;
    r.error_ = std::move(message);
    return r;
  }

  bool ok() const { return value_.has_value(); }
  // REQUIRES: !ok()
  const std::string& error() const { return error_; }

  // REQUIRES: ok()
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }

 private:
  Result() = default;

  std::optional<T> value_;
  std::string error_;
};

}  // namespace polypipe::api
