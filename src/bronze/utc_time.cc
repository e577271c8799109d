#include "bronze/utc_time.h"

#include <fmt/format.h>

#include <chrono>
#include <limits>

namespace polypipe::bronze {
namespace {

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;

// Floor division, so that times before the epoch land on the previous day.
int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

}  // namespace

CivilTime CivilFromMicros(int64_t micros) {
  // Split without multiplying back, which could overflow near the ends of the int64 range.
  int64_t days = micros / kMicrosPerDay;
  int64_t in_day = micros % kMicrosPerDay;
  if (in_day < 0) {
    in_day += kMicrosPerDay;
    --days;
  }

  // Howard Hinnant's days-to-civil algorithm (public domain), valid over the whole int64 day range
  // that micros can produce.
  const int64_t z = days + 719468;
  const int64_t era = FloorDiv(z, 146097);
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);

  CivilTime t;
  t.year = y;
  t.month = static_cast<int>(m);
  t.day = static_cast<int>(d);
  t.micros = static_cast<int>(in_day % kMicrosPerSecond);
  in_day /= kMicrosPerSecond;
  t.second = static_cast<int>(in_day % 60);
  in_day /= 60;
  t.minute = static_cast<int>(in_day % 60);
  t.hour = static_cast<int>(in_day / 60);
  return t;
}

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::optional<std::string> DateOfMicros(int64_t micros) {
  const CivilTime t = CivilFromMicros(micros);
  if (t.year < 1 || t.year > 9999) return std::nullopt;
  return fmt::format("{:04d}-{:02d}-{:02d}", t.year, t.month, t.day);
}

int64_t DaysFromCivil(int64_t year, int month, int day) {
  // Howard Hinnant's days_from_civil, the inverse of the algorithm above.
  const int64_t y = year - (month <= 2 ? 1 : 0);
  const int64_t era = FloorDiv(y, 400);
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

std::string FileStampOfMicros(int64_t micros) {
  const CivilTime t = CivilFromMicros(micros);
  return fmt::format("{:04d}{:02d}{:02d}_{:02d}{:02d}{:02d}_{:06d}", t.year, t.month, t.day, t.hour,
                     t.minute, t.second, t.micros);
}

std::optional<int64_t> MicrosOfFileStamp(std::string_view stamp) {
  // YYYYMMDD_HHMMSS_ffffff
  if (stamp.size() != 22 || stamp[8] != '_' || stamp[15] != '_') return std::nullopt;
  const auto number = [&](size_t at, size_t n) -> std::optional<int64_t> {
    int64_t v = 0;
    for (size_t i = at; i < at + n; ++i) {
      if (stamp[i] < '0' || stamp[i] > '9') return std::nullopt;
      v = v * 10 + (stamp[i] - '0');
    }
    return v;
  };
  const auto year = number(0, 4), month = number(4, 2), day = number(6, 2);
  const auto hour = number(9, 2), minute = number(11, 2), second = number(13, 2);
  const auto micros = number(16, 6);
  if (!year || !month || !day || !hour || !minute || !second || !micros) return std::nullopt;
  if (*month < 1 || *month > 12 || *day < 1 || *day > 31 || *hour > 23 || *minute > 59 ||
      *second > 59) {
    return std::nullopt;
  }
  const int64_t days = DaysFromCivil(*year, static_cast<int>(*month), static_cast<int>(*day));
  return ((days * 24 + *hour) * 60 + *minute) * 60 * kMicrosPerSecond + *second * kMicrosPerSecond +
         *micros;
}

std::string IsoOfMicros(int64_t micros) {
  const CivilTime t = CivilFromMicros(micros);
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:06d}Z", t.year, t.month, t.day,
                     t.hour, t.minute, t.second, t.micros);
}

int64_t MicrosOfSeconds(int64_t seconds) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max() / kMicrosPerSecond;
  if (seconds > kMax) return std::numeric_limits<int64_t>::max();
  if (seconds < -kMax) return std::numeric_limits<int64_t>::min();
  return seconds * kMicrosPerSecond;
}

}  // namespace polypipe::bronze
