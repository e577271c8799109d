#include "fetch/trade_feed.h"

#include <fmt/core.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <string_view>

namespace polypipe::fetch {
namespace {

// A 64-bit digest of the identity cells (libstdc++'s string hash, eight bytes at a time, mixed
// per cell). A collision only renumbers two different rows, whose keys still differ in the columns
// that made them different.
uint64_t Digest(const bronze::Row& row, const std::vector<int>& identity) {
  uint64_t h = 0x9e3779b97f4a7c15ull;
  auto mix = [&h](uint64_t v) { h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2); };
  for (int c : identity) {
    const bronze::Cell& cell = row[static_cast<size_t>(c)];
    mix(cell.index());
    if (const auto* s = std::get_if<std::string>(&cell)) {
      mix(std::hash<std::string_view>{}(*s));
    } else if (const auto* i = std::get_if<int64_t>(&cell)) {
      mix(static_cast<uint64_t>(*i));
    } else if (const auto* d = std::get_if<double>(&cell)) {
      uint64_t bits;
      std::memcpy(&bits, d, sizeof bits);
      mix(bits);
    } else if (const auto* b = std::get_if<bool>(&cell)) {
      mix(*b ? 1 : 2);
    }
  }
  return h;
}

}  // namespace

TradeFeed::TradeFeed(std::vector<Member> members) : members_(std::move(members)) {
  for (size_t i = 0; i < members_.size(); ++i) index_[members_[i].condition_id] = i;
}

std::vector<std::string> TradeFeed::condition_ids() const {
  std::vector<std::string> ids;
  for (const Member& m : members_) ids.push_back(m.condition_id);
  return ids;
}

std::optional<int64_t> TradeFeed::Newest(const std::string& condition_id) const {
  std::optional<int64_t> newest;
  if (auto it = index_.find(condition_id); it != index_.end())
    newest = members_[it->second].watermark;
  if (auto it = newest_.find(condition_id); it != newest_.end()) {
    newest = std::max(newest.value_or(INT64_MIN), it->second);
  }
  return newest;
}

std::optional<int64_t> TradeFeed::Oldest(const std::string& condition_id) const {
  std::optional<int64_t> oldest;
  if (auto it = index_.find(condition_id); it != index_.end()) oldest = members_[it->second].oldest;
  if (auto it = oldest_.find(condition_id); it != oldest_.end()) {
    oldest = std::min(oldest.value_or(INT64_MAX), it->second);
  }
  return oldest;
}

void TradeFeed::ApplyPage(const Columns& columns, std::vector<bronze::Row>* rows,
                          const std::string& next_cursor) {
  ++pages_;
  // The lowest watermark, if every member has one: below it nothing new can follow.
  std::optional<int64_t> floor;
  bool all_marked = !members_.empty();
  for (const Member& m : members_) {
    if (!m.watermark)
      all_marked = false;
    else
      floor = std::min(floor.value_or(INT64_MAX), *m.watermark);
  }
  bool reached_old = false;

  std::vector<bronze::Row> kept;
  kept.reserve(rows->size());
  for (bronze::Row& row : *rows) {
    const auto* cid = std::get_if<std::string>(&row[static_cast<size_t>(columns.condition_id)]);
    const auto* ts = std::get_if<int64_t>(&row[static_cast<size_t>(columns.timestamp)]);
    if (!cid || !ts) continue;  // the parser guarantees both; defensive
    if (all_marked && *ts <= *floor) reached_old = true;
    auto member = index_.find(*cid);
    if (member == index_.end()) {
      ++foreign_rows_;
    } else {
      const auto& watermark = members_[member->second].watermark;
      if (watermark && *ts <= *watermark) continue;  // committed by an earlier run
    }
    if (*ts != run_ts_) {
      run_ts_ = *ts;
      run_counts_.clear();
    }
    const int64_t seq = run_counts_[Digest(row, columns.identity)]++;
    row[static_cast<size_t>(columns.fill_seq)] = seq;
    auto& newest = newest_[*cid];
    newest = std::max(newest, *ts);
    auto [oldest, fresh] = oldest_.try_emplace(*cid, *ts);
    if (!fresh) oldest->second = std::min(oldest->second, *ts);
    kept.push_back(std::move(row));
  }
  *rows = std::move(kept);
  cursor_ = next_cursor;
  if (next_cursor.empty() || reached_old) finished_ = true;
}

nlohmann::json TradeFeed::ToJson() const {
  nlohmann::json members = nlohmann::json::array();
  for (const Member& m : members_) {
    nlohmann::json j = {{"id", m.condition_id}, {"closed", m.closed}};
    if (m.watermark) j["w"] = *m.watermark;
    if (m.oldest) j["o"] = *m.oldest;
    if (auto it = newest_.find(m.condition_id); it != newest_.end()) j["newest"] = it->second;
    if (auto it = oldest_.find(m.condition_id); it != oldest_.end()) j["oldest"] = it->second;
    members.push_back(std::move(j));
  }
  nlohmann::json j = {{"members", std::move(members)},
                      {"cursor", cursor_},
                      {"finished", finished_},
                      {"pages", pages_},
                      {"run_ts", run_ts_}};
  // Digests as hex text: JSON numbers lose 64-bit precision in many readers.
  nlohmann::json counts = nlohmann::json::object();
  for (const auto& [digest, n] : run_counts_) counts[fmt::format("{:016x}", digest)] = n;
  j["run_counts"] = std::move(counts);
  return j;
}

std::optional<TradeFeed> TradeFeed::FromJson(const nlohmann::json& j) {
  try {
    std::vector<Member> members;
    std::map<std::string, int64_t> newest, oldest;
    for (const auto& m : j.at("members")) {
      Member member{m.at("id").get<std::string>(), std::nullopt, m.at("closed").get<bool>(),
                    std::nullopt};
      if (m.contains("w")) member.watermark = m["w"].get<int64_t>();
      if (m.contains("o")) member.oldest = m["o"].get<int64_t>();
      if (m.contains("newest")) newest[member.condition_id] = m["newest"].get<int64_t>();
      if (m.contains("oldest")) oldest[member.condition_id] = m["oldest"].get<int64_t>();
      members.push_back(std::move(member));
    }
    TradeFeed feed(std::move(members));
    feed.newest_ = std::move(newest);
    feed.oldest_ = std::move(oldest);
    feed.cursor_ = j.at("cursor").get<std::string>();
    feed.finished_ = j.at("finished").get<bool>();
    feed.pages_ = j.at("pages").get<int64_t>();
    feed.run_ts_ = j.at("run_ts").get<int64_t>();
    for (const auto& [digest, n] : j.at("run_counts").items()) {
      feed.run_counts_[std::stoull(digest, nullptr, 16)] = n.get<int64_t>();
    }
    return feed;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

}  // namespace polypipe::fetch
