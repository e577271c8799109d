#include "bronze/compactor.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <memory>
#include <set>

#include "bronze/duckdb_session.h"
#include "bronze/durable_fs.h"

namespace polypipe::bronze {
namespace {

constexpr int64_t kRowGroupBytes = 4 << 20;

bool Small(const LiveFileRef& f, const CompactOptions& options) {
  return f.bytes() * 2 < options.target_bytes;
}

// What is merged together: the small files of a partition ("dt=..."), or of one size tier of it.
using Group = std::pair<std::string, int>;

Group GroupOf(const LiveFileRef& f, const CompactOptions& options) {
  int tier = 0;
  if (options.tiered) {
    for (int64_t bound = options.target_bytes / 2 / kTierFactor / kTierFactor;
         f.bytes() >= bound && tier < 2; bound *= kTierFactor) {
      ++tier;
    }
  }
  return {f.partition(), tier};
}

// The groups holding at least options.min_files small files, with their count.
std::map<Group, size_t> SmallFileCounts(const Store& store, const std::string& dataset,
                                        const CompactOptions& options) {
  std::map<Group, size_t> counts;
  store.ForEachLiveFile(dataset, [&](const LiveFileRef& f) {
    if (Small(f, options)) ++counts[GroupOf(f, options)];
  });
  std::erase_if(counts, [&](const auto& entry) {
    return entry.second < static_cast<size_t>(std::max(options.min_files, 2));
  });
  return counts;
}

// The small files of each of `groups`, in commit order.
std::map<Group, std::vector<LiveFile>> SmallFilesOf(const Store& store, const std::string& dataset,
                                                    const CompactOptions& options,
                                                    const std::set<Group>& groups) {
  std::map<Group, std::vector<LiveFile>> files;
  store.ForEachLiveFile(dataset, [&](const LiveFileRef& f) {
    if (!Small(f, options)) return;
    if (const auto it = groups.find(GroupOf(f, options)); it != groups.end()) {
      files[*it].push_back(f.ToLiveFile());
    }
  });
  return files;
}

// Runs of `files` to merge into one file each: consecutive files up to about the target size.
std::vector<std::vector<LiveFile>> Runs(const std::vector<LiveFile>& files,
                                        const CompactOptions& options) {
  std::vector<std::vector<LiveFile>> runs(1);
  int64_t bytes = 0;
  for (const LiveFile& f : files) {
    if (!runs.back().empty() && bytes + f.file.bytes > options.target_bytes) {
      runs.emplace_back();
      bytes = 0;
    }
    runs.back().push_back(f);
    bytes += f.file.bytes;
  }
  std::erase_if(runs, [](const std::vector<LiveFile>& run) { return run.size() < 2; });
  return runs;
}

// Copies the rows of `inputs` (files of one partition), in order, into a new staged file and
// describes it in *merged. *row_group is the row group size of the merged files of the dataset:
// set from the first merge's inputs when 0.
Status Merge(Store& store, DuckDbSession& session, const std::string& dataset,
             const std::vector<LiveFile>& inputs, int64_t* row_group, CommittedFile* merged) {
  const std::string name = store.NewFileName(dataset);
  const std::string staged = store.StagingDir(dataset) + "/" + name;
  *merged = CommittedFile{};
  merged->path = DirName(inputs.front().file.path) + "/" + name;
  // The row width is taken from the first few files: reading every file's metadata costs as much
  // as merging it (most of a small file's cost is opening it).
  constexpr size_t kSampled = 8;
  std::string list, sample;
  int64_t sample_rows = 0;
  for (const LiveFile& f : inputs) {
    list +=
        (list.empty() ? "" : ", ") + QuoteSqlString(store.DatasetDir(dataset) + "/" + f.file.path);
    if (&f - inputs.data() < static_cast<std::ptrdiff_t>(kSampled)) {
      sample = list;
      sample_rows += f.file.rows;
    }
    merged->rows += f.file.rows;
    for (auto [bound, of, less] : {std::tuple{&merged->min_event_us, f.file.min_event_us, true},
                                   std::tuple{&merged->max_event_us, f.file.max_event_us, false}}) {
      if (of && (!*bound || (less ? *of < **bound : *of > **bound))) *bound = of;
    }
  }
  Status s;
  if (*row_group == 0) {
    // The Sink's Parquet settings (parquet_writer.cc), so a merged file reads like a fetched one,
    // but with fewer rows per row group when rows are wide (Gamma's texts): the writer holds a
    // whole row group in memory, about kRowGroupBytes of uncompressed values.
    QueryResult size;
    s = QueryText(
        session.connection(),
        fmt::format("SELECT sum(total_uncompressed_size) FROM parquet_metadata([{}])", sample),
        &size);
    int64_t uncompressed = 0;
    if (s.ok() && !size.rows.empty() && size.rows[0][0]) {
      std::from_chars(size.rows[0][0]->data(), size.rows[0][0]->data() + size.rows[0][0]->size(),
                      uncompressed);
    }
    const int64_t row_bytes =
        std::max<int64_t>(1, uncompressed / std::max<int64_t>(1, sample_rows));
    if (s.ok()) *row_group = std::clamp<int64_t>(kRowGroupBytes / row_bytes, 2048, 20000);
  }
  // COPY answers with the number of rows it wrote.
  int64_t written = -1;
  if (s.ok()) {
    s = session.Execute(fmt::format("COPY (SELECT * FROM read_parquet([{}], union_by_name = true)) "
                                    "TO {} (FORMAT PARQUET, COMPRESSION ZSTD, COMPRESSION_LEVEL 1, "
                                    "ROW_GROUP_SIZE {})",
                                    list, QuoteSqlString(staged), *row_group),
                        &written);
  }
  if (s.ok() && written != merged->rows) {
    s = Status::Error(
        fmt::format("the merged file holds {} rows, its inputs {}", written, merged->rows));
  }
  if (s.ok()) s = FileSize(staged, &merged->bytes);
  if (!s.ok()) {
    RemoveFile(staged);
    const std::string& why = s.message();
    return Status::Error(why.substr(0, why.find('\n')));  // DuckDB's message without its hints
  }
  return s;
}

}  // namespace

int64_t CountSmallFiles(const Store& store, const std::string& dataset,
                        const CompactOptions& options) {
  int64_t n = 0;
  store.ForEachLiveFile(dataset, [&](const LiveFileRef& f) { n += Small(f, options) ? 1 : 0; });
  return n;
}

void CompactStats::Add(const CompactStats& other) {
  partitions += other.partitions;
  files_in += other.files_in;
  files_out += other.files_out;
  bytes_in += other.bytes_in;
  bytes_out += other.bytes_out;
  rows += other.rows;
  failures.insert(failures.end(), other.failures.begin(), other.failures.end());
}

std::vector<std::string> PartitionsToCompact(const Store& store, const std::string& dataset,
                                             const CompactOptions& options) {
  std::set<std::string> names;
  for (const auto& [group, count] : SmallFileCounts(store, dataset, options)) {
    names.insert(group.first);
  }
  return {names.begin(), names.end()};
}

Status CompactDataset(Store& store, const std::string& dataset, const CompactOptions& options,
                      CompactStats* stats,
                      const std::function<void(const std::string& partition)>& progress) {
  const auto counts = SmallFileCounts(store, dataset, options);
  if (counts.empty()) return Status::Ok();
  DuckDbOptions db_options;
  db_options.memory_limit = options.memory_limit;
  db_options.temp_directory = store.StagingDir(dataset) + "/.spill";
  std::unique_ptr<DuckDbSession> session;
  Status s = options.duckdb ? DuckDbSession::Connect(options.duckdb, &session)
                            : DuckDbSession::Open(db_options, &session);
  if (!s.ok()) return s;
  int64_t row_group = 0;  // see Merge
  for (auto next = counts.begin(); next != counts.end();) {
    // The groups of this pass: up to options.files_per_pass small files (at least one).
    std::set<Group> pass;
    for (size_t files = 0;
         next != counts.end() && (pass.empty() || files + next->second <= options.files_per_pass);
         ++next) {
      files += next->second;
      pass.insert(next->first);
    }
    // What DuckDB keeps of the files read so far (see ForgetOpenedFiles); nothing else reads
    // (see CompactOptions::duckdb).
    s = session->ForgetOpenedFiles();
    if (!s.ok()) return s;
    // Every merge of the pass is committed at once: one sync of the staged files and one record
    // instead of an fsync and a record per merge (most of a merge's cost for files of a few KB).
    std::vector<CommittedFile> merged_files;
    std::vector<std::string> removed;
    CompactStats merged_stats;
    std::vector<std::string> merged_partitions, visited;
    bool stopped = false;
    for (const auto& [group, files] : SmallFilesOf(store, dataset, options, pass)) {
      const std::string& partition = group.first;
      bool compacted = false;
      for (const std::vector<LiveFile>& run : Runs(files, options)) {
        stopped = options.stopping && options.stopping();
        if (stopped) break;
        CommittedFile merged;
        s = Merge(store, *session, dataset, run, &row_group, &merged);
        if (!s.ok()) {
          stats->failures.push_back(fmt::format("{}/{}: {}", dataset, partition, s.message()));
          break;
        }
        compacted = true;
        merged_files.push_back(merged);
        for (const LiveFile& f : run) {
          removed.push_back(f.file.path);
          merged_stats.bytes_in += f.file.bytes;
        }
        merged_stats.files_in += static_cast<int64_t>(run.size());
        merged_stats.files_out += 1;
        merged_stats.bytes_out += merged.bytes;
        merged_stats.rows += merged.rows;
      }
      if (compacted) merged_partitions.push_back(partition);
      if (stopped) break;
      visited.push_back(partition);
    }
    if (!merged_files.empty()) {
      const std::string staging = store.StagingDir(dataset);
      bool written = false;
      s = merged_files.size() > 1 ? SyncFileSystem(staging) : SyncPath(staging);
      if (s.ok()) s = store.Replace(dataset, options.run_id, merged_files, removed, &written);
      if (!s.ok()) {
        if (!written) {
          for (const CommittedFile& f : merged_files) RemoveFile(staging + "/" + BaseName(f.path));
        }
        stats->failures.push_back(fmt::format("{}: {} merged files not committed: {}", dataset,
                                              merged_files.size(), s.message()));
      } else {
        merged_stats.partitions = static_cast<int64_t>(merged_partitions.size());
        stats->Add(merged_stats);
      }
    }
    if (progress) {
      for (const std::string& partition : visited) progress(partition);
    }
    if (stopped) break;
  }
  return Status::Ok();
}

}  // namespace polypipe::bronze
