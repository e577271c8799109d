#include "bronze/commit_record.h"

#include <fmt/format.h>

#include <cctype>

namespace polypipe::bronze {
namespace {

using nlohmann::json;

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool GetInt(const json& obj, const char* key, int64_t* out) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_number_integer()) return false;
  if (it->is_number_unsigned() && it->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
    return false;
  }
  *out = it->get<int64_t>();
  return true;
}

bool GetString(const json& obj, const char* key, std::string* out) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return false;
  *out = it->get<std::string>();
  return true;
}

// An optional event time: an integer or null (absent is treated as null).
bool GetOptionalInt(const json& obj, const char* key, std::optional<int64_t>* out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    out->reset();
    return true;
  }
  int64_t v = 0;
  if (!GetInt(obj, key, &v)) return false;
  *out = v;
  return true;
}

json OptionalToJson(const std::optional<int64_t>& v) {
  return v ? json(*v) : json(nullptr);
}

Status Invalid(const std::string& why) {
  return Status::Error("commit record is not valid: " + why);
}

}  // namespace

std::string SerializeCommitRecord(const CommitRecord& record) {
  json files = json::array();
  for (const CommittedFile& f : record.files) {
    files.push_back(json{{"path", f.path},
                         {"rows", f.rows},
                         {"bytes", f.bytes},
                         {"min_event", OptionalToJson(f.min_event_us)},
                         {"max_event", OptionalToJson(f.max_event_us)}});
  }
  json j = json::object();
  j["seq"] = record.seq;
  j["dataset"] = record.dataset;
  j["run_id"] = record.run_id;
  j["committed_at"] = record.committed_at;
  j["files"] = std::move(files);
  j["rows"] = record.rows;
  j["progress"] = record.progress.is_null() ? json::object() : record.progress;
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

Status ParseCommitRecord(const std::string& text, CommitRecord* record) {
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Invalid("not JSON");
  if (!j.is_object()) return Invalid("not a JSON object");

  CommitRecord r;
  int64_t seq = 0;
  if (!GetInt(j, "seq", &seq) || seq < 0) return Invalid("\"seq\" is missing or not an integer");
  r.seq = static_cast<uint64_t>(seq);
  if (!GetString(j, "dataset", &r.dataset)) return Invalid("\"dataset\" is missing");
  if (!GetString(j, "run_id", &r.run_id)) return Invalid("\"run_id\" is missing");
  if (!GetString(j, "committed_at", &r.committed_at)) return Invalid("\"committed_at\" is missing");
  if (!GetInt(j, "rows", &r.rows)) return Invalid("\"rows\" is missing or not an integer");

  auto files = j.find("files");
  if (files == j.end() || !files->is_array()) return Invalid("\"files\" is missing or not a list");
  int64_t sum = 0;
  for (const json& f : *files) {
    if (!f.is_object()) return Invalid("an entry of \"files\" is not an object");
    CommittedFile cf;
    if (!GetString(f, "path", &cf.path) || !IsValidCommittedPath(cf.path)) {
      return Invalid("a file has a missing or malformed \"path\"");
    }
    if (!GetInt(f, "rows", &cf.rows) || cf.rows < 0) {
      return Invalid(fmt::format("file {} has no valid \"rows\"", cf.path));
    }
    if (!GetInt(f, "bytes", &cf.bytes) || cf.bytes < 0) {
      return Invalid(fmt::format("file {} has no valid \"bytes\"", cf.path));
    }
    if (!GetOptionalInt(f, "min_event", &cf.min_event_us) ||
        !GetOptionalInt(f, "max_event", &cf.max_event_us)) {
      return Invalid(fmt::format("file {} has a malformed event time", cf.path));
    }
    if (cf.rows > INT64_MAX - sum) return Invalid("the files' \"rows\" overflow");
    sum += cf.rows;
    r.files.push_back(std::move(cf));
  }
  if (sum != r.rows) {
    return Invalid(fmt::format("\"rows\" is {} but its files hold {}", r.rows, sum));
  }

  auto progress = j.find("progress");
  if (progress == j.end() || progress->is_null()) {
    r.progress = json::object();
  } else if (progress->is_object()) {
    r.progress = *progress;
  } else {
    return Invalid("\"progress\" is not an object");
  }
  *record = std::move(r);
  return Status::Ok();
}

std::string CommitLogFileName(uint64_t seq) {
  return fmt::format("{:012d}.json", seq);
}

bool ParseCommitLogFileName(const std::string& name, uint64_t* seq) {
  constexpr std::string_view kSuffix = ".json";
  if (name.size() != 12 + kSuffix.size()) return false;
  if (name.compare(12, kSuffix.size(), kSuffix) != 0) return false;
  const std::string digits = name.substr(0, 12);
  if (!AllDigits(digits)) return false;
  *seq = std::stoull(digits);
  return true;
}

bool IsValidCommittedPath(const std::string& path) {
  // "dt=" + 10-char date + "/" + name
  constexpr size_t kPrefix = 3 + 10 + 1;
  if (path.size() <= kPrefix || path.compare(0, 3, "dt=") != 0 || path[13] != '/') return false;
  const std::string_view date(path.data() + 3, 10);
  if (!AllDigits(date.substr(0, 4)) || date[4] != '-' || !AllDigits(date.substr(5, 2)) ||
      date[7] != '-' || !AllDigits(date.substr(8, 2))) {
    return false;
  }
  const std::string_view name(path.data() + kPrefix, path.size() - kPrefix);
  constexpr std::string_view kExt = ".parquet";
  if (name.size() <= kExt.size() || name.substr(name.size() - kExt.size()) != kExt) return false;
  if (name.front() == '.') return false;
  for (char c : name) {
    if (c == '/' || c == '\\' || c == '\0') return false;
  }
  return true;
}

}  // namespace polypipe::bronze
