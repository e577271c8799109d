#include "fetch/compaction.h"

#include <fmt/core.h>

#include <chrono>
#include <vector>

#include "bronze/thousands.h"
#include "fetch/context.h"

namespace polypipe::fetch {
namespace {

using bronze::Thousands;
using Clock = std::chrono::steady_clock;

// Distinct failure lines kept for the report: a damaged file fails every pass that meets it.
constexpr size_t kMaxFailures = 100;
// While fetching, a dataset's small files are counted every this many commits, and once they are
// more than compact.max_live_small_files, every size tier of a partition holding more than this
// many is merged: with years of dt= partitions of a few tiers each, tens of thousands are left.
constexpr int kWhileFetchingFiles = 8;

bronze::CompactOptions OptionsOf(const FetchConfig& config, const std::string& run_id) {
  bronze::CompactOptions options;
  options.target_bytes = int64_t{config.compact.target_size_mb} << 20;
  options.min_files = config.compact.auto_max_small_files + 1;
  options.run_id = run_id;
  return options;
}

nlohmann::json ReportOf(const bronze::CompactStats& stats,
                        const std::vector<std::string>& failures) {
  if (stats.files_in == 0 && failures.empty()) return nullptr;
  return {{"partitions", stats.partitions}, {"files_in", stats.files_in},
          {"files_out", stats.files_out},   {"bytes_in", stats.bytes_in},
          {"bytes_out", stats.bytes_out},   {"failures", failures}};
}

}  // namespace

CompactionWhileFetching::CompactionWhileFetching(bronze::Store& store, const FetchConfig& config,
                                                 std::string run_id, const std::atomic<bool>& stop)
    : store_(store), config_(config), run_id_(std::move(run_id)), stop_(stop) {}

CompactionWhileFetching::~CompactionWhileFetching() {
  Stop();
}

std::function<void()> CompactionWhileFetching::AfterCommit(const std::string& dataset) {
  if (config_.compact.auto_max_small_files <= 0) return {};
  // Called by one persister thread only: the count needs no lock.
  return [this, dataset, commits = 0]() mutable {
    if (++commits % kWhileFetchingFiles == 0) Ask(dataset);
  };
}

void CompactionWhileFetching::Ask(const std::string& dataset) {
  std::lock_guard lock(mu_);
  if (ending_ || stop_.load()) return;
  pending_.insert(dataset);
  if (!thread_.joinable()) thread_ = std::thread([this] { Loop(); });
  asked_.notify_one();
}

void CompactionWhileFetching::Stop() {
  {
    std::lock_guard lock(mu_);
    ending_ = true;
    asked_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

void CompactionWhileFetching::Loop() {
  std::unique_lock lock(mu_);
  while (true) {
    asked_.wait(lock, [&] { return !pending_.empty() || ending_; });
    if (pending_.empty() || stop_.load()) return;
    const std::string dataset = *pending_.begin();
    pending_.erase(pending_.begin());
    lock.unlock();
    Pass(dataset);
    lock.lock();
  }
}

void CompactionWhileFetching::Pass(const std::string& dataset) {
  bronze::CompactOptions options = OptionsOf(config_, run_id_);
  if (bronze::CountSmallFiles(store_, dataset, options) <= config_.compact.max_live_small_files) {
    return;
  }
  options.min_files = kWhileFetchingFiles + 1;
  // A database of its own for the pass (the run's is busy planning and writing, and the pass
  // clears what DuckDB remembers of the files it read, see CompactDataset), closed after it.
  // Merges of small files stream through a row group or two; a few thousand files at a time keep
  // their lists, and what DuckDB remembers of each file read, to a few MB.
  options.memory_limit = "24MB";
  options.files_per_pass = 2'000;
  options.tiered = true;
  options.stopping = [this] { return stop_.load(); };
  bronze::CompactStats stats;
  bronze::Status s = bronze::CompactDataset(store_, dataset, options, &stats);
  if (!s.ok()) stats.failures.push_back(fmt::format("{}: {}", dataset, s.message()));
  std::lock_guard lock(mu_);
  for (std::string& line : stats.failures) {
    if (failures_.size() < kMaxFailures) failures_.insert(std::move(line));
  }
  stats.failures.clear();  // kept above, distinct
  stats_.Add(stats);
}

nlohmann::json CompactionWhileFetching::Report() const {
  std::lock_guard lock(mu_);
  return ReportOf(stats_, {failures_.begin(), failures_.end()});
}

nlohmann::json CompactSmallFiles(Context& ctx, bronze::Store& store, const FetchConfig& config,
                                 const std::string& run_id, Console& console) {
  bronze::CompactOptions options = OptionsOf(config, run_id);
  if (!ctx.Duckdb(&options.duckdb).ok()) options.duckdb.reset();  // then it opens its own
  bronze::CompactStats stats;
  for (const std::string& dataset : store.Datasets()) {
    const size_t partitions = bronze::PartitionsToCompact(store, dataset, options).size();
    if (partitions == 0) continue;
    console.Log(fmt::format("compacting {}: {} partitions hold more than {} small files", dataset,
                            Thousands(static_cast<int64_t>(partitions)),
                            config.compact.auto_max_small_files));
    size_t done = 0;
    auto last = Clock::now();
    const auto tick = [&](const std::string&) {
      ++done;
      if (Clock::now() - last < std::chrono::seconds(5)) return;
      last = Clock::now();
      console.Log(fmt::format("compacting {}: {} of {} partitions, {} files into {}", dataset,
                              Thousands(static_cast<int64_t>(done)),
                              Thousands(static_cast<int64_t>(partitions)),
                              Thousands(stats.files_in), Thousands(stats.files_out)));
    };
    if (bronze::Status s = bronze::CompactDataset(store, dataset, options, &stats, tick); !s.ok()) {
      stats.failures.push_back(fmt::format("{}: {}", dataset, s.message()));
    }
  }
  return ReportOf(stats, stats.failures);
}

}  // namespace polypipe::fetch
