#include "fetch/context.h"

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

#include "fetch/run_log.h"
#include "version.h"

namespace polypipe::fetch {
namespace {

constexpr int64_t kSkipSamplesPerReason = 3;
// What DuckDB may hold for the whole fetch: the planners' lists and sorts (one part of the list at
// a time, see market_list.h) and the Parquet files being written; beyond it, they spill under the
// data dir. At 64 MB the trades plan of a 200,000-market part failed beside the writers.
constexpr char kDuckDbMemory[] = "64MB";
constexpr size_t kMaxListedFailures = 1000;

std::vector<http::Limit> Limits(const FetchConfig& config) {
  std::vector<http::Limit> limits;
  for (const auto& [key, limit] : config.rate_limits) {
    limits.push_back({key, limit.requests, limit.window_seconds});
  }
  return limits;
}

}  // namespace

int64_t Tally::Add(const std::string& key, int64_t n) {
  std::lock_guard lock(mu_);
  int64_t& count = counts_[key];
  const int64_t before = count;
  count += n;
  return before;
}

std::map<std::string, int64_t> Tally::Snapshot() const {
  std::lock_guard lock(mu_);
  return counts_;
}

int64_t DatasetCounters::AddSkip(const std::string& reason) {
  skipped.fetch_add(1, std::memory_order_relaxed);
  return skip_reasons.Add(reason);
}

Context::Context(const FetchConfig& config, bronze::Store& store, std::atomic<bool>& stop,
                 std::string run_id, int64_t run_started_us, int64_t limit, bool fresh,
                 Console& console)
    : config_(config),
      store_(store),
      stop_(stop),
      run_id_(std::move(run_id)),
      run_started_us_(run_started_us),
      limit_(limit),
      fresh_(fresh),
      console_(console),
      throttle_(Limits(config)),
      compaction_(store, config, run_id_, stop) {}

std::unique_ptr<http::Client> Context::NewClient() {
  http::ClientOptions options;
  options.timeout = config_.api.timeout;
  options.connect_timeout = config_.api.connect_timeout;
  options.ca_bundle = config_.api.ca_bundle;
  options.user_agent = http::UserAgent(POLYPIPE_VERSION);
  options.retry.max_attempts = config_.retry.max_attempts;
  options.retry.base_delay = config_.retry.base_delay;
  options.retry.max_delay = config_.retry.max_delay;
  options.retry.exponential_base = config_.retry.exponential_base;
  return std::make_unique<http::Client>(throttle_, http_stats_, options, stop_);
}

bool Context::RunTasks(size_t count, int workers,
                       const std::function<bool(http::Client&, api::Parser&, size_t)>& task) {
  size_t next = 0;
  return RunQueue(
      static_cast<int>(std::min<size_t>(static_cast<size_t>(std::max(1, workers)), count)),
      [&](Task* unit) {
        if (next >= count) return false;
        *unit = [&task, i = next++](http::Client& client, api::Parser& parser) {
          return task(client, parser, i);
        };
        return true;
      });
}

bool Context::RunQueue(int workers, const std::function<bool(Task*)>& next) {
  std::mutex mu;
  bool exhausted = false;  // guarded by mu
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (int w = 0; w < std::max(1, workers); ++w) {
    threads.emplace_back([&] {
      auto client = NewClient();
      api::Parser parser;
      while (!stopping()) {
        Task unit;
        {
          std::lock_guard lock(mu);
          if (exhausted || !next(&unit)) {
            exhausted = true;
            break;
          }
        }
        if (!unit(*client, parser)) failed = true;
      }
    });
  }
  for (auto& t : threads) t.join();
  return exhausted && !failed;
}

bronze::Status Context::Duckdb(std::shared_ptr<bronze::DuckDbDatabase>* database) {
  std::lock_guard lock(mu_);
  if (!duckdb_) {
    bronze::DuckDbOptions options;
    options.memory_limit = kDuckDbMemory;
    options.threads = 1;
    options.temp_directory = store_.dir() + "/.tmp";
    if (bronze::Status s = bronze::DuckDbDatabase::Open(options, &duckdb_); !s.ok()) return s;
  }
  *database = duckdb_;
  return bronze::Status::Ok();
}

void Context::OpenSink(const bronze::Schema& schema) {
  bronze::SinkOptions options;
  // Without the shared database (it failed to open), the Sink opens its own or reports why not.
  if (!Duckdb(&options.duckdb).ok()) options.duckdb.reset();
  auto it = config_.queues.find(schema.dataset);
  options.flush_rows = static_cast<size_t>(it == config_.queues.end() ? 10000 : it->second);
  // A classic double buffer: one batch being written, one filling; at most two batches in memory.
  options.max_rows = options.flush_rows;
  options.run_id = run_id_;
  if (schema.dataset == "trades" || schema.dataset == "prices") {
    options.after_commit = compaction_.AfterCommit(schema.dataset);
  }
  std::lock_guard lock(mu_);
  sinks_[schema.dataset] = std::make_unique<bronze::Sink>(store_, schema, options);
  counters_.try_emplace(schema.dataset, std::make_unique<DatasetCounters>());
}

bronze::Sink& Context::sink(const std::string& dataset) {
  std::lock_guard lock(mu_);
  return *sinks_.at(dataset);
}

bronze::Status Context::CloseSinks() {
  std::map<std::string, std::unique_ptr<bronze::Sink>> sinks;
  {
    std::lock_guard lock(mu_);
    sinks.swap(sinks_);
  }
  bronze::Status first;
  for (auto& [name, sink] : sinks) {
    bronze::Status s = sink->Close();
    if (!s.ok() && first.ok()) first = s;
  }
  return first;
}

DatasetCounters& Context::counters(const std::string& dataset) {
  std::lock_guard lock(mu_);
  auto& slot = counters_[dataset];
  if (!slot) slot = std::make_unique<DatasetCounters>();
  return *slot;
}

std::vector<std::string> Context::datasets() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> names;
  for (const auto& [name, counters] : counters_) names.push_back(name);
  return names;
}

