// Console: stderr shared by log lines and the live progress display.
//
// On a terminal the display is a block of lines redrawn in place, and a log line is printed above
// it (the block is erased first and redrawn at the next tick). Elsewhere (a pipe, a log file, cron)
// nothing is redrawn: the display becomes one summary line every few seconds.
//
// Thread-safety: all methods may be called concurrently.

#pragma once

#include <mutex>
#include <string>
#include <vector>

namespace polypipe::fetch {

class Console {
 public:
  // `live` = stderr is a terminal (redraw in place).
  explicit Console(bool live) : live_(live) {}
  Console(const Console&) = delete;
  Console& operator=(const Console&) = delete;

  bool live() const { return live_; }
  // Prints "polypipe: <line>".
  void Log(const std::string& line);
  // Replaces the live block (terminal) or prints the lines (elsewhere).
  void Draw(const std::vector<std::string>& lines);
  // Erases the live block, e.g. before the final summary.
  void Clear();

 private:
  // REQUIRES: mu_ held.
  void EraseLocked();

  const bool live_;
  std::mutex mu_;
  size_t drawn_ = 0;  // lines of the live block on screen
};

}  // namespace polypipe::fetch
