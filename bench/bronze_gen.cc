// bronze_gen: writes a synthetic Bronze data directory the way `polypipe fetch` lays it out, for
// the Silver scale benchmark (BENCH_ONLY=silver_scale): trades Parquet files with the exact
// Bronze trades schema in trades/dt=YYYY-MM-DD/ partitions, commit records in trades/_log/
// (bronze::SerializeCommitRecord), and the markets and market_tokens snapshots the trades refer
// to. Rows are computed by DuckDB from their index (no randomness), so two runs with the same
// arguments write the same rows.
//
// Usage: bronze_gen DIR --first-day YYYY-MM-DD [--days D] [--trades N] [--file-rows R]
//                   [--files-per-commit F] [--markets M] [--wallets W] [--first-trade I]
//   Writes N trades spread evenly over D days from --first-day, in files of at most R rows (one
//   day's files never hold another day's rows), F files per commit record. Trade i (counted from
//   --first-trade, so a later call can add new fills) trades market i*7919 mod M. When N divides
//   evenly into D days, later days repeat the first day's fills moved by whole days. The first call
//   on DIR also writes the M markets and their 2M tokens; later calls append commit records after
//   the last one. Prints one line per commit and a total.
//
// Not thread-safe in any interesting way: one process, one DuckDB session.

#include <fmt/core.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "bronze/commit_record.h"
#include "bronze/duckdb_session.h"
#include "bronze/durable_fs.h"
#include "bronze/utc_time.h"

namespace {

namespace fs = std::filesystem;
using polypipe::bronze::CommitRecord;
using polypipe::bronze::CommittedFile;
using polypipe::bronze::DuckDbSession;
using polypipe::bronze::Status;

struct Args {
  std::string dir;
  std::string first_day;
  int64_t days = 1;
  int64_t trades = 1'000'000;
  int64_t file_rows = 1'000'000;
  int64_t files_per_commit = 4;
  int64_t markets = 20'000;
  int64_t wallets = 300'000;
  int64_t first_trade = 0;
};

constexpr char kRunId[] = "bench-gen";
constexpr char kParquet[] =
    "(FORMAT PARQUET, COMPRESSION ZSTD, COMPRESSION_LEVEL 1, ROW_GROUP_SIZE 20000)";

bool ParseArgs(int argc, char** argv, Args* a) {
  if (argc < 2) return false;
  a->dir = argv[1];
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--first-day") {
      a->first_day = value;
      continue;
    }
    int64_t* target = flag == "--days"               ? &a->days
                      : flag == "--trades"           ? &a->trades
                      : flag == "--file-rows"        ? &a->file_rows
                      : flag == "--files-per-commit" ? &a->files_per_commit
                      : flag == "--markets"          ? &a->markets
                      : flag == "--wallets"          ? &a->wallets
                      : flag == "--first-trade"      ? &a->first_trade
                                                     : nullptr;
    if (target == nullptr) return false;
    *target = std::strtoll(value.c_str(), nullptr, 10);
  }
  return argc % 2 == 0 && a->first_day.size() == 10 && a->days > 0 && a->trades > 0 &&
         a->file_rows > 0 && a->files_per_commit > 0 && a->markets > 0 && a->wallets > 0;
}

// Seconds since the epoch of "YYYY-MM-DD" 00:00 UTC.
int64_t DaySeconds(const std::string& day) {
  const int y = std::stoi(day.substr(0, 4)), m = std::stoi(day.substr(5, 2)),
            d = std::stoi(day.substr(8, 2));
  // Days from civil (H. Hinnant's algorithm).
  const int yy = y - (m <= 2);
  const int era = (yy >= 0 ? yy : yy - 399) / 400;
  const int yoe = yy - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return (static_cast<int64_t>(era) * 146097 + doe - 719468) * 86400;
}

std::string Day(int64_t seconds) {
  return polypipe::bronze::DateOfMicros(seconds * 1'000'000).value_or("1970-01-01");
}

// The next commit sequence number of a dataset's log (1 for an empty log).
uint64_t NextSeq(const std::string& log_dir) {
  uint64_t next = 1;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(log_dir, ec)) {
    uint64_t seq = 0;
    if (polypipe::bronze::ParseCommitLogFileName(entry.path().filename().string(), &seq)) {
      next = std::max(next, seq + 1);
    }
  }
  return next;
}

Status WriteRecord(const std::string& dataset_dir, CommitRecord record) {
  record.rows = 0;
  for (const CommittedFile& f : record.files) record.rows += f.rows;
  const std::string log_dir = dataset_dir + "/_log";
  const std::string final_path = log_dir + "/" + polypipe::bronze::CommitLogFileName(record.seq);
  Status s = polypipe::bronze::WriteFileSynced(final_path + ".tmp",
                                               polypipe::bronze::SerializeCommitRecord(record));
  if (s.ok()) s = polypipe::bronze::RenameFile(final_path + ".tmp", final_path);
  return s;
}

