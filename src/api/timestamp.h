// ParseTimestamp: the timestamp spellings Polymarket's APIs use, to microseconds since the Unix
// epoch (UTC).
//
// Accepted: a date `2028-11-07` (midnight UTC); or a date, `T` or a space, `HH:MM[:SS[.fraction]]`
// and an optional zone: `Z`, `+00`, `+0530`, `-05:00` (none means UTC). Samples:
// `2025-07-11T18:35:56.805Z`, `2026-06-14T11:04:26.005876Z`, `2026-09-28 17:46:27+00`,
// `2024-02-12 22:36:40.783+00`. Fractions beyond microseconds are truncated. Anything else,
// including out-of-range fields (month 13, Feb 30, hour 24), is rejected.
//
// Thread-safety: a pure function.

#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace polypipe::api {

std::optional<int64_t> ParseTimestamp(std::string_view text);

}  // namespace polypipe::api
