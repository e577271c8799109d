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
// a few parts at a time, into tables a part is then taken from (see BuildGroup). Planning runs on a
// thread of the session's beside the fetch: the first part's rows are handed over as soon as its
// group is joined, so the first request does not wait for millions of markets to be planned.

#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
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
  // What a dataset's stream keys name: `market:<condition_id>`, or a token id.
  enum class StreamKeys { kMarket, kToken };

  // What a planner reads from the list: its datasets' streams, a count of its units per part, and
  // its rows.
  struct Plan {
    // Views `<dataset>_streams(key, value)` to define: the dataset's committed streams as of
    // Start, those of the part in the table (its market streams, or those of its tokens).
    std::vector<std::pair<std::string, StreamKeys>> streams;
    // Runs once per part with the part in the tables, on the planning thread; every part is
    // counted before the rows of any part but the first are read. Then `counted` runs.
    std::function<bronze::Status(duckdb_connection)> count;
    std::function<void()> counted;
    // The rows: a SELECT over `market_list`, `listed_tokens` and the streams views, ending with
    // an ORDER BY that orders the rows of a part completely (a LIMIT and an OFFSET are added).
    std::string select;
  };

  // Opens a session: counts the listed markets and decides the parts. `with_tokens` makes
  // `listed_tokens` the tokens of the list (else that view is empty: 3M tokens take seconds to
  // read). Fails (naming the data dir) when Bronze cannot be read or holds no complete market
  // snapshot.
  static bronze::Status Open(Context& ctx, bool with_tokens,
                             std::unique_ptr<PlanningSession>* session);
  // Stops planning (when a plan is running) and waits for it.
  ~PlanningSession();

  int64_t markets() const { return markets_; }
  int parts() const { return parts_; }

  // Calls `visit` with each listed market (condition_id, closed, trading_start) that meets the
  // SQL condition `where` on its condition_id. REQUIRES: no plan is running.
  bronze::Status ForEachMarket(const std::string& where,
                               const std::function<bronze::Status(const bronze::TextRow&)>& visit);

  // Starts planning `plan` on a thread of the session's: the rows of the first part come at once,
  // while the other parts are joined and counted; then the rest, part after part. A plan that is
  // running is stopped first.
  bronze::Status Start(Plan plan);
  // The next row of the plan (valid until the next call), waiting for planning when none is
  // ready; nullptr at the end, then status() says whether a query failed on the way.
  const bronze::TextRow* Next();
  bronze::Status status();

  // A market of a row whose first three columns are condition_id, closed, trading_start.
  static ListedMarket MarketOf(const bronze::TextRow& row);

  // Removes what planning sessions of an earlier process left in the data dir `dir` (the files of
  // their streams, see PinStreams). REQUIRES: the data dir is locked by this process.
  static void RemoveLeftovers(const std::string& dir);

 private:
  // Rows handed from the planning thread to the reader, text and spans of a few hundred rows.
  struct RowBlock {
    std::vector<std::string> columns;
    std::string text;
    std::vector<std::pair<uint32_t, int32_t>> values;  // offset, length (-1: NULL), row-major
    size_t rows = 0;
  };

  PlanningSession(Context& ctx, std::unique_ptr<bronze::DuckDbSession> db)
      : ctx_(ctx), db_(std::move(db)) {}

  // The SQL of the part of the market whose condition id is the SQL expression `condition_id`.
  std::string PartOf(std::string_view condition_id) const;
  // The SELECT of the rows of `market_list` whose condition_id meets the SQL condition `where`, or
  // of every market when it is empty.
  std::string ListSelect(const std::string& where) const;
  // The planning thread: see Start.
  void Run(const Plan& plan);
  bronze::Status RunSteps(const Plan& plan);
  // Defines the views `<dataset>_all_streams` of the plan's streams as of now.
  bronze::Status PinStreams(const Plan& plan);
  // Builds the parts of group `group` (kPartsPerGroup parts) into `list_parts`, `token_parts`
  // (once per session) and the plan's `<dataset>_stream_parts`: every part's rows with its part
  // number, read later by the part without the others. A list of one part reads its sources
  // directly instead.
  bronze::Status BuildGroup(const Plan& plan, int group);
  // Adds the rows of `select(parts)` (a SELECT of the rows whose part meets the condition `parts`,
  // "BETWEEN 3 AND 5", with their column `part`) for the parts of `group` to table `table`.
  bronze::Status FillGroup(const std::string& table, int group,
                           const std::function<std::string(const std::string& parts)>& select);
  // Fills `market_list`, `listed_tokens` and the plan's streams views with part `part`.
  bronze::Status UsePart(const Plan& plan, int part);
  // Runs one statement, again while it fails for memory (the run's Parquet writers share the
  // database and free theirs within moments).
  bronze::Status Execute(const std::string& sql);
  // Hands the rows of `sql` to the reader. With `rows` (the head), all of them at once, counted
  // in *rows; else waiting whenever kQueuedRows are ready.
  bronze::Status Emit(const std::string& sql, size_t* rows);
  // Ends the running plan (stopped: the reader sees the end) and waits for its thread.
  void Stop();
  // Whether the plan is asked to stop, or the run is stopping.
  bool Stopping();
  void RemovePins();

  // Parts joined together (see FillGroup).
  static constexpr int kPartsPerGroup = 3;
  // Rows ready for the reader once the head is out (see RunSteps); rows per block.
  static constexpr size_t kQueuedRows = 20'000;
  static constexpr size_t kBlockRows = 512;

  Context& ctx_;
  std::unique_ptr<bronze::DuckDbSession> db_;  // used by the planning thread while it runs
  int64_t markets_ = 0;
  int parts_ = 1;
  int part_ = -1;           // the part in `market_list`; -1 before the first
  int list_groups_ = 0;     // groups in `list_parts` and `token_parts`
  std::string pin_prefix_;  // the session's pinned streams files: <prefix><dataset>.parquet
  std::vector<std::string> pins_;
  // The runs whose snapshots make the list; empty when a source has none.
  std::string markets_run_, tokens_run_, gamma_run_;

  std::thread thread_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<RowBlock> blocks_;  // GUARDED_BY(mu_)
  size_t queued_rows_ = 0;       // GUARDED_BY(mu_)
  bool produced_ = true;         // GUARDED_BY(mu_): the thread has handed over its last row
  bool stop_ = false;            // GUARDED_BY(mu_)
  bronze::Status status_;        // GUARDED_BY(mu_)
  // The reader's side.
  RowBlock block_;
  size_t next_ = 0;
  bronze::TextRow row_;
};

}  // namespace polypipe::fetch