// Every market and wallet as a temp table; trades join them by index.
Status DefineUniverse(DuckDbSession& db, const Args& a) {
  Status s = db.Execute(fmt::format(
      "CREATE TEMP TABLE gen_markets AS SELECT m, "
      "'0x' || md5('c' || m) || md5('C' || m) AS condition_id, "
      "'0x' || md5('q' || m) || md5('Q' || m) AS question_id, "
      "'Will outcome ' || m || ' happen by the end of the quarter?' AS question, "
      "'market-' || m || '-by-the-end-of-the-quarter' AS slug, "
      "'event-' || (m // 4) AS event_slug, "
      "'https://polymarket-upload.s3.us-east-2.amazonaws.com/market-' || m || '.png' AS icon, "
      // Decimal token ids of 77 digits, as the CLOB's uint256 ids.
      "(hash(m, 0)::VARCHAR || hash(m, 1)::VARCHAR || hash(m, 2)::VARCHAR || hash(m, 3)::VARCHAR)"
      "[1:77] AS yes_token, "
      "(hash(m, 4)::VARCHAR || hash(m, 5)::VARCHAR || hash(m, 6)::VARCHAR || hash(m, 7)::VARCHAR)"
      "[1:77] AS no_token "
      "FROM range({}) t(m)",
      a.markets));
  if (!s.ok()) return s;
  return db.Execute(fmt::format(
      "CREATE TEMP TABLE gen_wallets AS SELECT w, "
      "'0x' || md5('w' || w)[1:40] AS address, "
      "CASE WHEN w % 3 = 0 THEN 'trader' || w ELSE '' END AS name, "
      "'Pseudo-Name-' || w AS pseudonym, "
      "CASE WHEN w % 5 = 0 THEN 'bio of ' || w ELSE '' END AS bio, "
      "CASE WHEN w % 2 = 0 THEN 'https://polymarket-upload.s3.amazonaws.com/profile-' || w || "
      "'.png' ELSE '' END AS profile_image "
      "FROM range({}) t(w)",
      a.wallets));
}

