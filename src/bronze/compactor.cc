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

bool Small(const LiveFile& f, const CompactOptions& options) {
  return f.file.bytes * 2 < options.target_bytes;
}

// The partitions holding at least options.min_files small files, with their count.
std::map<std::string, size_t> SmallFileCounts(const Store& store, const std::string& dataset,
                                              const CompactOptions& options) {
  std::map<std::string, size_t> counts;
  store.ForEachLiveFile(dataset, [&](const LiveFile& f) {
    if (Small(f, options)) ++counts[DirName(f.file.path)];
  });
  std::erase_if(counts, [&](const auto& entry) {
    return entry.second < static_cast<size_t>(std::max(options.min_files, 2));
  });
  return counts;
}

// The small files of each of `partitions`, in commit order.
std::map<std::string, std::vector<LiveFile>> SmallFilesOf(const Store& store,
                                                          const std::string& dataset,
                                                          const CompactOptions& options,
                                                          const std::set<std::string>& partitions) {
  std::map<std::string, std::vector<LiveFile>> files;
  store.ForEachLiveFile(dataset, [&](const LiveFile& f) {
    if (!Small(f, options)) return;
    if (const auto it = partitions.find(DirName(f.file.path)); it != partitions.end()) {
      files[*it].push_back(f);
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
// describes it in *merged.
Status Merge(Store& store, DuckDbSession& session, const std::string& dataset,
             const std::vector<LiveFile>& inputs, CommittedFile* merged) {
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
  // The Sink's Parquet settings (parquet_writer.cc), so a merged file reads like a fetched one,
  // but with fewer rows per row group when rows are wide (Gamma's texts): the writer holds a whole
  // row group in memory, about kRowGroupBytes of uncompressed values.
  QueryResult size;
  Status s = QueryText(
      session.connection(),
      fmt::format("SELECT sum(total_uncompressed_size) FROM parquet_metadata([{}])", sample),
      &size);
  int64_t uncompressed = 0;
  if (s.ok() && !size.rows.empty() && size.rows[0][0]) {
    std::from_chars(size.rows[0][0]->data(), size.rows[0][0]->data() + size.rows[0][0]->size(),
                    uncompressed);
  }
  const int64_t row_bytes = std::max<int64_t>(1, uncompressed / std::max<int64_t>(1, sample_rows));
  const int64_t row_group = std::clamp<int64_t>(kRowGroupBytes / row_bytes, 2048, 20000);
  if (s.ok()) {
    s = session.Execute(fmt::format(
        "COPY (SELECT * FROM read_parquet([{}], union_by_name = true)) TO {} (FORMAT PARQUET, "
        "COMPRESSION ZSTD, COMPRESSION_LEVEL 1, ROW_GROUP_SIZE {})",
        list, QuoteSqlString(staged), row_group));
  }
  QueryResult count;
  if (s.ok()) {
    s = QueryText(session.connection(),
                  fmt::format("SELECT count(*) FROM read_parquet({})", QuoteSqlString(staged)),
                  &count);
  }
  if (s.ok() && (count.rows.size() != 1 || !count.rows[0][0] ||
                 *count.rows[0][0] != std::to_string(merged->rows))) {
    s = Status::Error(fmt::format("the merged file holds {} rows, its inputs {}",
                                  count.rows.empty() || !count.rows[0][0] ? "?" : *count.rows[0][0],
                                  merged->rows));
  }
  if (s.ok()) s = SyncPath(staged);
  if (s.ok()) s = FileSize(staged, &merged->bytes);
  if (!s.ok()) {
    RemoveFile(staged);
    const std::string& why = s.message();
    return Status::Error(why.substr(0, why.find('\n')));  // DuckDB's message without its hints
  }
  return s;
}

}  // namespace

std::vector<std::string> PartitionsToCompact(const Store& store, const std::string& dataset,
                                             const CompactOptions& options) {
  std::vector<std::string> names;
  for (const auto& [partition, count] : SmallFileCounts(store, dataset, options)) {
    names.push_back(partition);
  }
  return names;
}

Status CompactDataset(Store& store, const std::string& dataset, const CompactOptions& options,
                      CompactStats* stats,
                      const std::function<void(const std::string& partition)>& progress) {
  const auto counts = SmallFileCounts(store, dataset, options);
  if (counts.empty()) return Status::Ok();
  DuckDbOptions db_options;
  db_options.memory_limit = "64MB";
  db_options.temp_directory = store.StagingDir(dataset) + "/.spill";
  std::unique_ptr<DuckDbSession> session;
  Status s = options.duckdb ? DuckDbSession::Connect(options.duckdb, &session)
                            : DuckDbSession::Open(db_options, &session);
  if (!s.ok()) return s;
  for (auto next = counts.begin(); next != counts.end();) {
    // The partitions of this pass: up to options.files_per_pass small files (at least one).
    std::set<std::string> pass;
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
    for (const auto& [partition, files] : SmallFilesOf(store, dataset, options, pass)) {
      bool compacted = false;
      for (const std::vector<LiveFile>& run : Runs(files, options)) {
        CommittedFile merged;
        s = Merge(store, *session, dataset, run, &merged);
        std::vector<std::string> removed;
        for (const LiveFile& f : run) removed.push_back(f.file.path);
        bool written = false;
        if (s.ok()) s = store.Replace(dataset, options.run_id, {merged}, removed, &written);
        if (!s.ok()) {
          if (!written) RemoveFile(store.StagingDir(dataset) + "/" + BaseName(merged.path));
          stats->failures.push_back(fmt::format("{}/{}: {}", dataset, partition, s.message()));
          break;
        }
        compacted = true;
        stats->files_in += static_cast<int64_t>(run.size());
        stats->files_out += 1;
        for (const LiveFile& f : run) stats->bytes_in += f.file.bytes;
        stats->bytes_out += merged.bytes;
        stats->rows += merged.rows;
      }
      if (compacted) ++stats->partitions;
      if (progress) progress(partition);
    }
  }
  return Status::Ok();
}

}  // namespace polypipe::bronze
