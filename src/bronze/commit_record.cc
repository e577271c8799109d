#include "bronze/commit_record.h"

#include <fmt/format.h>

#include <cctype>
#include <iterator>

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

json FileToJson(const CommittedFile& f) {
  return json{{"path", f.path},
              {"rows", f.rows},
              {"bytes", f.bytes},
              {"min_event", OptionalToJson(f.min_event_us)},
              {"max_event", OptionalToJson(f.max_event_us)}};
}

// A file entry; the error says what is wrong with it.
Status FileFromJson(const json& f, CommittedFile* cf) {
  if (!f.is_object()) return Status::Error("an entry of \"files\" is not an object");
  if (!GetString(f, "path", &cf->path) || !IsValidCommittedPath(cf->path)) {
    return Status::Error("a file has a missing or malformed \"path\"");
  }
  if (!GetInt(f, "rows", &cf->rows) || cf->rows < 0) {
    return Status::Error(fmt::format("file {} has no valid \"rows\"", cf->path));
  }
  if (!GetInt(f, "bytes", &cf->bytes) || cf->bytes < 0) {
    return Status::Error(fmt::format("file {} has no valid \"bytes\"", cf->path));
  }
  if (!GetOptionalInt(f, "min_event", &cf->min_event_us) ||
      !GetOptionalInt(f, "max_event", &cf->max_event_us)) {
    return Status::Error(fmt::format("file {} has a malformed event time", cf->path));
  }
  return Status::Ok();
}

// "<12 digits><suffix>": sets *seq.
bool ParseSeqName(const std::string& name, std::string_view suffix, uint64_t* seq) {
  if (name.size() != 12 + suffix.size()) return false;
  if (name.compare(12, suffix.size(), suffix) != 0) return false;
  const std::string digits = name.substr(0, 12);
  if (!AllDigits(digits)) return false;
  *seq = std::stoull(digits);
  return true;
}

}  // namespace