// The markets and market_tokens snapshots (one commit each), dated the day before the trades.
Status WriteDimensions(DuckDbSession& db, const Args& a, int64_t fetched_s) {
  const std::string day = Day(fetched_s);
  const std::string fetched = fmt::format("make_timestamp({}::BIGINT)", fetched_s * 1'000'000);
  struct Dataset {
    std::string name, select;
  };
  const std::vector<Dataset> datasets = {
      {"markets",
       fmt::format(
           "SELECT condition_id, question_id, question, 'Resolves YES if outcome ' || m || "
           "' happens.' AS description, slug AS market_slug, "
           "make_timestamp(({} + 86400 * 90)::BIGINT * 1000000) AS end_date_iso, "
           "NULL::TIMESTAMP AS game_start_time, "
           "make_timestamp(({} - 86400 * 400)::BIGINT * 1000000) AS accepting_order_timestamp, "
           "true AS active, false AS closed, false AS archived, true AS accepting_orders, "
           "true AS enable_order_book, 5.0::DOUBLE AS minimum_order_size, "
           "0.01::DOUBLE AS minimum_tick_size, 0::BIGINT AS seconds_delay, ''::VARCHAR AS fpmm, "
           "0::BIGINT AS maker_base_fee, 0::BIGINT AS taker_base_fee, "
           "true AS notifications_enabled, m % 4 = 0 AS neg_risk, "
           "''::VARCHAR AS neg_risk_market_id, ''::VARCHAR AS neg_risk_request_id, icon, "
           "icon AS image, '{{\"rates\":null,\"min_size\":0,\"max_spread\":0}}'::VARCHAR AS "
           "rewards, "
           "false AS is_50_50_outcome, ['Politics', 'tag-' || (m % 50)] AS tags, "
           "NULL::VARCHAR AS _extra, {} AS _fetched_at, '{}'::VARCHAR AS _run_id, "
           "'clob/markets'::VARCHAR AS _source FROM gen_markets",
           fetched_s, fetched_s, fetched, kRunId)},
      {"market_tokens",
       fmt::format("SELECT condition_id, CASE WHEN o = 0 THEN yes_token ELSE no_token END AS "
                   "token_id, CASE WHEN o = 0 THEN 'Yes' ELSE 'No' END AS outcome, "
                   "o::BIGINT AS outcome_index, 0.5::DOUBLE AS price, false AS winner, "
                   "NULL::VARCHAR AS _extra, {} AS _fetched_at, '{}'::VARCHAR AS _run_id, "
                   "'clob/markets'::VARCHAR AS _source "
                   "FROM gen_markets, range(2) r(o)",
                   fetched, kRunId)}};
  for (const Dataset& d : datasets) {
    const std::string dataset_dir = a.dir + "/" + d.name;
    Status s = polypipe::bronze::MakeDirs(dataset_dir + "/_log");
    if (s.ok()) s = polypipe::bronze::MakeDirs(dataset_dir + "/dt=" + day);
    if (!s.ok()) return s;
    const std::string rel = fmt::format("dt={}/{}_{}.parquet", day, d.name,
                                        polypipe::bronze::FileStampOfMicros(fetched_s * 1'000'000));
    s = db.Execute(fmt::format("COPY ({}) TO {} {}", d.select,
                               polypipe::bronze::QuoteSqlString(dataset_dir + "/" + rel),
                               kParquet));
    if (!s.ok()) return s;
    CommitRecord record;
    record.seq = NextSeq(dataset_dir + "/_log");
    record.dataset = d.name;
    record.run_id = kRunId;
    record.committed_at = polypipe::bronze::IsoOfMicros(fetched_s * 1'000'000);
    CommittedFile f;
    f.path = rel;
    f.rows = d.name == "markets" ? a.markets : 2 * a.markets;
    f.bytes = static_cast<int64_t>(fs::file_size(dataset_dir + "/" + rel));
    f.min_event_us = f.max_event_us = fetched_s * 1'000'000;
    record.files.push_back(f);
    s = WriteRecord(dataset_dir, std::move(record));
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

// One trades file: rows [first, first + rows) of the day starting at day_s, evenly spread over
// the day. Fills are sized and priced from their index; fills 2k and 2k+1 share a transaction
// (a buy matched against a sell).
std::string TradesSelect(const Args& a, int64_t first, int64_t rows, int64_t day_s,
                         int64_t day_first, int64_t day_rows, int64_t fetched_s) {
  return fmt::format(
      "SELECT w.address AS proxy_wallet, CASE WHEN i % 2 = 0 THEN 'BUY' ELSE 'SELL' END AS side, "
      "CASE WHEN i % 3 = 0 THEN m.no_token ELSE m.yes_token END AS token_id, m.condition_id, "
      "round(1 + (hash(i, 'size') % 500000) / 100.0, 2)::DOUBLE AS size, "
      "round(0.01 + (hash(i, 'price') % 98) / 100.0, 2)::DOUBLE AS price, "
      "({day_s} + (i - {day_first}) * 86400 // {day_rows})::BIGINT AS \"timestamp\", "
      "m.question AS title, m.slug, m.icon, m.event_slug, "
      "CASE WHEN i % 3 = 0 THEN 'No' ELSE 'Yes' END AS outcome, "
      "CASE WHEN i % 3 = 0 THEN 1 ELSE 0 END::BIGINT AS outcome_index, w.name, w.pseudonym, "
      "w.bio, w.profile_image, w.profile_image AS profile_image_optimized, "
      "'0x' || md5('tx' || i // 2) || md5('TX' || i // 2) AS "
      "transaction_hash, 0::BIGINT AS fill_seq, NULL::VARCHAR AS _extra, "
      "make_timestamp({fetched_us}::BIGINT) AS _fetched_at, '{run}'::VARCHAR AS _run_id, "
      "'data/v2/trades'::VARCHAR AS _source "
      "FROM range({first}, {end}) t(i) "
      "JOIN gen_markets m ON m.m = (i * 7919) % {markets} "
      "JOIN gen_wallets w ON w.w = hash(i, 'wallet') % {wallets}",
      fmt::arg("day_s", day_s), fmt::arg("day_first", day_first), fmt::arg("day_rows", day_rows),
      fmt::arg("fetched_us", fetched_s * 1'000'000), fmt::arg("run", kRunId),
      fmt::arg("first", first), fmt::arg("end", first + rows), fmt::arg("markets", a.markets),
      fmt::arg("wallets", a.wallets));
}

Status WriteTrades(DuckDbSession& db, const Args& a) {
  const std::string dataset_dir = a.dir + "/trades";
  Status s = polypipe::bronze::MakeDirs(dataset_dir + "/_log");
  if (!s.ok()) return s;
  const int64_t first_day_s = DaySeconds(a.first_day);
  const int64_t fetched_s = first_day_s + a.days * 86400 + 3600;
  CommitRecord record;
  int64_t written = 0, stamp_us = fetched_s * 1'000'000;
  const bool even = a.trades % a.days == 0;
  std::vector<std::string> first_day_files;
  auto flush = [&]() -> Status {
    if (record.files.empty()) return Status::Ok();
    record.seq = NextSeq(dataset_dir + "/_log");
    record.dataset = "trades";
    record.run_id = kRunId;
    record.committed_at = polypipe::bronze::IsoOfMicros(stamp_us);
    // The feed state of a few markets, as the fetcher's records carry it.
    for (int64_t m = static_cast<int64_t>(record.seq % 97); m < a.markets; m += 97) {
      record.progress[fmt::format("market:{}", m)] = {
          {"w", fetched_s}, {"oldest", first_day_s}, {"done", false}, {"run", kRunId}};
    }
    Status w = WriteRecord(dataset_dir, std::move(record));
    fmt::print("  commit {}: {} trades so far\n", NextSeq(dataset_dir + "/_log") - 1, written);
    std::fflush(stdout);
    record = CommitRecord{};
    return w;
  };
  for (int64_t d = 0; d < a.days; ++d) {
    const int64_t day_first = a.first_trade + a.trades * d / a.days;
    const int64_t day_end = a.first_trade + a.trades * (d + 1) / a.days;
    const int64_t day_s = first_day_s + d * 86400;
    const std::string day = Day(day_s);
    s = polypipe::bronze::MakeDirs(dataset_dir + "/dt=" + day);
    if (!s.ok()) return s;
    for (int64_t first = day_first; first < day_end; first += a.file_rows) {
      const int64_t rows = std::min(a.file_rows, day_end - first);
      stamp_us += 1000;
      const std::string rel = fmt::format("dt={}/trades_{}.parquet", day,
                                          polypipe::bronze::FileStampOfMicros(stamp_us));
      // Later days of an even split repeat the first day's file shifted by whole days: half the
      // cost of computing the rows, and every natural key stays distinct (it holds the time).
      const size_t k = static_cast<size_t>((first - day_first) / a.file_rows);
      const std::string select =
          d > 0 && even && k < first_day_files.size()
              ? fmt::format(
                    "SELECT * REPLACE (\"timestamp\" + {} AS \"timestamp\") FROM {}", d * 86400,
                    polypipe::bronze::QuoteSqlString(dataset_dir + "/" + first_day_files[k]))
              : TradesSelect(a, first, rows, day_s, day_first, day_end - day_first, fetched_s);
      s = db.Execute(fmt::format("COPY ({}) TO {} {}", select,
                                 polypipe::bronze::QuoteSqlString(dataset_dir + "/" + rel),
                                 kParquet));
      if (!s.ok()) return s;
      if (d == 0) first_day_files.push_back(rel);
      CommittedFile f;
      f.path = rel;
      f.rows = rows;
      f.bytes = static_cast<int64_t>(fs::file_size(dataset_dir + "/" + rel));
      f.min_event_us = (day_s + (first - day_first) * 86400 / (day_end - day_first)) * 1'000'000;
      f.max_event_us =
          (day_s + (first + rows - 1 - day_first) * 86400 / (day_end - day_first)) * 1'000'000;
      record.files.push_back(f);
      written += rows;
      if (static_cast<int64_t>(record.files.size()) >= a.files_per_commit) {
        s = flush();
        if (!s.ok()) return s;
      }
    }
  }
  return flush();
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  if (!ParseArgs(argc, argv, &a)) {
    fmt::print(stderr,
               "usage: bronze_gen DIR --first-day YYYY-MM-DD [--days D] [--trades N] "
               "[--file-rows R] [--files-per-commit F] [--markets M] [--wallets W] "
               "[--first-trade I]\n");
    return 2;
  }
  polypipe::bronze::DuckDbOptions options;
  options.memory_limit = "2GB";
  options.threads = 2;
  options.temp_directory = a.dir + "/.gen-tmp";
  std::unique_ptr<DuckDbSession> db;
  Status s = DuckDbSession::Open(options, &db);
  if (s.ok()) s = DefineUniverse(*db, a);
  if (s.ok() && !polypipe::bronze::IsDirectory(a.dir + "/markets/_log")) {
    s = WriteDimensions(*db, a, DaySeconds(a.first_day) - 86400);
  }
  if (s.ok()) s = WriteTrades(*db, a);
  if (!s.ok()) {
    fmt::print(stderr, "bronze_gen: {}\n", s.message());
    return 1;
  }
  std::error_code ec;
  fs::remove_all(a.dir + "/.gen-tmp", ec);
  fmt::print("bronze_gen: {} trades over {} day(s) from {} into {}\n", a.trades, a.days,
             a.first_day, a.dir);
  return 0;
}
