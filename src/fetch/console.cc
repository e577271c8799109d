#include "fetch/console.h"

#include <cstdio>

namespace polypipe::fetch {

void Console::EraseLocked() {
  for (; drawn_ > 0; --drawn_) std::fputs("\x1b[1A\x1b[2K", stderr);
}

void Console::Log(const std::string& line) {
  std::lock_guard lock(mu_);
  if (live_) EraseLocked();
  std::fputs(("polypipe: " + line + "\n").c_str(), stderr);
  std::fflush(stderr);
}

void Console::Draw(const std::vector<std::string>& lines) {
  std::lock_guard lock(mu_);
  if (live_) EraseLocked();
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  std::fputs(text.c_str(), stderr);
  std::fflush(stderr);
  if (live_) drawn_ = lines.size();
}

void Console::Clear() {
  std::lock_guard lock(mu_);
  if (live_) EraseLocked();
}

}  // namespace polypipe::fetch
