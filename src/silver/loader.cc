#include "silver/loader.h"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "bronze/commit_record.h"
#include "bronze/duckdb_session.h"
#include "bronze/durable_fs.h"
#include "bronze/failpoint.h"
#include "bronze/thousands.h"
#include "silver/bronze_log.h"
#include "silver/silver_db.h"
#include "silver/sql.h"

namespace polypipe::silver {
namespace {

using bronze::QuoteSqlString;
using bronze::Thousands;
using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A commit record chosen for this load.
struct PlannedCommit {
  const BronzeCommit* commit;
  std::vector<const BronzeFile*> files;  // those not replaced by a later compaction
  // False for a compaction whose replaced files are all loaded: its files hold rows Silver has,
  // so they are only recorded as loaded.
  bool load = true;
};

struct DatasetPlan {
  DatasetLoad summary;
  std::vector<BronzeCommit> commits;  // everything in the log
  std::string checkpoint_streams;     // the streams file of the log's newest checkpoint, if any
  std::vector<PlannedCommit> planned;
};

// Prints DuckDB's progress for statements that run long, so a big load is not silent.
class ProgressTicker {
 public:
  ProgressTicker(const SilverDb* db, std::FILE* out, std::string label)
      : db_(db), out_(out), label_(std::move(label)) {
    if (out_ == nullptr) return;
    thread_ = std::thread([this] { Loop(); });
  }
  ~ProgressTicker() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Loop() {
    const auto start = Clock::now();
    std::unique_lock<std::mutex> lock(mu_);
    // Bounded by the load itself: the destructor ends the loop.
    while (!cv_.wait_for(lock, std::chrono::seconds(5), [this] { return done_; })) {
      const double pct = db_->Progress();
      if (pct >= 0) {
        fmt::print(out_, "  {:<16} … {:.0f}% of the current statement, {:.0f} s\n", label_, pct,
                   SecondsSince(start));
      } else {
        fmt::print(out_, "  {:<16} … {:.0f} s\n", label_, SecondsSince(start));
      }
      std::fflush(out_);
    }
  }

