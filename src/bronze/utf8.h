// UTF-8 validation and repair for text on its way into Parquet.
//
// DuckDB accepts any bytes into a VARCHAR vector but refuses to read a Parquet file holding a
// string that is not valid UTF-8, so one bad string would make a whole dataset unreadable. Text is
// therefore checked before it is queued, and ill-formed sequences are replaced by U+FFFD.
//
// Thread-safety: pure functions.

#pragma once

#include <string>
#include <string_view>

namespace polypipe::bronze {

// True if `text` is well-formed UTF-8 (Unicode 15, table 3-7: no overlongs, no surrogates, nothing
// above U+10FFFF).
bool IsValidUtf8(std::string_view text);

// `text` with each maximal ill-formed subsequence replaced by U+FFFD (the W3C/Unicode practice).
std::string RepairUtf8(std::string_view text);

}  // namespace polypipe::bronze
