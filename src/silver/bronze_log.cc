#include "silver/bronze_log.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "bronze/commit_record.h"
#include "bronze/durable_fs.h"
#include "bronze/store.h"

namespace polypipe::silver {

const std::vector<std::string> kBronzeDatasets = {
    "gamma_categories", "gamma_events", "markets", "market_tokens",
    "gamma_markets",    "leaderboard",  "trades",  "prices"};

Status ReadCommits(const std::string& data_dir, const std::string& dataset,
                   std::vector<BronzeCommit>* commits, std::string* checkpoint_streams) {
  commits->clear();
  checkpoint_streams->clear();
  bronze::LogSnapshot log;
  Status s = bronze::ReadLog(data_dir, dataset, &log);
  if (!s.ok()) return s;
  std::set<std::string> replaced;  // by compactions, relative to the dataset folder
  for (const bronze::CommitRecord& record : log.records) {
    replaced.insert(record.removed.begin(), record.removed.end());
  }
  const auto add_file = [&](BronzeCommit& commit, const bronze::CommittedFile& f) {
    BronzeFile file{dataset + "/" + f.path, f.rows, replaced.count(f.path) > 0};
    if (!file.replaced && !bronze::IsRegularFile(data_dir + "/" + file.path)) {
      commit.in_place = false;
    }
    commit.files.push_back(std::move(file));
  };
  // The commits a checkpoint covers: their records may be pruned, but its manifest lists every
  // live file with the commit that added it. Their progress is in the checkpoint's streams.
  std::map<uint64_t, BronzeCommit> covered;
  for (const bronze::LiveFile& f : log.checkpoint.files) {
    BronzeCommit& commit = covered[f.seq];
    commit.dataset = dataset;
    commit.seq = f.seq;
    commit.run_id = f.run_id;
    commit.from_checkpoint = true;
    add_file(commit, f.file);
  }
  for (auto& [seq, commit] : covered) commits->push_back(std::move(commit));
  *checkpoint_streams = log.streams_path;
  for (bronze::CommitRecord& record : log.records) {
    BronzeCommit commit;
    commit.dataset = dataset;
    commit.seq = record.seq;
    commit.run_id = record.run_id;
    commit.progress = std::move(record.progress);
    for (const std::string& path : record.removed) commit.removed.push_back(dataset + "/" + path);
    for (const bronze::CommittedFile& f : record.files) add_file(commit, f);
    commits->push_back(std::move(commit));
  }
  return Status::Ok();
}

}  // namespace polypipe::silver
