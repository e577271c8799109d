#include "cli/compact.h"

#include <fmt/core.h>

#include <chrono>
#include <memory>

#include "bronze/compactor.h"
#include "bronze/durable_fs.h"
#include "bronze/store.h"
#include "bronze/thousands.h"
#include "bronze/utc_time.h"

namespace polypipe::cli {

int Compact(const fetch::FetchConfig& config, const std::vector<std::string>& datasets) {
  const auto start = std::chrono::steady_clock::now();
  bronze::StoreOptions store_options;
  store_options.checkpoint_every = config.log.checkpoint_every;
  store_options.log_retention = config.log.log_retention;
  std::unique_ptr<bronze::Store> store;
  if (bronze::Status s = bronze::Store::Open(config.data_dir, &store, store_options); !s.ok()) {
    fmt::print(stderr, "polypipe compact: {}\n", s.message());
    return 1;
  }
  bronze::CompactOptions options;
  options.target_bytes = int64_t{config.compact.target_size_mb} << 20;
  options.run_id = "compact_" + bronze::FileStampOfMicros(bronze::NowMicros());
  const std::vector<std::string> names = datasets.empty() ? store->Datasets() : datasets;
  bronze::CompactStats total;
  for (const std::string& dataset : names) {
    if (!bronze::IsDirectory(store->DatasetDir(dataset))) {
      fmt::print(stderr, "polypipe compact: no dataset {} in {}\n", dataset, config.data_dir);
      return 2;
    }
    const size_t partitions = bronze::PartitionsToCompact(*store, dataset, options).size();
    if (partitions == 0) continue;
    fmt::print("compact: {}: {} partition(s) with small files\n", dataset, partitions);
    std::fflush(stdout);
    bronze::CompactStats stats;
    size_t done = 0;
    bronze::Status s =
        bronze::CompactDataset(*store, dataset, options, &stats, [&](const std::string& p) {
          ++done;
          if (done % 100 == 0 || done == partitions) {
            fmt::print("  {} {}/{} partitions ({})\n", dataset, done, partitions, p);
            std::fflush(stdout);
          }
        });
    if (!s.ok()) {
      fmt::print(stderr, "polypipe compact: {}: {}\n", dataset, s.message());
      return 1;
    }
    fmt::print("  {}: {} files ({} MB) into {} files ({} MB), {} rows\n", dataset,
               bronze::Thousands(stats.files_in), stats.bytes_in >> 20,
               bronze::Thousands(stats.files_out), stats.bytes_out >> 20,
               bronze::Thousands(stats.rows));
    for (const std::string& failure : stats.failures) {
      fmt::print(stderr, "polypipe compact: {}\n", failure);
    }
    total.partitions += stats.partitions;
    total.files_in += stats.files_in;
    total.files_out += stats.files_out;
    total.failures.insert(total.failures.end(), stats.failures.begin(), stats.failures.end());
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fmt::print("compact: {} partition(s), {} files into {} in {:.1f} s{}\n",
             bronze::Thousands(total.partitions), bronze::Thousands(total.files_in),
             bronze::Thousands(total.files_out), seconds,
             total.failures.empty() ? ""
                                    : fmt::format("; {} partition(s) failed and are unchanged",
                                                  total.failures.size()));
  return total.failures.empty() ? 0 : 1;
}

}  // namespace polypipe::cli
