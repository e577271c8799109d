// Thousands: an integer with comma thousands separators ("1,234,567"), for the progress lines and
// summaries people read (fetch, load-silver).
//
// Thread-safety: a pure function.

#pragma once

#include <cstdint>
#include <string>

namespace polypipe::bronze {

inline std::string Thousands(int64_t n) {
  const std::string digits = std::to_string(n);
  const size_t sign = n < 0 ? 1 : 0;
  std::string out = digits.substr(0, sign);
  for (size_t i = sign; i < digits.size(); ++i) {
    if (i > sign && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace polypipe::bronze
