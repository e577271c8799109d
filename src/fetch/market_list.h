// MarketList: the markets whose trades and prices a run fetches, read back from the newest
// complete snapshots in Bronze (CLOB `markets` + `market_tokens`, and Gamma `gamma_markets` for
// start/end dates and volume, which the CLOB list lacks).
//
// Reading the list from committed Parquet rather than from memory lets `--mode trades` and
// `--mode prices` run on their own, and a resumed run plan from exactly what it committed.
//
// The real list holds 1.5M markets and 3M tokens, more than the fetch's memory budget: it is built
// as the table `market_list` of a planning session (DuckDB with bounded memory, spilling under the
// data dir), where a planner joins it with its datasets' committed streams and reads the result
// through a cursor, a chunk at a time. A list longer than `plan.markets_per_part` is planned in
// parts (the markets whose condition id hashes to each), one part in the table at a time: DuckDB's
// joins and aggregates over millions of rows need far more memory than the fetch has (a GROUP BY of
// 2M groups fails under a 100 MB limit), one part's need stays small. Every part is joined once,
// when the session opens, into a table a part is then taken from (see BuildParts).

#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bronze/duckdb_session.h"
#include "fetch/context.h"

namespace polypipe::fetch {

// One market of the list, as a planner reads it.
struct ListedMarket {
  std::string condition_id;
  bool closed = false;
  // When trading began (unix seconds): Gamma startDate, else CLOB accepting_order_timestamp, else
  // Gamma createdAt; absent when no source knows.
  std::optional<int64_t> trading_start;
};

// The columns of table `market_list`, one row per market of the newest complete `markets`
// snapshot (at most ctx.limit(), in list order `f, r`):
//   f, r            list order (file number in path order, row in file): numbers, not the
//                   file's path on each of millions of rows
//   condition_id    VARCHAR
//   closed          BOOLEAN
//   book            'yes' | 'no' | 'unknown': whether the market ever had an order book (so a price
//                   series): Gamma enableOrderBook or a CLOB accepting_order_timestamp. CLOB's own
//                   enable_order_book is not used: it is switched off when a market closes. When
//                   neither source knows, the market's trades are the witness (see FetchPrices).
//   start           BIGINT: Gamma startDate, else createdAt
//   trading_start   BIGINT: see ListedMarket
//   end_ts          BIGINT: closed: Gamma closedTime, else endDate, else CLOB end_date_iso
//   volume          DOUBLE: Gamma volumeNum
// and the view `listed_tokens(condition_id, token_id, outcome_index)`: the tokens of the newest
// complete `market_tokens` snapshot (of the part's markets, when the list is in parts).
class PlanningSession {
 public:
  // Reads the rows of one SELECT over `market_list` (and `listed_tokens`) part after part: the
  // order the SELECT gives within each part, parts in turn.
  class Cursor {
   public:
    Cursor(PlanningSession& list, std::string sql) : list_(list), sql_(std::move(sql)) {}
    // The next row (valid until the next call), or nullptr at the end; then status() says whether
    // a query failed on the way.
    const bronze::TextRow* Next();
    const bronze::Status& status() const { return status_; }

   private:
    PlanningSession& list_;
    const std::string sql_;
    int part_ = -1;
    std::unique_ptr<bronze::RowCursor> rows_;
    bronze::Status status_;
  };

  // Opens a session and builds `market_list`, and `listed_tokens` when `with_tokens` (else that
  // view is empty: 3M tokens take seconds to read). Fails (naming the data dir) when Bronze cannot
  // be read or holds no complete market snapshot.
  static bronze::Status Open(Context& ctx, bool with_tokens,
                             std::unique_ptr<PlanningSession>* session);

  bronze::DuckDbSession& db() { return *db_; }
  int64_t markets() const { return markets_; }
  int parts() const { return parts_; }

  // Fills `market_list` and `listed_tokens` with part `part` (0 <= part < parts()) of the list.
  // REQUIRES: no cursor of the session is open.
  bronze::Status UsePart(int part);

  // Calls `visit` with each part in turn in the table.
  bronze::Status ForEachPart(const std::function<bronze::Status()>& visit);

  // What a dataset's stream keys name: `market:<condition_id>`, or a token id.
  enum class StreamKeys { kMarket, kToken };
  // Defines the view `<dataset>_streams(key, value)`: the dataset's committed streams as of now.
  // A list in parts holds them split by part (once, on disk beyond the memory limit), and the view
  // shows those of the part in the table: the market streams, or those of its tokens (`keys`).
  bronze::Status DefineStreams(const std::string& dataset, StreamKeys keys);

  // A market of a cursor row whose first three columns are condition_id, closed, trading_start.
  static ListedMarket MarketOf(const bronze::TextRow& row);

 private:
  PlanningSession(Context& ctx, std::unique_ptr<bronze::DuckDbSession> db)
      : ctx_(ctx), db_(std::move(db)) {}

  // The SQL of the part of the market whose condition id is the SQL expression `condition_id`.
  std::string PartOf(std::string_view condition_id) const;
  // The SELECT of the rows of `market_list` for the parts of the condition `parts` ("BETWEEN 0
  // AND 2"), or for every market when it is empty.
  std::string ListSelect(const std::string& parts) const;
  // Builds the tables `list_parts` and `token_parts`: every part's markets and tokens, each with
  // its part number.
  bronze::Status BuildParts();
  // Creates the table `table` from the rows of `select(parts)`, a SELECT of the rows whose part
  // meets the condition `parts` ("BETWEEN 3 AND 5") with their column `part`, for a few parts at
  // a time.
  bronze::Status FillByParts(const std::string& table,
                             const std::function<std::string(const std::string& parts)>& select);
  // Points the view `<dataset>_streams` at the streams of `part`.
  bronze::Status UseStreamsPart(const std::string& dataset, int part);

  Context& ctx_;
  std::unique_ptr<bronze::DuckDbSession> db_;
  int64_t markets_ = 0;
  int parts_ = 1;
  int part_ = -1;  // the part in the table; -1 before the first
  // The runs whose snapshots make the list; empty when a source has none.
  std::string markets_run_, tokens_run_, gamma_run_;
  std::vector<std::string> parted_streams_;  // datasets whose streams are split by part
};

}  // namespace polypipe::fetch