StreamTexts StreamTextsOf(const json& progress) {
  StreamTexts texts;
  if (!progress.is_object()) return texts;
  for (const auto& [key, value] : progress.items()) {
    texts[key] = value.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  return texts;
}

std::string SerializeCommitRecord(const CommitRecord& record) {
  return SerializeCommitRecord(record, StreamTextsOf(record.progress));
}

std::string SerializeCommitRecord(const CommitRecord& record, const StreamTexts& progress) {
  json files = json::array();
  for (const CommittedFile& f : record.files) files.push_back(FileToJson(f));
  json j = json::object();
  j["seq"] = record.seq;
  j["dataset"] = record.dataset;
  j["run_id"] = record.run_id;
  j["committed_at"] = record.committed_at;
  j["files"] = std::move(files);
  j["rows"] = record.rows;
  if (!record.removed.empty()) j["removed"] = record.removed;
  std::string text = j.dump(2, ' ', false, json::error_handler_t::replace);
  // The progress values are JSON text already: spliced in, one stream per line.
  text.resize(text.size() - 2);  // the closing "\n}"
  text += ",\n  \"progress\": {";
  bool first = true;
  for (const auto& [key, value] : progress) {
    text += first ? "\n    " : ",\n    ";
    text += json(key).dump(-1, ' ', false, json::error_handler_t::replace);
    text += ": ";
    text += value;
    first = false;
  }
  text += first ? "}\n}\n" : "\n  }\n}\n";
  return text;
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
    CommittedFile cf;
    Status s = FileFromJson(f, &cf);
    if (!s.ok()) return Invalid(s.message());
    if (cf.rows > INT64_MAX - sum) return Invalid("the files' \"rows\" overflow");
    sum += cf.rows;
    r.files.push_back(std::move(cf));
  }
  if (sum != r.rows) {
    return Invalid(fmt::format("\"rows\" is {} but its files hold {}", r.rows, sum));
  }

  const auto removed = j.find("removed");
  if (removed != j.end()) {
    if (!removed->is_array()) return Invalid("\"removed\" is not a list");
    for (const json& path : *removed) {
      if (!path.is_string() || !IsValidCommittedPath(path.get<std::string>())) {
        return Invalid("an entry of \"removed\" is not a committed file path");
      }
      r.removed.push_back(path.get<std::string>());
    }
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
  return ParseSeqName(name, ".json", seq);
}

std::string CheckpointFileName(uint64_t seq) {
  return fmt::format("{:012d}.checkpoint.json", seq);
}

std::string CheckpointStreamsFileName(uint64_t seq) {
  return fmt::format("{:012d}.streams.parquet", seq);
}

bool ParseCheckpointFileName(const std::string& name, uint64_t* seq) {
  return ParseSeqName(name, ".checkpoint.json", seq);
}

bool ParseCheckpointStreamsFileName(const std::string& name, uint64_t* seq) {
  return ParseSeqName(name, ".streams.parquet", seq);
}

std::string SerializeCheckpoint(const Checkpoint& checkpoint) {
  std::string text;
  // Appending cannot fail.
  const LiveFileSource files = [&](const std::function<void(const LiveFile&)>& visit) {
    for (const LiveFile& f : checkpoint.files) visit(f);
  };
  SerializeCheckpoint(checkpoint, files, [&](std::string_view piece) {
    text += piece;
    return Status::Ok();
  });
  return text;
}

Status SerializeCheckpoint(const Checkpoint& checkpoint, const LiveFileSource& files,
                           const std::function<Status(std::string_view text)>& write) {
  // Written entry by entry: a JSON document of every live file (tens of thousands at scale) held
  // ten times the memory of its text, and the text is handed on a piece at a time.
  constexpr size_t kPiece = 1 << 20;
  const auto quoted = [](const std::string& text) {
    return json(text).dump(-1, ' ', false, json::error_handler_t::replace);
  };
  const auto optional = [](const std::optional<int64_t>& v) {
    return v ? std::to_string(*v) : std::string("null");
  };
  std::string text = fmt::format(
      "{{\"seq\":{},\"dataset\":{},\"commits\":{},\"last_commit_at\":{},\"last_run_id\":{},"
      "\"streams\":{},\"streams_bytes\":{},\"files\":[",
      checkpoint.seq, quoted(checkpoint.dataset), checkpoint.commits,
      quoted(checkpoint.last_commit_at), quoted(checkpoint.last_run_id), checkpoint.streams,
      checkpoint.streams_bytes);
  bool first = true;
  Status written;
  files([&](const LiveFile& f) {
    if (!written.ok()) return;
    fmt::format_to(std::back_inserter(text),
                   "{}{{\"path\":{},\"rows\":{},\"bytes\":{},\"min_event\":{},\"max_event\":{},"
                   "\"seq\":{},\"run_id\":{}}}",
                   first ? "" : ",", quoted(f.file.path), f.file.rows, f.file.bytes,
                   optional(f.file.min_event_us), optional(f.file.max_event_us), f.seq,
                   quoted(f.run_id));
    first = false;
    if (text.size() >= kPiece) {
      written = write(text);
      text.clear();
    }
  });
  if (!written.ok()) return written;
  text += "]}\n";
  return write(text);
}

Status ParseCheckpoint(const std::string& text, Checkpoint* checkpoint) {
  const auto invalid = [](const std::string& why) {
    return Status::Error("checkpoint is not valid: " + why);
  };
  Checkpoint c;
  // Each entry of "files" is taken out as soon as it is parsed and dropped from the document: a
  // document of a million files would hold ten times the memory of its text.
  Status file_error;
  bool in_files = false;
  bool files_seen = false;
  const json::parser_callback_t take_files = [&](int depth, json::parse_event_t event,
                                                 json& parsed) {
    if (depth == 1 && event == json::parse_event_t::key) {
      in_files = parsed == "files";
    } else if (depth == 1 && in_files && event == json::parse_event_t::array_start) {
      files_seen = true;
    } else if (depth == 2 && in_files && event == json::parse_event_t::object_end) {
      if (!file_error.ok()) return false;
      LiveFile live;
      file_error = FileFromJson(parsed, &live.file);
      int64_t file_seq = 0;
      if (file_error.ok() && (!GetInt(parsed, "seq", &file_seq) || file_seq < 1 ||
                              !GetString(parsed, "run_id", &live.run_id))) {
        file_error = Status::Error(
            fmt::format("file {} has no valid \"seq\" or \"run_id\"", live.file.path));
      }
      live.seq = static_cast<uint64_t>(file_seq);
      if (file_error.ok()) c.files.push_back(std::move(live));
      return false;
    }
    return true;
  };
  const json j = json::parse(text, take_files, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return invalid("not a JSON object");
  int64_t seq = 0, commits = 0;
  if (!GetInt(j, "seq", &seq) || seq < 1) return invalid("\"seq\" is missing or not positive");
  if (!GetInt(j, "commits", &commits) || commits < 0) return invalid("\"commits\" is missing");
  c.seq = static_cast<uint64_t>(seq);
  c.commits = static_cast<uint64_t>(commits);
  if (!GetString(j, "dataset", &c.dataset) || !GetString(j, "last_commit_at", &c.last_commit_at) ||
      !GetString(j, "last_run_id", &c.last_run_id)) {
    return invalid("\"dataset\", \"last_commit_at\" or \"last_run_id\" is missing");
  }
  if (!GetInt(j, "streams", &c.streams) || c.streams < 0 ||
      !GetInt(j, "streams_bytes", &c.streams_bytes) || c.streams_bytes < 0) {
    return invalid("\"streams\" or \"streams_bytes\" is missing");
  }
  const auto files = j.find("files");
  if (!files_seen || files == j.end() || !files->is_array() || !files->empty()) {
    return invalid("\"files\" is missing");  // or holds something other than file objects
  }
  if (!file_error.ok()) return invalid(file_error.message());
  *checkpoint = std::move(c);
  return Status::Ok();
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
