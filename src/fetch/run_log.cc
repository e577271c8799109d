#include "fetch/run_log.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace polypipe::fetch {
namespace fs = std::filesystem;

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string IsoMicros(int64_t micros) {
  const time_t seconds = static_cast<time_t>(micros / 1'000'000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, micros % 1'000'000);
}

namespace {

// Run ids sort by start time: 20261130T222425Z (with -N when two start in one second).
std::string NewRunId(const fs::path& dir, int64_t now_us) {
  const time_t seconds = static_cast<time_t>(now_us / 1'000'000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  const std::string base = fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z", tm.tm_year + 1900,
                                       tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  std::string id = base;
  for (int n = 2; fs::exists(dir / (id + ".json")); ++n) id = fmt::format("{}-{}", base, n);
  return id;
}

nlohmann::json ReadJson(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return nlohmann::json::parse(text.str(), nullptr, false);
}

// Start order of a run id: its second, then the -N suffix of runs begun within that second
// ("X" < "X-2" < "X-10"; plain name order would put "X-2" before "X").
std::pair<std::string, long> StartOrder(const std::string& run_id) {
  const size_t dash = run_id.find('-');
  if (dash == std::string::npos) return {run_id, 1};
  char* end = nullptr;
  const long n = std::strtol(run_id.c_str() + dash + 1, &end, 10);
  return {run_id.substr(0, dash), n};
}

// A field of a report read back from disk, or `fallback` when it is missing or of another type: a
// damaged report must not stop the next fetch (nlohmann's value() would throw).
std::string StringField(const nlohmann::json& report, const char* key,
                        const std::string& fallback) {
  const auto it = report.find(key);
  return it != report.end() && it->is_string() ? it->get<std::string>() : fallback;
}

int64_t IntField(const nlohmann::json& report, const char* key, int64_t fallback) {
  const auto it = report.find(key);
  return it != report.end() && it->is_number_integer() ? it->get<int64_t>() : fallback;
}

std::optional<fs::path> NewestReport(const fs::path& dir) {
  std::optional<fs::path> newest;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const fs::path& p = entry.path();
    if (p.extension() != ".json" || p.filename().string().front() == '.') continue;
    if (!newest || StartOrder(p.stem().string()) > StartOrder(newest->stem().string())) newest = p;
  }
  return newest;
}

}  // namespace

std::optional<RunLog> RunLog::Begin(const std::string& data_dir, const std::string& mode,
                                    bool fresh, std::string* error) {
  RunLog log;
  log.dir_ = (fs::path(data_dir) / "_runs").string();
  std::error_code ec;
  fs::create_directories(log.dir_, ec);
  if (ec) {
    *error = fmt::format("{}: cannot create the runs folder: {}", log.dir_, ec.message());
    return std::nullopt;
  }
  const int64_t now = NowMicros();
  if (!fresh) {
    if (auto newest = NewestReport(log.dir_)) {
      nlohmann::json report = ReadJson(*newest);
      const std::string state = StringField(report, "state", "");
      if (report.is_object() && state != "finished" && state != "finished_with_failures" &&
          !StringField(report, "run_id", "").empty()) {
        log.run_id_ = StringField(report, "run_id", "");
        log.resumed_ = true;
        log.started_at_us_ = IntField(report, "started_at_us", now);
        const int64_t resumes = IntField(report, "resumes", 0);
        log.report_ = std::move(report);
        log.report_["resumed_at"] = IsoMicros(now);
        log.report_["resumes"] = resumes < INT64_MAX ? resumes + 1 : resumes;
        log.report_["mode"] = mode;
        return log;
      }
    }
  }
  log.run_id_ = NewRunId(log.dir_, now);
  log.started_at_us_ = now;
  log.report_ = {{"run_id", log.run_id_},        {"mode", mode},         {"fresh", fresh},
                 {"started_at", IsoMicros(now)}, {"started_at_us", now}, {"resumes", 0}};
  return log;
}

std::optional<std::string> RunLog::Save(const std::string& state) {
  report_["state"] = state;
  report_["updated_at"] = IsoMicros(NowMicros());
  if (state == "finished") report_["finished_at"] = report_["updated_at"];
  const fs::path final_path = fs::path(dir_) / (run_id_ + ".json");
  const fs::path temp = fs::path(dir_) / ("." + run_id_ + ".json.tmp");
  // Error texts quote response bodies, which may hold bytes that are not UTF-8: replace them
  // (U+FFFD) instead of letting the encoder throw.
  const std::string text =
      report_.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  bool ok = fd >= 0;
  // A full disk first shows as a short write (errno untouched); the next write says why.
  for (size_t done = 0; ok && done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) errno = ENOSPC;
    ok = n > 0;
    if (ok) done += static_cast<size_t>(n);
  }
  if (ok) ok = ::fsync(fd) == 0;
  int saved = errno;
  if (fd >= 0 && ::close(fd) != 0 && ok) {
    ok = false;
    saved = errno;
  }
  if (ok && ::rename(temp.c_str(), final_path.c_str()) != 0) {
    ok = false;
    saved = errno;
  }
  if (!ok) {
    if (fd >= 0) ::unlink(temp.c_str());
    return fmt::format("{}: cannot write the run report: {}", final_path.string(),
                       std::strerror(saved));
  }
  return std::nullopt;
}

nlohmann::json RunLog::Latest(const std::string& data_dir) {
  auto newest = NewestReport(fs::path(data_dir) / "_runs");
  if (!newest) return nullptr;
  nlohmann::json report = ReadJson(*newest);
  return report.is_discarded() ? nullptr : report;
}

}  // namespace polypipe::fetch
