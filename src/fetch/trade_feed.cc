#include "fetch/trade_feed.h"

#include <fmt/core.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <string_view>

namespace polypipe::fetch {
namespace {

// A 64-bit digest of some cells of a row (libstdc++'s string hash, mixed per cell). A collision
// in the identity only renumbers two different rows, whose keys still differ in the columns that
// made them different; a collision of two keys would drop a late fill, at odds of 2^-64.
uint64_t Digest(const bronze::Row& row, const std::vector<int>& columns) {
  uint64_t h = 0x9e3779b97f4a7c15ull;
  auto mix = [&h](uint64_t v) { h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2); };
  for (int c : columns) {
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

// Digests as hex text: JSON numbers lose 64-bit precision in many readers.
std::string Hex(uint64_t digest) {
  return fmt::format("{:016x}", digest);
}

uint64_t FromHex(const std::string& text) {
  if (text.empty() || text.size() > 16 ||
      text.find_first_not_of("0123456789abcdef") != std::string::npos) {
    throw nlohmann::json::other_error::create(501, "bad digest", nullptr);
  }
  return std::stoull(text, nullptr, 16);
}

nlohmann::json KeysToJson(const std::vector<std::pair<int64_t, uint64_t>>& keys) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [ts, digest] : keys) out.push_back({ts, Hex(digest)});
  return out;
}

std::vector<std::pair<int64_t, uint64_t>> KeysFromJson(const nlohmann::json& j) {
  std::vector<std::pair<int64_t, uint64_t>> keys;
  for (const auto& k : j) keys.emplace_back(k.at(0).get<int64_t>(), FromHex(k.at(1)));
  return keys;
}

}  // namespace

nlohmann::json TradeOverlap::ToJson() const {
  return {{"from", from}, {"keys", KeysToJson(keys)}};
}

