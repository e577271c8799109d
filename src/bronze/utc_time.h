// UTC calendar arithmetic for Bronze paths and commit records: dt= partition dates, file-name
// timestamps and ISO-8601 times, all from microseconds since the Unix epoch.
//
// The proleptic Gregorian calendar is computed directly (no time zone database, no locale), so the
// results never depend on the machine's TZ setting.
//
// Thread-safety: pure functions, safe from any thread.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace polypipe::bronze {

struct CivilTime {
  int64_t year;
  int month;   // 1..12
  int day;     // 1..31
  int hour;    // 0..23
  int minute;  // 0..59
  int second;  // 0..59
  int micros;  // 0..999999
};

// The UTC calendar time of `micros` since the epoch (any int64 value; negative is before 1970).
CivilTime CivilFromMicros(int64_t micros);

// Microseconds since the epoch, from the system clock.
int64_t NowMicros();

// "YYYY-MM-DD", or nullopt when the year falls outside 1..9999 (such a value is not a plausible
// event time and would make an odd folder name).
std::optional<std::string> DateOfMicros(int64_t micros);

// Days since 1970-01-01 of a proleptic Gregorian date (negative before it).
int64_t DaysFromCivil(int64_t year, int month, int day);

// "YYYYMMDD_HHMMSS_micro" (micro zero-padded to 6 digits), for Parquet file names. REQUIRES: the
// year is within 1..9999 (true for any clock reading).
std::string FileStampOfMicros(int64_t micros);
// The inverse: the micros of a stamp FileStampOfMicros wrote, nullopt for any other text.
std::optional<int64_t> MicrosOfFileStamp(std::string_view stamp);

// "YYYY-MM-DDTHH:MM:SS.micro Z" without the space, e.g. "2026-01-01T01:02:03.000123Z".
std::string IsoOfMicros(int64_t micros);

// Microseconds for a Unix time in seconds, saturating instead of overflowing.
int64_t MicrosOfSeconds(int64_t seconds);

}  // namespace polypipe::bronze
