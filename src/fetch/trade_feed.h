// TradeFeed: the state of one /v2/trades feed (up to 20 markets paged together, newest first)
// and the rules that turn its pages into Bronze rows.
//
// A feed starts at the newest trade and follows cursors. A member market fetched by an earlier
// run carries a watermark (its newest committed trade time) and an overlap: the keys of its
// committed trades from `overlap.from` (the watermark minus the configured lag) on. The feed
// reaches back to `overlap.from`: a row there whose key is among the committed ones is dropped,
// any other row is a fill the API indexed late and is kept; rows older than `overlap.from` are
// old, and once a page goes below every member's lower bound the feed stops. A member without an
// overlap (state written before overlaps existed) keeps the strict rule: only rows newer than its
// watermark.
//
// Rows of one timestamp are contiguous in the feed, so genuinely identical fills are numbered
// (fill_seq 0, 1, ...) by counting identical rows within the current timestamp; the count
// survives page boundaries and restarts, and a late fill identical to a committed one gets the
// next number, so its key differs.
//
// A feed whose request keeps failing can be split in two (Split): each half starts again from
// the newest trade, skips what the whole feed already committed (every row above the last
// timestamp it processed, and at that timestamp as many identical rows as it numbered), and goes
// on. The whole state is JSON (ToJson/FromJson), committed with the rows of each page.
//
// Thread-safety: none; a feed is driven by one worker at a time.

#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "bronze/row.h"

namespace polypipe::fetch {

// The committed trades of one market from `from` on, as digests of their dedup keys.
struct TradeOverlap {
  int64_t from = 0;
  std::vector<std::pair<int64_t, uint64_t>> keys;  // (timestamp, key digest)

  nlohmann::json ToJson() const;
  static std::optional<TradeOverlap> FromJson(const nlohmann::json& j);
};

class TradeFeed {
 public:
  struct Member {
    std::string condition_id;
    std::optional<int64_t> watermark;  // newest committed trade time of an earlier run
    bool closed = false;               // closed when the feed was planned
    std::optional<int64_t> oldest;     // oldest trade time known from earlier runs
    std::optional<TradeOverlap> overlap;
  };

  TradeFeed() = default;
  // `lag_seconds`: how far behind its newest trade a member's next overlap starts.
  TradeFeed(std::vector<Member> members, int64_t lag_seconds);

  // Column positions in trades rows (from the trades schema).
  struct Columns {
    int condition_id = -1, timestamp = -1, fill_seq = -1;
    std::vector<int> identity;  // every API column: rows equal on all of them are identical fills
    std::vector<int> key;       // the dedup key (fill_seq included)
  };

  // Applies one page (newest first) in place: drops old and already committed rows, sets
  // fill_seq, remembers the newest time per member, and moves the cursor. `next_cursor` empty =
  // the feed has no more pages. Rows of markets that are not members are kept and counted.
  void ApplyPage(const Columns& columns, std::vector<bronze::Row>* rows,
                 const std::string& next_cursor);

  // The two halves of this feed's members, each resuming below what this feed committed.
  // REQUIRES: members().size() >= 2.
  std::pair<TradeFeed, TradeFeed> Split() const;
  // This feed from its first page again (no cursor), resuming below what it committed: for a
  // cursor the API no longer accepts.
  TradeFeed Restarted() const;

  bool finished() const { return finished_; }
  const std::string& cursor() const { return cursor_; }
  const std::vector<Member>& members() const { return members_; }
  std::vector<std::string> condition_ids() const;
  // Newest trade time seen (this feed or the watermark) per member; absent = no trades at all.
  std::optional<int64_t> Newest(const std::string& condition_id) const;
  // Oldest trade time seen (this feed or earlier runs) per member.
  std::optional<int64_t> Oldest(const std::string& condition_id) const;
  // The member's overlap for the next run: its committed keys from Newest() - lag on.
  // REQUIRES: finished().
  std::optional<TradeOverlap> NextOverlap(const std::string& condition_id) const;
  int64_t pages() const { return pages_; }
  int64_t foreign_rows() const { return foreign_rows_; }
  int64_t late_rows() const { return late_rows_; }

  nlohmann::json ToJson() const;
  static std::optional<TradeFeed> FromJson(const nlohmann::json& j);

  // The digest of a row's dedup key, as overlaps hold it. REQUIRES: fill_seq set.
  static uint64_t KeyDigest(const bronze::Row& row, const Columns& columns);

 private:
  // What an earlier run committed of one member, for fast lookups.
  struct Known {
    std::unordered_set<uint64_t> keys;
    int64_t lower = INT64_MIN;  // rows older than this are old
  };
  void Index();
  // Members [from, to) in a new feed without a cursor that skips what this one committed.
  TradeFeed Resumed(size_t from, size_t to) const;
  // The fill_seq of a row: how many identical rows came before it at its timestamp.
  int64_t Number(int64_t ts, uint64_t identity);

  std::vector<Member> members_;
  int64_t lag_ = 0;
  std::map<std::string, size_t> index_;
  std::vector<Known> known_;
  std::map<std::string, int64_t> newest_;
  std::map<std::string, int64_t> oldest_;
  // Keys of kept rows per member, newest first, while within lag of the member's newest row.
  std::map<std::string, std::vector<std::pair<int64_t, uint64_t>>> recent_;
  std::string cursor_;
  bool finished_ = false;
  int64_t pages_ = 0;
  int64_t foreign_rows_ = 0;
  int64_t late_rows_ = 0;
  // Identical-fill numbering within the current timestamp.
  int64_t run_ts_ = INT64_MIN;
  std::unordered_map<uint64_t, int64_t> run_counts_;  // identity digest -> rows seen so far
  // After a split: rows above resume_ts_ were committed by the whole feed, and at resume_ts_ the
  // first resume_counts_[digest] identical rows.
  std::optional<int64_t> resume_ts_;
  std::unordered_map<uint64_t, int64_t> resume_counts_;
};

}  // namespace polypipe::fetch
