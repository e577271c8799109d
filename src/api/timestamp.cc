#include "api/timestamp.h"

namespace polypipe::api {
namespace {

// Reads exactly `n` decimal digits at `pos`.
bool Digits(std::string_view s, size_t& pos, int n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  pos += n;
  out = v;
  return true;
}

bool IsLeap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

}  // namespace

std::optional<int64_t> ParseTimestamp(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  size_t pos = 0;
  int year = 0, month = 0, day = 0;
  if (!Digits(s, pos, 4, year) || pos >= s.size() || s[pos++] != '-' || !Digits(s, pos, 2, month) ||
      pos >= s.size() || s[pos++] != '-' || !Digits(s, pos, 2, day)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month)) return std::nullopt;
  int64_t seconds = DaysFromCivil(year, month, day) * 86'400;
  if (pos == s.size()) return seconds * 1'000'000;

  const char sep = s[pos++];
  if (sep != 'T' && sep != 't' && sep != ' ') return std::nullopt;
  int hour = 0, minute = 0, second = 0;
  if (!Digits(s, pos, 2, hour) || pos >= s.size() || s[pos++] != ':' ||
      !Digits(s, pos, 2, minute)) {
    return std::nullopt;
  }
  if (pos < s.size() && s[pos] == ':') {
    ++pos;
    if (!Digits(s, pos, 2, second)) return std::nullopt;
  }
  if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
  int64_t micros = 0;
  if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
    ++pos;
    int digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 6) micros = micros * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (int i = digits; i < 6; ++i) micros *= 10;
  }
  seconds += hour * 3600 + minute * 60 + second;

  if (pos < s.size()) {
    const char z = s[pos++];
    if (z == 'Z' || z == 'z') {
      if (pos != s.size()) return std::nullopt;
    } else if (z == '+' || z == '-') {
      int off_h, off_m = 0;
      if (!Digits(s, pos, 2, off_h)) return std::nullopt;
      if (pos < s.size()) {
        if (s[pos] == ':') ++pos;
        if (!Digits(s, pos, 2, off_m)) return std::nullopt;
      }
      if (pos != s.size() || off_h > 23 || off_m > 59) return std::nullopt;
      const int64_t offset = off_h * 3600 + off_m * 60;
      seconds -= z == '+' ? offset : -offset;
    } else {
      return std::nullopt;
    }
  }
  return seconds * 1'000'000 + micros;
}

}  // namespace polypipe::api
