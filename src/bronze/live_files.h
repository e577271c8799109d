// LiveFileList: the live files of one dataset as the Store holds them in memory.
//
// A long backfill leaves hundreds of thousands of live files per dataset, so each is held as a few
// numbers (about 64 bytes, against 250-370 for a LiveFile of strings): its partition folder and its
// run id as indexes into the few distinct ones, and a name of the form NewFileName gives,
// "<dataset>_<stamp>.parquet", as the stamp's microseconds. A name of any other form is kept as
// text. Visitors see a LiveFileRef, which spells out the path only when asked.
//
// Thread-safety: none; the Store guards it.

#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "bronze/commit_record.h"

namespace polypipe::bronze {

class LiveFileList;

// One live file, as a view into the list: valid during the visit only.
class LiveFileRef {
 public:
  int64_t rows() const;
  int64_t bytes() const;
  uint64_t seq() const;
  const std::string& run_id() const;
  // The partition folder, "dt=YYYY-MM-DD".
  const std::string& partition() const;
  // "dt=YYYY-MM-DD/<name>.parquet", relative to the dataset folder.
  std::string path() const;
  // The whole entry; `out` is reused, so a loop filling one LiveFile allocates little.
  void Fill(LiveFile* out) const;
  LiveFile ToLiveFile() const;

 private:
  friend class LiveFileList;
  LiveFileRef(const LiveFileList& list, size_t index) : list_(list), index_(index) {}

  const LiveFileList& list_;
  size_t index_;
};

class LiveFileList {
 public:
  explicit LiveFileList(std::string dataset) : dataset_(std::move(dataset)) {}

  size_t size() const { return entries_.size(); }
  void Clear();

  // Appends a file committed by commit `seq` of run `run_id`; returns the stamp of its name when
  // the name is of the form NewFileName gives. REQUIRES: a valid committed path
  // (IsValidCommittedPath).
  std::optional<int64_t> Add(const CommittedFile& file, uint64_t seq, std::string_view run_id);

  // Removes the files whose paths are in `paths`, calling `removed` with each before it goes.
  void Remove(const std::unordered_set<std::string>& paths,
              const std::function<void(const LiveFileRef& file)>& removed);

  // The first of `paths` that is not a live file; nullopt when all are.
  std::optional<std::string> FirstMissing(const std::vector<std::string>& paths) const;

  // Calls `visit` with every file in commit order.
  void ForEach(const std::function<void(const LiveFileRef& file)>& visit) const;

 private:
  friend class LiveFileRef;

  struct Entry {
    // The name's stamp in microseconds; or, when negative, -1 - the index of the name in names_.
    int64_t name;
    int64_t rows;
    int64_t bytes;
    int64_t min_event_us;
    int64_t max_event_us;
    uint64_t seq;
    uint32_t partition;  // index into partitions_
    uint32_t run;        // index into runs_
    bool has_min_event;
    bool has_max_event;
  };

  // The entry's key for lookups by path: (partition index, name); nullopt when the path's
  // partition or odd name is not in the list at all.
  using Key = std::pair<uint32_t, int64_t>;
  struct KeyHash {
    size_t operator()(const Key& k) const { return std::hash<int64_t>()(k.second) * 31 + k.first; }
  };
  std::optional<Key> KeyOf(std::string_view path) const;
  // The index of `text` in `table`, added when new.
  static uint32_t Intern(std::vector<std::string>& table,
                         std::unordered_map<std::string, uint32_t>& index, std::string_view text);
  std::string NameOf(const Entry& e) const;

  std::string dataset_;
  std::vector<Entry> entries_;  // in commit order
  std::vector<std::string> partitions_;
  std::unordered_map<std::string, uint32_t> partition_index_;
  std::vector<std::string> runs_;
  std::unordered_map<std::string, uint32_t> run_index_;
  std::vector<std::string> names_;  // names not of the usual form (rare)
  std::unordered_map<std::string, uint32_t> name_index_;
};

}  // namespace polypipe::bronze
