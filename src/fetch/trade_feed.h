// TradeFeed: the state of one /v2/trades feed (up to 20 markets paged together, newest first)
// and the rules that turn its pages into Bronze rows.
//
// A feed starts at the newest trade and follows cursors. Each member market may carry a
// watermark: the newest trade timestamp a previous run committed for it. Rows at or below their
// market's watermark are old and dropped; once a page's oldest row is at or below the lowest
// watermark of the feed, every later page is old too and the feed stops. Rows of one timestamp are
// contiguous in the feed, so genuinely identical fills are numbered (fill_seq 0, 1, ...) by
// counting identical rows within the current timestamp; the count survives page boundaries and
// restarts.
//
// The whole state is JSON (ToJson/FromJson) and is committed with the rows of each page, so a
// resumed feed continues from its cursor with the same numbering.
//
// Thread-safety: none; a feed is driven by one worker at a time.

#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "bronze/row.h"

namespace polypipe::fetch {

class TradeFeed {
 public:
  struct Member {
    std::string condition_id;
    std::optional<int64_t> watermark;  // newest committed trade time of an earlier run
    bool closed = false;               // closed when the feed was planned: done once complete
    std::optional<int64_t> oldest;     // oldest trade time known from earlier runs
  };

  TradeFeed() = default;
  explicit TradeFeed(std::vector<Member> members);

  // Column positions in trades rows (from the trades schema).
  struct Columns {
    int condition_id = -1, timestamp = -1, fill_seq = -1;
    std::vector<int> identity;  // every API column: rows equal on all of them are identical fills
  };

  // Applies one page (newest first) in place: drops old rows, sets fill_seq, remembers the newest
  // time per member, and moves the cursor. `next_cursor` empty = the feed has no more pages.
  // Returns false when the page contains a row from a market that is not a member (kept: the
  // caller counts it, the API sent it).
  void ApplyPage(const Columns& columns, std::vector<bronze::Row>* rows,
                 const std::string& next_cursor);

  bool finished() const { return finished_; }
  const std::string& cursor() const { return cursor_; }
  const std::vector<Member>& members() const { return members_; }
  std::vector<std::string> condition_ids() const;
  // Newest trade time seen (this feed or the watermark) per member; absent = no trades at all.
  std::optional<int64_t> Newest(const std::string& condition_id) const;
  // Oldest trade time seen (this feed or earlier runs) per member.
  std::optional<int64_t> Oldest(const std::string& condition_id) const;
  int64_t pages() const { return pages_; }
  int64_t foreign_rows() const { return foreign_rows_; }

  nlohmann::json ToJson() const;
  static std::optional<TradeFeed> FromJson(const nlohmann::json& j);

 private:
  std::vector<Member> members_;
  std::map<std::string, size_t> index_;
  std::map<std::string, int64_t> newest_;
  std::map<std::string, int64_t> oldest_;
  std::string cursor_;
  bool finished_ = false;
  int64_t pages_ = 0;
  int64_t foreign_rows_ = 0;
  // Identical-fill numbering within the current timestamp.
  int64_t run_ts_ = INT64_MIN;
  std::unordered_map<uint64_t, int64_t> run_counts_;  // identity digest -> rows seen so far
};

}  // namespace polypipe::fetch
