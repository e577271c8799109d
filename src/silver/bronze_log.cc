#include "silver/bronze_log.h"

#include <fmt/format.h>

#include <algorithm>

#include "bronze/commit_record.h"
#include "bronze/durable_fs.h"

namespace polypipe::silver {

const std::vector<std::string> kBronzeDatasets = {
    "gamma_categories", "gamma_events", "markets", "market_tokens",
    "gamma_markets",    "leaderboard",  "trades",  "prices"};

Status ReadCommits(const std::string& data_dir, const std::string& dataset,
                   std::vector<BronzeCommit>* commits) {
  commits->clear();
  const std::string log_dir = data_dir + "/" + dataset + "/_log";
  if (!bronze::IsDirectory(log_dir)) return Status::Ok();
  std::vector<std::string> names;
  Status s = bronze::ListDir(log_dir, &names);
  if (!s.ok()) return s;
  for (const std::string& name : names) {
    uint64_t seq = 0;
    if (!bronze::ParseCommitLogFileName(name, &seq)) continue;  // temp files of a commit in flight
    const std::string path = log_dir + "/" + name;
    std::string text;
    s = bronze::ReadFile(path, &text);
    if (!s.ok()) return s;
    bronze::CommitRecord record;
    s = bronze::ParseCommitRecord(text, &record);
    if (!s.ok()) return Status::Error(fmt::format("{}: {}", path, s.message()));
    if (record.seq != seq || record.dataset != dataset) {
      return Status::Error(fmt::format("{}: commit record says seq {} of dataset \"{}\"", path,
                                       record.seq, record.dataset));
    }
    BronzeCommit commit;
    commit.dataset = dataset;
    commit.seq = seq;
    commit.run_id = record.run_id;
    commit.progress = std::move(record.progress);
    for (const bronze::CommittedFile& f : record.files) {
      BronzeFile file{dataset + "/" + f.path, f.rows};
      if (!bronze::IsRegularFile(data_dir + "/" + file.path)) commit.in_place = false;
      commit.files.push_back(std::move(file));
    }
    commits->push_back(std::move(commit));
  }
  std::sort(commits->begin(), commits->end(),
            [](const BronzeCommit& a, const BronzeCommit& b) { return a.seq < b.seq; });
  return Status::Ok();
}

}  // namespace polypipe::silver