  const SilverDb* db_;
  std::FILE* out_;
  std::string label_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

Status RunSql(SilverDb& db, const std::string& name) {
  const std::string_view sql = EmbeddedSql(name);
  if (sql.empty()) return Status::Error(fmt::format("no embedded SQL named {}", name));
  Status s = db.Execute(std::string(sql));
  if (!s.ok()) return Status::Error(fmt::format("{}.sql: {}", name, s.message()));
  return s;
}

// read_parquet over the listed files (relative to the Bronze directory), paths quoted.
std::string ReadParquetOf(const std::string& bronze_dir, const std::vector<std::string>& paths) {
  std::string list;
  for (const std::string& p : paths) {
    if (!list.empty()) list += ", ";
    list += QuoteSqlString(bronze_dir + "/" + p);
  }
  return fmt::format("read_parquet([{}], union_by_name = true)", list);
}

// Sets load_ctx.next_trade_id: one above the largest trade_id. That id belongs to the newest load
// that added trades, so it is looked up among that load's rows, which DuckDB finds from the
// row groups' load_id statistics without reading the whole fact table.
Status SetNextTradeId(SilverDb& db, int64_t load_id) {
  int64_t last_load = 0;
  Status s = db.QueryInt(fmt::format("SELECT max(load_id) FROM loader.commits WHERE dataset = "
                                     "'trades' AND load_id < {}",
                                     load_id),
                         &last_load);
  int64_t max_id = 0;
  // An earlier batch of this load, else the newest load before it.
  for (const int64_t candidate : {load_id, last_load}) {
    if (!s.ok() || max_id > 0 || candidate == 0) continue;
    s = db.QueryInt(
        fmt::format("SELECT max(trade_id) FROM TradeFact WHERE load_id = {}", candidate), &max_id);
  }
  // That load added no new fill (all repeats): the table has to be read.
  if (s.ok() && max_id == 0) s = db.QueryInt("SELECT max(trade_id) FROM TradeFact", &max_id);
  if (s.ok()) s = db.Execute(fmt::format("UPDATE load_ctx SET next_trade_id = {}", max_id + 1));
  return s;
}

// Trades files are loaded in batches of about this many rows, so that what one statement holds
// (the check for repeated fills, the grouping when there are some) does not grow with the load.
constexpr int64_t kTradeBatchRows = 4'000'000;

// The paths of a dataset's planned files in the batches they are loaded in: one batch, except for
// trades, whose files go by whole dt= partitions in date order (a fill's copies share its
// timestamp and so its partition, so no repeat crosses two batches; the exception, fills without
// a usable timestamp, are filed by fetch date and were never matched against loaded rows either),
// each batch in commit order.
std::vector<std::vector<std::string>> LoadBatches(const std::string& dataset,
                                                  const std::vector<PlannedCommit>& planned) {
  std::map<std::string, std::vector<const BronzeFile*>> by_date;
  for (const PlannedCommit& pc : planned) {
    if (!pc.load) continue;
    for (const BronzeFile* f : pc.files) {
      const size_t at = f->path.find("/dt=");
      by_date[dataset == "trades" && at != std::string::npos ? f->path.substr(at + 4, 10) : ""]
          .push_back(f);
    }
  }
  std::vector<std::vector<std::string>> batches;
  int64_t rows = kTradeBatchRows;
  for (const auto& [date, files] : by_date) {
    if (rows >= kTradeBatchRows) {
      batches.emplace_back();
      rows = 0;
    }
    for (const BronzeFile* f : files) {
      batches.back().push_back(f->path);
      rows += f->rows;
    }
  }
  return batches;
}

// Builds batch_trades over view new_trades (trades_batch_*.sql) and sets next_trade_id.
template <typename RunStep>
Status PrepareTrades(SilverDb& db, int64_t load_id, RunStep& run_step) {
  // Fills repeat only when runs overlap (`fetch --fresh`); deduplicating costs a grouping of
  // the whole batch, so it is done only when needed.
  int64_t distinct = 0;
  Status s = db.QueryInt(std::string(EmbeddedSql("trades_distinct")), &distinct);
  if (s.ok()) s = run_step("trades", distinct ? "trades_batch_distinct" : "trades_batch_dedupe");
  if (s.ok()) s = SetNextTradeId(db, load_id);
  return s;
}

// The fetcher's progress key of a market's trade feed: "market:<condition id>".
constexpr char kMarketStreamPrefix[] = "market:";

}  // namespace

Loader::Loader(LoadOptions options, std::FILE* progress)
    : options_(std::move(options)), progress_(progress) {}

void Loader::Say(const std::string& line) const {
  if (progress_ == nullptr) return;
  fmt::print(progress_, "{}\n", line);
  std::fflush(progress_);
}

Status Loader::Run(LoadReport* report) {
  // A compaction replaces files and then deletes them: one this load planned to read may vanish
  // while it runs. The commit that replaced it is in the log by then, so planning again finds it.
  Status s;
  for (int attempt = 0; attempt < 3; ++attempt) {
    files_vanished_ = false;
    s = RunOnce(report);
    if (s.ok() || !files_vanished_) break;
    Say("load-silver: files of this load were compacted while it ran; planning again");
  }
  return s;
}

Status Loader::RunOnce(LoadReport* report) {
  *report = LoadReport{};
  failure_kind_ = FailureKind::kFailure;
  const auto start = Clock::now();
  std::string bronze_dir = options_.bronze_dir;
  while (bronze_dir.size() > 1 && bronze_dir.back() == '/') bronze_dir.pop_back();
  if (!bronze::IsDirectory(bronze_dir)) {
    failure_kind_ = FailureKind::kUsage;
    return Status::Error(fmt::format("--bronze {}: no such directory", bronze_dir));
  }
  std::error_code ec;
  const std::string bronze_abs = std::filesystem::absolute(bronze_dir, ec).lexically_normal();

  // 1. What Bronze has committed.
  std::vector<DatasetPlan> plans;
  for (const std::string& dataset : kBronzeDatasets) {
    DatasetPlan plan;
    plan.summary.dataset = dataset;
    Status s = ReadCommits(bronze_dir, dataset, &plan.commits, &plan.checkpoint_streams);
    if (!s.ok()) return s;
    plans.push_back(std::move(plan));
  }

  // 2. What Silver has loaded.
  const std::string temp_directory =
      options_.temp_directory.empty() ? options_.silver_path + ".tmp" : options_.temp_directory;
  std::unique_ptr<SilverDb> db;
  const bool exists = bronze::PathExists(options_.silver_path);
  if (options_.dry_run && !exists) {
    // Nothing loaded yet; nothing to open (a dry run creates no file).
  } else {
    if (!exists) {
      const std::string parent = bronze::DirName(options_.silver_path);
      if (!parent.empty() && !bronze::IsDirectory(parent)) {
        Status s = bronze::MakeDirs(parent);
        if (!s.ok()) return s;
      }
    }
    SilverDbOptions db_options;
    db_options.read_only = options_.dry_run;
    db_options.threads = options_.threads;
    db_options.memory_limit = DuckDbMemoryLimit(options_.memory_limit);
    db_options.temp_directory = temp_directory;
    Status s = SilverDb::Open(options_.silver_path, db_options, &db);
    if (!s.ok()) return s;
  }
  std::set<std::string> loaded_commits;
  bool has_schema = false;
  if (db) {
    Status s = db->TableExists("loader", "commits", &has_schema);
    if (!s.ok()) return s;
    if (has_schema) {
      QueryResult r;
      s = db->Query("SELECT dataset || '/' || seq || '/' || run_id FROM loader.commits", &r);
      if (!s.ok()) return Status::Error(fmt::format("{}: {}", options_.silver_path, s.message()));
      for (const auto& row : r.rows) loaded_commits.insert(row[0].value_or(""));
    }
  }

  // 3. The plan: commit records not loaded before whose files are all in place. A compaction
  //    whose replaced files Silver has all loaded is recorded without loading its files; one
  //    whose replaced files were partly loaded is loaded like any commit (facts are deduplicated
  //    by their natural keys, dimensions keep the newest snapshot).
  for (DatasetPlan& plan : plans) {
    std::set<std::string> loaded_files;
    const bool compacted =
        std::any_of(plan.commits.begin(), plan.commits.end(), [&](const BronzeCommit& c) {
          return !c.removed.empty() &&
                 loaded_commits.count(fmt::format("{}/{}/{}", c.dataset, c.seq, c.run_id)) == 0;
        });
    if (compacted && has_schema) {
      Status s = bronze::ForEachRow(db->connection(),
                                    fmt::format("SELECT path FROM loader.files WHERE dataset = {}",
                                                QuoteSqlString(plan.summary.dataset)),
                                    [&](const bronze::TextRow& row) {
                                      if (row.values[0]) loaded_files.emplace(*row.values[0]);
                                      return Status::Ok();
                                    });
      if (!s.ok()) return Status::Error(fmt::format("{}: {}", options_.silver_path, s.message()));
    }
    for (const BronzeCommit& c : plan.commits) {
      const bool loaded =
          loaded_commits.count(fmt::format("{}/{}/{}", c.dataset, c.seq, c.run_id)) > 0;
      if (loaded) {
        plan.summary.loaded_before += static_cast<int64_t>(c.files.size());
        continue;
      }
      if (!c.in_place) {
        ++plan.summary.pending;
        continue;
      }
      PlannedCommit pc{&c, {}};
      pc.load = c.removed.empty() ||
                !std::all_of(c.removed.begin(), c.removed.end(),
                             [&](const std::string& path) { return loaded_files.count(path); });
      for (const BronzeFile& f : c.files) {
        if (!pc.load) loaded_files.insert(f.path);  // a later compaction may replace it
        if (f.replaced) continue;
        pc.files.push_back(&f);
        if (!pc.load) {
          ++report->compacted_files;
          continue;
        }
        ++plan.summary.files;
        plan.summary.rows += f.rows;
      }
      ++plan.summary.commits;
      plan.planned.push_back(std::move(pc));
    }
    report->files += plan.summary.files;
    report->rows += plan.summary.rows;
  }
  int64_t new_commits = 0;
  for (const DatasetPlan& plan : plans) new_commits += plan.summary.commits;

  if (options_.dry_run) {
    for (const DatasetPlan& plan : plans) report->datasets.push_back(plan.summary);
    report->seconds = SecondsSince(start);
    failure_kind_ = FailureKind::kNone;
    return Status::Ok();
  }

  if (new_commits == 0) {
    if (!has_schema) {  // a first load of an empty Bronze still leaves queryable, empty tables
      Status s = db->Execute("BEGIN TRANSACTION");
      if (s.ok()) s = RunSql(*db, "schema");
      if (s.ok()) s = RunSql(*db, "gold");
      if (s.ok()) s = db->Execute("COMMIT");
      if (!s.ok()) {
        db->Execute("ROLLBACK");
        return s;
      }
    }
    for (const DatasetPlan& plan : plans) report->datasets.push_back(plan.summary);
    report->seconds = SecondsSince(start);
    failure_kind_ = FailureKind::kNone;
    return Status::Ok();
  }

  // Rows of a file are numbered file_index * file_slot + row (see trades_batch_*.sql): a power of
  // two above the largest file of the load.
  int64_t largest = 0;
  for (const DatasetPlan& plan : plans) {
    for (const PlannedCommit& pc : plan.planned) {
      for (const BronzeFile* f : pc.files) largest = std::max(largest, f->rows);
    }
  }
  int64_t file_slot = 1024;
  while (file_slot <= largest) file_slot *= 2;

  // 4. One transaction: schema, datasets in dependency order, links, bookkeeping, Gold.
  Status s = db->Execute("BEGIN TRANSACTION");
  if (!s.ok()) return s;
  auto fail = [&](Status error) {
    db->Execute("ROLLBACK");
    for (const DatasetPlan& plan : plans) {
      for (const PlannedCommit& pc : plan.planned) {
        for (const BronzeFile* f : pc.files) {
          if (pc.load && !bronze::PathExists(bronze_dir + "/" + f->path)) files_vanished_ = true;
        }
      }
    }
    return error;
  };
  s = RunSql(*db, "schema");
  if (!s.ok()) return fail(s);
  int64_t load_id = 0;
  s = db->QueryInt("SELECT coalesce(max(load_id), 0) + 1 FROM loader.loads", &load_id);
  if (!s.ok()) return fail(s);
  s = db->Execute(
      fmt::format("CREATE OR REPLACE TEMP TABLE load_ctx AS SELECT {}::BIGINT AS load_id, "
                  "{}::BIGINT AS file_slot, 0::BIGINT AS next_trade_id, "
                  "now()::TIMESTAMP AS started_at; "
                  "CREATE OR REPLACE TEMP TABLE affected_markets (condition_id VARCHAR);",
                  load_id, file_slot));
  if (!s.ok()) return fail(s);
  report->load_id = load_id;
  Say(
      fmt::format("load-silver: load {}: {} files, {} rows from {} into {} (memory_limit {}, "
                  "spilling to {})",
                  load_id, Thousands(report->files), Thousands(report->rows), bronze_dir,
                  options_.silver_path, options_.memory_limit, temp_directory));

  bool markets_changed = false;
  auto run_step = [&](const std::string& label, const std::string& sql_name) {
    ProgressTicker ticker(db.get(), progress_, label);
    return RunSql(*db, sql_name);
  };
  for (DatasetPlan& plan : plans) {
    const std::string& dataset = plan.summary.dataset;
    if (dataset == "trades") {
      // Every dimension of this load is in place: link the facts of earlier loads to it now,
      // while the new facts (linked by their own joins) are not in the fact tables yet.
      s = run_step("links", "link_keys");
      if (!s.ok()) return fail(s);
    }
    const auto t0 = Clock::now();
    for (const std::vector<std::string>& paths : LoadBatches(dataset, plan.planned)) {
      s = db->Execute(fmt::format(
          "CREATE OR REPLACE TEMP VIEW new_{} AS SELECT *, file_index, file_row_number FROM {}",
          dataset, ReadParquetOf(bronze_dir, paths)));
      if (s.ok() && dataset == "trades") s = PrepareTrades(*db, load_id, run_step);
      if (s.ok()) s = run_step(dataset, "load_" + dataset);
      // DuckDB remembers every file it has read, about 460 bytes each outside memory_limit, until
      // the file cache is switched on and off again: a backfill's load reads hundreds of thousands.
      if (s.ok()) {
        s = db->Execute(
            "SET enable_external_file_cache = true; SET enable_external_file_cache = false");
      }
      if (!s.ok()) return fail(Status::Error(fmt::format("loading {}: {}", dataset, s.message())));
      if (dataset == "gamma_events" || dataset == "markets" || dataset == "market_tokens" ||
          dataset == "gamma_markets") {
        markets_changed = true;
      }
    }
    if (dataset == "gamma_markets" && markets_changed) {
      s = run_step("markets (merge)", "merge_markets");
      if (!s.ok()) return fail(Status::Error(fmt::format("merging markets: {}", s.message())));
    }
    plan.summary.seconds = SecondsSince(t0);
    if (plan.summary.commits > 0) {
      Say(fmt::format("  {:<16} {:>6} files {:>12} rows {:>8.2f} s", dataset,
                      Thousands(plan.summary.files), Thousands(plan.summary.rows),
                      plan.summary.seconds));
    }
  }
  // One branch per key, so that each is a filter DuckDB answers from row-group statistics
  // instead of reading three columns of the whole fact table.
  s = db->QueryInt(
      "SELECT count(*) FROM (SELECT rowid FROM TradeFact WHERE market_id IS NULL UNION "
      "SELECT rowid FROM TradeFact WHERE token_id IS NULL UNION "
      "SELECT rowid FROM TradeFact WHERE trader_id IS NULL)",
      &report->orphan_trades);
  if (s.ok()) {
    s = db->QueryInt("SELECT count(*) FROM PriceHistoryFact WHERE token_id IS NULL",
                     &report->orphan_prices);
  }
  if (!s.ok()) return fail(s);

  // Bookkeeping: the commit records and files of this load, and the trade feed state the trades
  // records carry (the newest record's state of each market wins).
  s = db->Execute(
      "CREATE OR REPLACE TEMP TABLE batch_streams (condition_id VARCHAR, done BOOLEAN, "
      "watermark BIGINT, oldest BIGINT, run_id VARCHAR, load_id BIGINT, out_of_window BOOLEAN)");
  if (!s.ok()) return fail(s);
  {
    TableAppender commits(*db, nullptr, "loader", "commits");
    TableAppender files(*db, nullptr, "loader", "files");
    std::map<std::string, const nlohmann::json*> streams;
    for (const DatasetPlan& plan : plans) {
      for (const PlannedCommit& pc : plan.planned) {
        const BronzeCommit& c = *pc.commit;
        int64_t rows = 0;
        for (const BronzeFile* f : pc.files) {
          rows += f->rows;
          files.Text(c.dataset);
          files.Int(static_cast<int64_t>(c.seq));
          files.Text(f->path);
          files.Int(f->rows);
          files.Int(load_id);
          files.EndRow();
        }
        commits.Text(c.dataset);
        commits.Int(static_cast<int64_t>(c.seq));
        commits.Text(c.run_id);
        commits.Int(static_cast<int64_t>(pc.files.size()));
        commits.Int(rows);
        commits.Int(load_id);
        commits.EndRow();
        if (c.dataset != "trades" || !c.progress.is_object()) continue;
        for (const auto& [key, value] : c.progress.items()) {
          if (key.rfind(kMarketStreamPrefix, 0) == 0 && value.is_object()) streams[key] = &value;
        }
      }
    }
    TableAppender batch(*db, "temp", "main", "batch_streams");
    for (const auto& [key, value] : streams) {
      batch.Text(key.substr(std::string_view(kMarketStreamPrefix).size()));
      const auto flag = value->find("done");
      if (flag != value->end() && flag->is_boolean()) {
        batch.Bool(flag->get<bool>());
      } else {
        batch.Null();
      }
      for (const char* field : {"w", "oldest"}) {
        const auto v = value->find(field);
        if (v != value->end() && v->is_number_integer()) {
          batch.Int(v->get<int64_t>());
        } else {
          batch.Null();
        }
      }
      const auto run = value->find("run");
      if (run != value->end() && run->is_string()) {
        batch.Text(run->get<std::string>());
      } else {
        batch.Null();
      }
      batch.Int(load_id);
      const auto window = value->find("out_of_window");
      batch.Bool(window != value->end() && window->is_boolean() && window->get<bool>());
      batch.EndRow();
    }
    s = commits.Close();
    if (s.ok()) s = files.Close();
    if (s.ok()) s = batch.Close();
    if (!s.ok()) return fail(Status::Error("recording the load: " + s.message()));
  }
  // Files a compaction replaced leave loader.files (their rows stay, under the compaction's
  // files), so that it lists the Bronze files Silver's rows come from (`check` reads them).
  s = db->Execute("CREATE OR REPLACE TEMP TABLE live_files (path VARCHAR)");
  if (s.ok()) {
    TableAppender live(*db, "temp", "main", "live_files");
    for (const DatasetPlan& plan : plans) {
      for (const BronzeCommit& c : plan.commits) {
        for (const BronzeFile& f : c.files) {
          if (f.replaced) continue;
          live.Text(f.path);
          live.EndRow();
        }
      }
    }
    s = live.Close();
  }
  if (s.ok()) {
    s = db->Execute(
        "DELETE FROM loader.files f WHERE NOT EXISTS (SELECT 1 FROM live_files l WHERE l.path = "
        "f.path)");
  }
  if (!s.ok()) return fail(Status::Error("recording the load: " + s.message()));
  // Commits known from a checkpoint carry no progress of their own: the checkpoint's streams hold
  // the newest state of every market up to it (a record after it, above, wins).
  for (const DatasetPlan& plan : plans) {
    const bool covered =
        std::any_of(plan.planned.begin(), plan.planned.end(),
                    [](const PlannedCommit& pc) { return pc.commit->from_checkpoint; });
    if (plan.summary.dataset != "trades" || !covered) continue;
    const auto typed = [](const char* field, const char* type, const char* as) {
      return fmt::format(
          "CASE WHEN json_type(value, '$.{0}') IN ({1}) THEN TRY_CAST(json_extract_string(value, "
          "'$.{0}') AS {2}) END",
          field, type, as);
    };
    s = db->Execute(fmt::format(
        "INSERT INTO batch_streams SELECT substr(key, {}), {}, {}, {}, {}, {}, coalesce({}, false) "
        "FROM read_parquet({}) WHERE starts_with(key, {}) AND json_type(value) = 'OBJECT' AND "
        "substr(key, {}) NOT IN (SELECT condition_id FROM batch_streams)",
        std::string_view(kMarketStreamPrefix).size() + 1, typed("done", "'BOOLEAN'", "BOOLEAN"),
        typed("w", "'BIGINT', 'UBIGINT'", "BIGINT"),
        typed("oldest", "'BIGINT', 'UBIGINT'", "BIGINT"), typed("run", "'VARCHAR'", "VARCHAR"),
        load_id, typed("out_of_window", "'BOOLEAN'", "BOOLEAN"),
        QuoteSqlString(plan.checkpoint_streams), QuoteSqlString(kMarketStreamPrefix),
        std::string_view(kMarketStreamPrefix).size() + 1));
    if (!s.ok()) return fail(Status::Error("reading the trades checkpoint: " + s.message()));
  }
  s = db->Execute(
      "MERGE INTO loader.trade_streams d USING batch_streams b ON d.condition_id = b.condition_id "
      "WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *");
  if (s.ok()) {
    s = db->Execute(fmt::format(
        "INSERT INTO loader.loads SELECT load_id, started_at, now()::TIMESTAMP, {}, {}, {} "
        "FROM load_ctx",
        QuoteSqlString(bronze_abs), report->files, report->rows));
  }
  if (s.ok()) s = RunSql(*db, "gold");
  if (!s.ok()) return fail(s);

  bronze::Failpoint("silver.mid_load");
  {
    ProgressTicker ticker(db.get(), progress_, "commit");
    s = db->Execute("COMMIT");
  }
  if (!s.ok()) return fail(s);
  for (const DatasetPlan& plan : plans) report->datasets.push_back(plan.summary);
  report->seconds = SecondsSince(start);
  failure_kind_ = FailureKind::kNone;
  return Status::Ok();
}

int RunLoadSilver(const LoadOptions& options) {
  Loader loader(options, options.dry_run ? nullptr : stdout);
  LoadReport report;
  const Status s = loader.Run(&report);
  if (!s.ok()) {
    fmt::print(stderr, "polypipe load-silver: {}\n", s.message());
    return loader.failure_kind() == FailureKind::kUsage ? 2 : 1;
  }
  if (options.dry_run) {
    fmt::print("load-silver --dry-run: {} would be loaded into {} (nothing written)\n",
               options.bronze_dir, options.silver_path);
    fmt::print("  {:<16} {:>8} {:>8} {:>14} {:>8} {:>14}\n", "dataset", "commits", "files", "rows",
               "pending", "loaded before");
    for (const DatasetLoad& d : report.datasets) {
      fmt::print("  {:<16} {:>8} {:>8} {:>14} {:>8} {:>14}\n", d.dataset, Thousands(d.commits),
                 Thousands(d.files), Thousands(d.rows), Thousands(d.pending),
                 Thousands(d.loaded_before));
    }
    fmt::print("  {:<16} {:>8} {:>8} {:>14}\n", "total", "", Thousands(report.files),
               Thousands(report.rows));
    return 0;
  }
  int64_t pending = 0;
  for (const DatasetLoad& d : report.datasets) pending += d.pending;
  if (report.load_id == 0) {
    fmt::print("load-silver: nothing new to load from {} ({} is up to date)\n", options.bronze_dir,
               options.silver_path);
  } else {
    fmt::print("load-silver: load {} committed: {} files, {} Bronze rows in {:.2f} s ({} rows/s)\n",
               report.load_id, Thousands(report.files), Thousands(report.rows), report.seconds,
               Thousands(static_cast<int64_t>(report.rows / std::max(report.seconds, 1e-6))));
    if (report.compacted_files > 0) {
      fmt::print(
          "load-silver: {} compacted file(s) hold only rows loaded before: recorded, not read\n",
          Thousands(report.compacted_files));
    }
  }
  if (report.orphan_trades > 0 || report.orphan_prices > 0) {
    fmt::print(
        "load-silver: {} trades and {} price points have no market or token in the "
        "dimensions yet: kept unlinked (orphans; `polypipe check` lists them)\n",
        Thousands(report.orphan_trades), Thousands(report.orphan_prices));
  }
  if (pending > 0) {
    fmt::print(
        "load-silver: {} commit record(s) whose files are still being placed by a fetch "
        "are left for the next load\n",
        pending);
  }
  return 0;
}

}  // namespace polypipe::silver