std::optional<nlohmann::json> Context::Progress(const std::string& dataset,
                                                std::string_view prefix) {
  nlohmann::json progress;
  if (bronze::Status s = store_.Progress(dataset, &progress, prefix); !s.ok()) {
    Fatal(s.message());
    return std::nullopt;
  }
  return progress;
}

bool Context::Append(const std::string& dataset, std::vector<bronze::Row>&& rows,
                     nlohmann::json progress) {
  bronze::Sink& s = sink(dataset);
  const int64_t n = static_cast<int64_t>(rows.size());
  bronze::Status status = s.Append(std::move(rows), std::move(progress));
  if (!status.ok()) {
    Fatal(status.message());
    return false;
  }
  counters(dataset).rows.fetch_add(n, std::memory_order_relaxed);
  return true;
}

void Context::RecordSkips(const std::string& dataset, const std::vector<api::Skip>& skipped) {
  DatasetCounters& c = counters(dataset);
  for (const api::Skip& skip : skipped) {
    if (c.AddSkip(skip.reason) < kSkipSamplesPerReason) {
      Log(fmt::format("{}: skipped a row ({}): {}", dataset, skip.reason, skip.raw));
    }
  }
}

nlohmann::json FailedUnit::ToJson() const {
  return {
      {"dataset", dataset}, {"unit", unit}, {"route", route}, {"status", status}, {"error", error}};
}

void Context::FailUnit(const FailedUnit& unit, int64_t units) {
  DatasetCounters& c = counters(unit.dataset);
  c.stream_errors.fetch_add(1, std::memory_order_relaxed);
  c.left_out.Add("failed", units);
  {
    std::lock_guard lock(mu_);
    ++failed_unit_count_;
    if (failed_units_.size() < kMaxListedFailures) failed_units_.push_back(unit);
    if (stream_errors_.size() < 100) stream_errors_.push_back(unit.dataset + ": " + unit.error);
  }
  Log(fmt::format("{}: {}", unit.dataset, unit.error));
}

void Context::StreamError(const std::string& dataset, const std::string& message) {
  FailUnit({dataset, "", "", 0, message});
}

void Context::HostOk(const std::string& host) {
  std::lock_guard lock(mu_);
  failing_since_.erase(host);
}

bool Context::HostFailed(const std::string& host) {
  const double now =
      std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  std::lock_guard lock(mu_);
  const auto [it, first] = failing_since_.try_emplace(host, now);
  return !first && now - it->second >= config_.retry.host_down_seconds;
}

void Context::NoteServerTime(int64_t unix_seconds) {
  int64_t seen = server_now_.load(std::memory_order_relaxed);
  while (unix_seconds > seen &&
         !server_now_.compare_exchange_weak(seen, unix_seconds, std::memory_order_relaxed)) {
  }
}

int64_t Context::ServerNow() const {
  const int64_t seen = server_now_.load(std::memory_order_relaxed);
  return seen > 0 ? seen : NowMicros() / 1'000'000;
}

std::vector<FailedUnit> Context::failed_units() const {
  std::lock_guard lock(mu_);
  return failed_units_;
}

int64_t Context::failed_unit_count() const {
  std::lock_guard lock(mu_);
  return failed_unit_count_;
}

void Context::Fatal(const std::string& message) {
  {
    std::lock_guard lock(mu_);
    if (!fatal_) fatal_ = message;
  }
  stop_.store(true);
}

std::optional<std::string> Context::fatal() const {
  std::lock_guard lock(mu_);
  return fatal_;
}

std::vector<std::string> Context::stream_errors() const {
  std::lock_guard lock(mu_);
  return stream_errors_;
}

void Context::Log(const std::string& line) {
  console_.Log(line);
}

api::Lineage Context::Lineage(const std::string& source) const {
  return {NowMicros(), run_id_, source};
}

}  // namespace polypipe::fetch