std::optional<TradeOverlap> TradeOverlap::FromJson(const nlohmann::json& j) {
  try {
    TradeOverlap o;
    o.from = j.at("from").get<int64_t>();
    o.keys = KeysFromJson(j.at("keys"));
    return o;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

TradeFeed::TradeFeed(std::vector<Member> members, int64_t lag_seconds)
    : members_(std::move(members)), lag_(std::max<int64_t>(0, lag_seconds)) {
  Index();
}

uint64_t TradeFeed::KeyDigest(const bronze::Row& row, const Columns& columns) {
  return Digest(row, columns.key);
}

void TradeFeed::Index() {
  index_.clear();
  known_.assign(members_.size(), Known{});
  for (size_t i = 0; i < members_.size(); ++i) {
    const Member& m = members_[i];
    index_[m.condition_id] = i;
    if (m.overlap) {
      known_[i].lower = m.overlap->from;
      for (const auto& [ts, digest] : m.overlap->keys) known_[i].keys.insert(digest);
    } else if (m.watermark) {
      known_[i].lower = *m.watermark + 1;  // strict: only what is newer than the watermark
    }
  }
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

std::optional<TradeOverlap> TradeFeed::NextOverlap(const std::string& condition_id) const {
  const std::optional<int64_t> newest = Newest(condition_id);
  if (!newest) return std::nullopt;
  TradeOverlap next;
  next.from = *newest - lag_;
  auto keep = [&](const std::vector<std::pair<int64_t, uint64_t>>& keys) {
    for (const auto& k : keys) {
      if (k.first >= next.from) next.keys.push_back(k);
    }
  };
  if (auto it = recent_.find(condition_id); it != recent_.end()) keep(it->second);
  if (auto it = index_.find(condition_id); it != index_.end()) {
    const auto& earlier = members_[it->second].overlap;
    if (earlier) keep(earlier->keys);
  }
  return next;
}

int64_t TradeFeed::Number(int64_t ts, uint64_t identity) {
  if (ts != run_ts_) {
    run_ts_ = ts;
    run_counts_.clear();
  }
  return run_counts_[identity]++;
}

void TradeFeed::ApplyPage(const Columns& columns, std::vector<bronze::Row>* rows,
                          const std::string& next_cursor) {
  ++pages_;
  // The lowest lower bound, if every member has one: below it nothing new can follow.
  std::optional<int64_t> floor;
  bool all_marked = !members_.empty();
  for (const Known& k : known_) {
    if (k.lower == INT64_MIN)
      all_marked = false;
    else
      floor = std::min(floor.value_or(INT64_MAX), k.lower);
  }
  bool reached_old = false;

  std::vector<bronze::Row> kept;
  kept.reserve(rows->size());
  // A market's rows mostly come one after another, so its lookups are kept until it changes.
  const std::string* run_cid = nullptr;
  auto member = index_.end();
  auto newest = newest_.end();
  auto oldest = oldest_.end();
  for (bronze::Row& row : *rows) {
    const auto* cid = std::get_if<std::string>(&row[static_cast<size_t>(columns.condition_id)]);
    const auto* ts = std::get_if<int64_t>(&row[static_cast<size_t>(columns.timestamp)]);
    if (!cid || !ts) continue;  // the parser guarantees both; defensive
    if (all_marked && *ts < *floor) reached_old = true;
    if (run_cid == nullptr || *run_cid != *cid) {
      run_cid = cid;
      member = index_.find(*cid);
      newest = newest_.end();
      oldest = oldest_.end();
    }
    const Known* known = member == index_.end() ? nullptr : &known_[member->second];
    if (known && *ts < known->lower) continue;                // committed by an earlier run
    if (resume_ts_ && *ts > *resume_ts_) continue;            // committed before the split
    if (resume_ts_ && *ts < *resume_ts_) resume_ts_.reset();  // below what was committed
    const uint64_t identity = Digest(row, columns.identity);
    const int64_t seq = Number(*ts, identity);
    if (resume_ts_) {  // at resume_ts_: the first identical rows were committed before the split
      const auto it = resume_counts_.find(identity);
      if (it != resume_counts_.end() && seq < it->second) continue;
    }
    row[static_cast<size_t>(columns.fill_seq)] = seq;
    // The key digest is needed only inside an overlap and near a member's newest trade: most rows
    // of a backfill skip it.
    std::optional<uint64_t> key;
    const std::optional<int64_t>& watermark =
        known ? members_[member->second].watermark : std::nullopt;
    if (!known) {
      ++foreign_rows_;
    } else if (!known->keys.empty() && *ts <= watermark.value_or(INT64_MAX)) {
      key = Digest(row, columns.key);
      if (known->keys.count(*key)) continue;  // committed earlier, served again by the overlap
    }
    if (known && watermark && *ts <= *watermark) ++late_rows_;  // indexed after a newer fill
    if (newest == newest_.end()) newest = newest_.try_emplace(*cid, *ts).first;
    newest->second = std::max(newest->second, *ts);
    if (oldest == oldest_.end()) oldest = oldest_.try_emplace(*cid, *ts).first;
    oldest->second = std::min(oldest->second, *ts);
    if (known && *ts >= std::max(newest->second, watermark.value_or(INT64_MIN)) - lag_) {
      if (!key) key = Digest(row, columns.key);
      recent_[*cid].emplace_back(*ts, *key);
    }
    kept.push_back(std::move(row));
  }
  *rows = std::move(kept);
  cursor_ = next_cursor;
  if (next_cursor.empty() || reached_old) finished_ = true;
}

TradeFeed TradeFeed::Resumed(size_t from, size_t to) const {
  TradeFeed f(std::vector<Member>(members_.begin() + static_cast<std::ptrdiff_t>(from),
                                  members_.begin() + static_cast<std::ptrdiff_t>(to)),
              lag_);
  for (const Member& m : f.members_) {
    const std::string& id = m.condition_id;
    if (auto it = newest_.find(id); it != newest_.end()) f.newest_[id] = it->second;
    if (auto it = oldest_.find(id); it != oldest_.end()) f.oldest_[id] = it->second;
    if (auto it = recent_.find(id); it != recent_.end()) f.recent_[id] = it->second;
  }
  if (run_ts_ == INT64_MIN) {
    f.resume_ts_ = resume_ts_;
    f.resume_counts_ = resume_counts_;
  } else {
    // Everything above run_ts_ was processed, and at run_ts_ the rows counted so far (or, if
    // this feed is itself still skipping at that timestamp, the rows its parent had counted).
    f.resume_ts_ = run_ts_;
    f.resume_counts_ = run_counts_;
    if (resume_ts_ == run_ts_) {
      for (const auto& [digest, n] : resume_counts_) {
        auto& c = f.resume_counts_[digest];
        c = std::max(c, n);
      }
    }
  }
  return f;
}

std::pair<TradeFeed, TradeFeed> TradeFeed::Split() const {
  const size_t half = members_.size() / 2;
  return {Resumed(0, half), Resumed(half, members_.size())};
}

TradeFeed TradeFeed::Restarted() const {
  return Resumed(0, members_.size());
}

nlohmann::json TradeFeed::ToJson() const {
  nlohmann::json members = nlohmann::json::array();
  for (const Member& m : members_) {
    nlohmann::json j = {{"id", m.condition_id}, {"closed", m.closed}};
    if (m.watermark) j["watermark"] = *m.watermark;
    if (m.oldest) j["known_oldest"] = *m.oldest;
    if (m.overlap) j["overlap"] = m.overlap->ToJson();
    if (auto it = newest_.find(m.condition_id); it != newest_.end()) j["newest"] = it->second;
    if (auto it = oldest_.find(m.condition_id); it != oldest_.end()) j["oldest"] = it->second;
    if (auto it = recent_.find(m.condition_id); it != recent_.end()) {
      j["recent"] = KeysToJson(it->second);
    }
    members.push_back(std::move(j));
  }
  nlohmann::json j = {{"version", 2},      {"members", std::move(members)}, {"lag", lag_},
                      {"cursor", cursor_}, {"finished", finished_},         {"pages", pages_},
                      {"run_ts", run_ts_}, {"late_rows", late_rows_}};
  nlohmann::json counts = nlohmann::json::object();
  for (const auto& [digest, n] : run_counts_) counts[Hex(digest)] = n;
  j["run_counts"] = std::move(counts);
  if (resume_ts_) {
    nlohmann::json resume = nlohmann::json::object();
    for (const auto& [digest, n] : resume_counts_) resume[Hex(digest)] = n;
    j["resume"] = {{"ts", *resume_ts_}, {"counts", std::move(resume)}};
  }
  return j;
}

std::optional<TradeFeed> TradeFeed::FromJson(const nlohmann::json& j) {
  try {
    // Version 1 (no "version") named the watermark "w" and the known oldest time "o".
    const bool v1 = !j.contains("version");
    std::vector<Member> members;
    std::map<std::string, int64_t> newest, oldest;
    std::map<std::string, std::vector<std::pair<int64_t, uint64_t>>> recent;
    for (const auto& m : j.at("members")) {
      Member member;
      member.condition_id = m.at("id").get<std::string>();
      member.closed = m.at("closed").get<bool>();
      const char* watermark = v1 ? "w" : "watermark";
      const char* known_oldest = v1 ? "o" : "known_oldest";
      if (m.contains(watermark)) member.watermark = m[watermark].get<int64_t>();
      if (m.contains(known_oldest)) member.oldest = m[known_oldest].get<int64_t>();
      if (m.contains("overlap")) {
        member.overlap = TradeOverlap::FromJson(m["overlap"]);
        if (!member.overlap) return std::nullopt;
      }
      if (m.contains("newest")) newest[member.condition_id] = m["newest"].get<int64_t>();
      if (m.contains("oldest")) oldest[member.condition_id] = m["oldest"].get<int64_t>();
      if (m.contains("recent")) recent[member.condition_id] = KeysFromJson(m["recent"]);
      members.push_back(std::move(member));
    }
    TradeFeed feed(std::move(members), j.value("lag", int64_t{0}));
    feed.newest_ = std::move(newest);
    feed.oldest_ = std::move(oldest);
    feed.recent_ = std::move(recent);
    feed.cursor_ = j.at("cursor").get<std::string>();
    feed.finished_ = j.at("finished").get<bool>();
    feed.pages_ = j.at("pages").get<int64_t>();
    feed.run_ts_ = j.at("run_ts").get<int64_t>();
    feed.late_rows_ = j.value("late_rows", int64_t{0});
    for (const auto& [digest, n] : j.at("run_counts").items()) {
      feed.run_counts_[FromHex(digest)] = n.get<int64_t>();
    }
    if (j.contains("resume")) {
      feed.resume_ts_ = j["resume"].at("ts").get<int64_t>();
      for (const auto& [digest, n] : j["resume"].at("counts").items()) {
        feed.resume_counts_[FromHex(digest)] = n.get<int64_t>();
      }
    }
    return feed;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace polypipe::fetch
