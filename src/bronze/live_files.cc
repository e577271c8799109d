#include "bronze/live_files.h"

#include <algorithm>

#include "bronze/utc_time.h"

namespace polypipe::bronze {
namespace {

constexpr std::string_view kExt = ".parquet";
constexpr size_t kStampSize = 22;      // YYYYMMDD_HHMMSS_ffffff
constexpr size_t kPartitionSize = 13;  // dt=YYYY-MM-DD

// The stamp of "<dataset>_<stamp>.parquet" when that is exactly the name NewFileName gives.
std::optional<int64_t> StampOfName(std::string_view name, std::string_view dataset) {
  if (name.size() != dataset.size() + 1 + kStampSize + kExt.size() ||
      name.substr(0, dataset.size()) != dataset || name[dataset.size()] != '_' ||
      !name.ends_with(kExt)) {
    return std::nullopt;
  }
  const std::string_view stamp = name.substr(dataset.size() + 1, kStampSize);
  const std::optional<int64_t> micros = MicrosOfFileStamp(stamp);
  if (!micros || *micros < 0 || FileStampOfMicros(*micros) != stamp) return std::nullopt;
  return micros;
}

}  // namespace

int64_t LiveFileRef::rows() const {
  return list_.entries_[index_].rows;
}

int64_t LiveFileRef::bytes() const {
  return list_.entries_[index_].bytes;
}

uint64_t LiveFileRef::seq() const {
  return list_.entries_[index_].seq;
}

const std::string& LiveFileRef::run_id() const {
  return list_.runs_[list_.entries_[index_].run];
}

const std::string& LiveFileRef::partition() const {
  return list_.partitions_[list_.entries_[index_].partition];
}

std::string LiveFileRef::path() const {
  return partition() + "/" + list_.NameOf(list_.entries_[index_]);
}

void LiveFileRef::Fill(LiveFile* out) const {
  const LiveFileList::Entry& e = list_.entries_[index_];
  out->file.path.assign(partition()).append("/").append(list_.NameOf(e));
  out->file.rows = e.rows;
  out->file.bytes = e.bytes;
  out->file.min_event_us = e.has_min_event ? std::optional(e.min_event_us) : std::nullopt;
  out->file.max_event_us = e.has_max_event ? std::optional(e.max_event_us) : std::nullopt;
  out->seq = e.seq;
  out->run_id.assign(run_id());
}

LiveFile LiveFileRef::ToLiveFile() const {
  LiveFile f;
  Fill(&f);
  return f;
}

void LiveFileList::Clear() {
  *this = LiveFileList(std::move(dataset_));
}

uint32_t LiveFileList::Intern(std::vector<std::string>& table,
                              std::unordered_map<std::string, uint32_t>& index,
                              std::string_view text) {
  const auto [it, added] =
      index.try_emplace(std::string(text), static_cast<uint32_t>(table.size()));
  if (added) table.emplace_back(text);
  return it->second;
}

std::string LiveFileList::NameOf(const Entry& e) const {
  if (e.name < 0) return names_[static_cast<size_t>(-1 - e.name)];
  return dataset_ + "_" + FileStampOfMicros(e.name) + std::string(kExt);
}

std::optional<int64_t> LiveFileList::Add(const CommittedFile& file, uint64_t seq,
                                         std::string_view run_id) {
  const std::string_view path = file.path;
  const std::string_view name = path.substr(std::min(path.size(), kPartitionSize + 1));
  Entry e{};
  e.partition = Intern(partitions_, partition_index_, path.substr(0, kPartitionSize));
  const std::optional<int64_t> stamp = StampOfName(name, dataset_);
  if (stamp) {
    e.name = *stamp;
  } else {
    e.name = -1 - static_cast<int64_t>(Intern(names_, name_index_, name));
  }
  e.rows = file.rows;
  e.bytes = file.bytes;
  e.has_min_event = file.min_event_us.has_value();
  e.min_event_us = file.min_event_us.value_or(0);
  e.has_max_event = file.max_event_us.has_value();
  e.max_event_us = file.max_event_us.value_or(0);
  e.seq = seq;
  e.run = Intern(runs_, run_index_, run_id);
  entries_.push_back(e);
  return stamp;
}

std::optional<LiveFileList::Key> LiveFileList::KeyOf(std::string_view path) const {
  if (path.size() <= kPartitionSize + 1 || path[kPartitionSize] != '/') return std::nullopt;
  const auto partition = partition_index_.find(std::string(path.substr(0, kPartitionSize)));
  if (partition == partition_index_.end()) return std::nullopt;
  const std::string_view name = path.substr(kPartitionSize + 1);
  if (const std::optional<int64_t> stamp = StampOfName(name, dataset_)) {
    return Key{partition->second, *stamp};
  }
  const auto odd = name_index_.find(std::string(name));
  if (odd == name_index_.end()) return std::nullopt;
  return Key{partition->second, -1 - static_cast<int64_t>(odd->second)};
}

void LiveFileList::Remove(const std::unordered_set<std::string>& paths,
                          const std::function<void(const LiveFileRef& file)>& removed) {
  std::unordered_set<Key, KeyHash> keys;
  for (const std::string& path : paths) {
    if (const std::optional<Key> key = KeyOf(path)) keys.insert(*key);
  }
  if (keys.empty()) return;
  size_t kept = 0;
  for (size_t i = 0; i < entries_.size(); ++i) {
    const Entry& e = entries_[i];
    if (keys.count(Key{e.partition, e.name}) > 0) {
      removed(LiveFileRef(*this, i));
    } else {
      entries_[kept++] = e;
    }
  }
  entries_.resize(kept);
}

std::optional<std::string> LiveFileList::FirstMissing(const std::vector<std::string>& paths) const {
  std::unordered_map<Key, const std::string*, KeyHash> wanted;
  for (const std::string& path : paths) {
    const std::optional<Key> key = KeyOf(path);
    if (!key) return path;
    wanted.emplace(*key, &path);
  }
  for (const Entry& e : entries_) {
    if (wanted.empty()) break;
    wanted.erase(Key{e.partition, e.name});
  }
  if (wanted.empty()) return std::nullopt;
  // The first in `paths` order, so the message does not depend on hashing.
  for (const std::string& path : paths) {
    if (wanted.count(*KeyOf(path)) > 0) return path;
  }
  return std::nullopt;
}

void LiveFileList::ForEach(const std::function<void(const LiveFileRef& file)>& visit) const {
  for (size_t i = 0; i < entries_.size(); ++i) visit(LiveFileRef(*this, i));
}

}  // namespace polypipe::bronze
