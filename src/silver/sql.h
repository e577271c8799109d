// The Silver and Gold SQL, compiled into the binary from src/silver/sql/*.sql at build time.
//
// Thread-safety: pure functions over static text.

#pragma once

#include <string_view>

namespace polypipe::silver {

// The text of sql/<name>.sql, or an empty view when there is no such file.
std::string_view EmbeddedSql(std::string_view name);

}  // namespace polypipe::silver
