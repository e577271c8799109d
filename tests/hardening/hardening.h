// Helpers shared by the hardening tests: a listing of every path under a directory (to prove a
// run wrote nothing outside its data directory), the newest run report, and hex text for
// comparing strings that hold NUL bytes with what DuckDB reads back.

#pragma once

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>

namespace polypipe::testing {

namespace fs = std::filesystem;

// Every path under `root` (relative, directories included), at most `limit` of them.
inline std::set<std::string> ListTree(const fs::path& root, size_t limit = 200'000) {
  std::set<std::string> out;
  std::error_code ec;
  if (!fs::exists(root, ec)) return out;
  for (auto it = fs::recursive_directory_iterator(
           root, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator() && out.size() < limit; it.increment(ec)) {
    out.insert(fs::relative(it->path(), root, ec).string());
  }
  return out;
}

// The newest run report (data/_runs/<run_id>.json), or null.
inline nlohmann::json NewestRunReport(const fs::path& data_dir) {
  fs::path newest;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(data_dir / "_runs", ec)) {
    if (e.path().extension() == ".json" && (newest.empty() || e.path() > newest)) newest = e.path();
  }
  if (newest.empty()) return nullptr;
  std::ifstream in(newest);
  return nlohmann::json::parse(in, nullptr, false);
}

// Upper-case hex of the bytes of `text`, as DuckDB's hex() prints a VARCHAR.
inline std::string Hex(std::string_view text) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 2);
  for (unsigned char c : text) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

}  // namespace polypipe::testing
