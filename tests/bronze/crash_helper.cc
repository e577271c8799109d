// Appends trade rows through a Sink, as a fetcher would, so that crash tests can kill it at a
// failpoint (POLYPIPE_FAILPOINT) and inspect what it left behind.
//
// Usage: bronze_crash_helper <data_dir> <batches> <first_batch> [<checkpoint_every> <retention>]
// Each batch is 300 rows spread over three dt partitions, appended with progress {"batch": i} and
// flushed. Exits 0 when everything committed, 3 on an error (printed), or dies at the failpoint.
//
//        bronze_crash_helper <data_dir> compact
// Compacts the trades dataset instead (every partition's files into one).

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "bronze/compactor.h"
#include "bronze/sink.h"
#include "bronze/store.h"
#include "tests/bronze/test_rows.h"

using namespace polypipe::bronze;

int Compact(const char* dir) {
  std::unique_ptr<Store> store;
  Status s = Store::Open(dir, &store);
  CompactStats stats;
  CompactOptions options;
  options.run_id = "compact-run";
  options.files_per_pass = 1;  // a pass per partition
  if (s.ok()) s = CompactDataset(*store, "trades", options, &stats);
  if (s.ok() && !stats.failures.empty()) s = Status::Error(stats.failures[0]);
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.message().c_str());
    return 3;
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[2]) == "compact") return Compact(argv[1]);
  if (argc != 4 && argc != 6) {
    std::fprintf(stderr, "usage: %s <data_dir> <batches> <first_batch> [<every> <retention>]\n",
                 argv[0]);
    return 2;
  }
  const int batches = std::atoi(argv[2]);
  const int first = std::atoi(argv[3]);
  StoreOptions store_options;
  if (argc == 6) {
    store_options.checkpoint_every = std::atoi(argv[4]);
    store_options.log_retention = std::atoi(argv[5]);
  }
  std::unique_ptr<Store> store;
  Status s = Store::Open(argv[1], &store, store_options);
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.message().c_str());
    return 3;
  }
  SinkOptions options;
  options.run_id = "crash-run";
  Sink sink(*store, testing::TradeSchema(), options);
  for (int b = first; b < first + batches; ++b) {
    std::vector<Row> rows;
    for (int i = 0; i < 300; ++i) {
      const int64_t ts = testing::kDay0Seconds + (i % 3) * testing::kDaySeconds + b;
      rows.push_back(testing::TradeRow(b * 1000 + i, ts));
    }
    s = sink.Append(std::move(rows), {{"batch", b}});
    if (s.ok()) s = sink.Flush();
    if (!s.ok()) {
      std::fprintf(stderr, "%s\n", s.message().c_str());
      return 3;
    }
  }
  s = sink.Close();
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.message().c_str());
    return 3;
  }
  return 0;
}
