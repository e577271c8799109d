#include "fetch/market_list.h"

#include <fmt/core.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <filesystem>
#include <string_view>

#include "bronze/reader.h"
#include "bronze/streams.h"
#include "fetch/sweep.h"

namespace polypipe::fetch {
namespace {

// Run ids come from our own commit log; still, only ever put their expected characters in SQL.
bool SafeRunId(const std::string& id) {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || c == '-';
  });
}

std::optional<int64_t> Int(const std::optional<std::string_view>& text) {
  int64_t v = 0;
  if (!text || text->empty()) return std::nullopt;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || end != text->data() + text->size()) return std::nullopt;
  return v;
}

// Where sessions keep their pinned streams files, in the data dir.
constexpr char kPlanDir[] = ".plan";

}  // namespace

bronze::Status PlanningSession::Open(Context& ctx, bool with_tokens,
                                     std::unique_ptr<PlanningSession>* session) {
  session->reset();
  const std::string& dir = ctx.store().dir();
  const std::string markets_run = CompleteSnapshotRun(ctx, "markets");
  const std::string tokens_run = CompleteSnapshotRun(ctx, "market_tokens");
  if (!SafeRunId(markets_run) || !SafeRunId(tokens_run) ||
      !bronze::HasCommittedFiles(dir, "markets")) {
    return bronze::Status::Error(fmt::format(
        "{}: no complete market list in Bronze yet (run `polypipe fetch --mode markets`)", dir));
  }
  const std::string gamma_run = CompleteSnapshotRun(ctx, "gamma_markets");

  // A planner's joins and sorts spill to disk rather than grow the fetch: the run's database bounds
  // them and the Parquet writers together.
  std::shared_ptr<bronze::DuckDbDatabase> database;
  bronze::Status s = ctx.Duckdb(&database);
  std::unique_ptr<bronze::DuckDbSession> db;
  if (s.ok()) s = bronze::DuckDbSession::Connect(std::move(database), &db);
  if (!s.ok()) return s;
  s = db->Execute("SET preserve_insertion_order = false");
  if (!s.ok()) return s;
  std::unique_ptr<PlanningSession> opened(new PlanningSession(ctx, std::move(db)));
  static std::atomic<int> sessions{0};
  opened->pin_prefix_ = fmt::format("{}/{}/{}-", dir, kPlanDir, sessions.fetch_add(1));
  opened->markets_run_ = markets_run;
  opened->tokens_run_ =
      with_tokens && bronze::HasCommittedFiles(dir, "market_tokens") ? tokens_run : "";
  opened->gamma_run_ =
      SafeRunId(gamma_run) && bronze::HasCommittedFiles(dir, "gamma_markets") ? gamma_run : "";

  bronze::QueryResult count;
  s = bronze::RetryOutOfMemory([&] {
    return bronze::QueryText(
        opened->db_->connection(),
        fmt::format("SELECT count(*) FROM read_parquet({}) WHERE _run_id = '{}' AND condition_id "
                    "IS NOT NULL",
                    bronze::QuoteSqlString(bronze::GlobFor(dir, "markets")), markets_run),
        &count);
  });
  if (s.ok()) {
    opened->markets_ = Int(count.rows.at(0).at(0)).value_or(0);
    if (ctx.limit() > 0) opened->markets_ = std::min<int64_t>(opened->markets_, ctx.limit());
    const int64_t per_part = ctx.config().plan.markets_per_part;
    opened->parts_ = static_cast<int>((opened->markets_ + per_part - 1) / per_part);
    opened->parts_ = std::max(opened->parts_, 1);
  }
  if (!s.ok()) {
    return bronze::Status::Error(
        fmt::format("{}: cannot read the market list from Bronze: {}", dir, s.message()));
  }
  *session = std::move(opened);
  return bronze::Status::Ok();
}

std::string PlanningSession::PartOf(std::string_view condition_id) const {
  return fmt::format("hash({}) % {}", condition_id, parts_);
}

std::string PlanningSession::ListSelect(const std::string& where) const {
  const std::string& dir = ctx_.store().dir();
  const std::string and_where = where.empty() ? "" : " AND " + where;
  std::string sql = fmt::format(
      "WITH m AS (SELECT * FROM (SELECT condition_id, closed, accepting_order_timestamp, "
      "end_date_iso, file_index AS f, file_row_number AS r FROM read_parquet({}) WHERE _run_id = "
      "'{}' AND condition_id IS NOT NULL{}) WHERE true{})",
      bronze::QuoteSqlString(bronze::GlobFor(dir, "markets")), markets_run_,
      ctx_.limit() > 0 ? fmt::format(" ORDER BY f, r LIMIT {}", ctx_.limit()) : "", and_where);
  sql +=
      !gamma_run_.empty()
          ? fmt::format(
                ", g AS (SELECT condition_id, start_date, created_at, closed_time, end_date, "
                "volume_num, enable_order_book FROM read_parquet({}) WHERE _run_id = '{}'{} "
                "QUALIFY row_number() OVER (PARTITION BY condition_id ORDER BY _fetched_at DESC) "
                "= 1)",
                bronze::QuoteSqlString(bronze::GlobFor(dir, "gamma_markets")), gamma_run_,
                and_where)
          : ", g AS (SELECT NULL::VARCHAR AS condition_id, NULL::TIMESTAMP AS start_date, "
            "NULL::TIMESTAMP AS created_at, NULL::TIMESTAMP AS closed_time, NULL::TIMESTAMP "
            "AS end_date, NULL::DOUBLE AS volume_num, NULL::BOOLEAN AS enable_order_book)";
  sql +=
      " SELECT m.f, m.r, m.condition_id, coalesce(m.closed, false) AS closed, CASE WHEN "
      "g.enable_order_book OR m.accepting_order_timestamp IS NOT NULL THEN 'yes' WHEN "
      "g.enable_order_book IS NULL THEN 'unknown' ELSE 'no' END AS book, "
      "floor(epoch(coalesce(g.start_date, g.created_at)))::BIGINT AS start, "
      "floor(epoch(coalesce(g.start_date, m.accepting_order_timestamp, g.created_at)))::BIGINT "
      "AS trading_start, floor(epoch(coalesce(g.closed_time, g.end_date, "
      "TRY_CAST(m.end_date_iso AS TIMESTAMP))))::BIGINT AS end_ts, g.volume_num AS volume "
      "FROM m LEFT JOIN g USING (condition_id)";
  return sql;
}

PlanningSession::~PlanningSession() {
  Stop();
  RemovePins();
}

void PlanningSession::RemoveLeftovers(const std::string& dir) {
  std::error_code ec;
  std::filesystem::remove_all(fmt::format("{}/{}", dir, kPlanDir), ec);
}

bronze::Status PlanningSession::ForEachMarket(
    const std::string& where, const std::function<bronze::Status(const bronze::TextRow&)>& visit) {
  return bronze::ForEachRow(
      db_->connection(),
      fmt::format("SELECT condition_id, closed, trading_start FROM ({})", ListSelect(where)),
      visit);
}

bronze::Status PlanningSession::Start(Plan plan) {
  Stop();
  RemovePins();
  {
    std::lock_guard lock(mu_);
    blocks_.clear();
    queued_rows_ = 0;
    produced_ = false;
    stop_ = false;
    status_ = bronze::Status::Ok();
  }
  block_ = {};
  next_ = 0;
  thread_ = std::thread([this, plan = std::move(plan)] {
    bronze::Status s = RunSteps(plan);
    std::lock_guard lock(mu_);
    if (!stop_) status_ = s;  // a stopped plan ends without an error
    produced_ = true;
    changed_.notify_all();
  });
  return bronze::Status::Ok();
}

void PlanningSession::Stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    if (!produced_) duckdb_interrupt(db_->connection());  // a query under way ends now
  }
  changed_.notify_all();
  thread_.join();
}

bool PlanningSession::Stopping() {
  std::lock_guard lock(mu_);
  return stop_ || ctx_.stopping();
}

bronze::Status PlanningSession::RunSteps(const Plan& plan) {
  bronze::Status s = PinStreams(plan);
  const int groups = (parts_ + kPartsPerGroup - 1) / kPartsPerGroup;
  // The rows go out part after part: those of parts before `part`, and `offset` of its own, are
  // out. The head, up to half a part's markets in rows, goes out while the groups are joined, as
  // soon as its group is: the fetch starts on it (a resumed run may find its first rows in a later
  // group).
  const size_t head_rows =
      static_cast<size_t>(std::max(1, ctx_.config().plan.markets_per_part / 2));
  int part = 0;
  size_t offset = 0, head = 0;
  const auto emit = [&](size_t limit) {
    size_t rows = 0;
    bronze::Status e = UsePart(plan, part);
    if (e.ok()) {
      e = Emit(limit > 0 ? fmt::format("{} LIMIT {} OFFSET {}", plan.select, limit, offset)
                         : fmt::format("{} OFFSET {}", plan.select, offset),
               limit > 0 ? &rows : nullptr);
    }
    if (limit > 0 && rows == limit) {
      offset += rows;
    } else {
      ++part;
      offset = 0;
    }
    head += rows;
    return e;
  };
  for (int group = 0; s.ok() && group < groups && !Stopping(); ++group) {
    s = BuildGroup(plan, group);
    const int end = std::min(parts_, (group + 1) * kPartsPerGroup);
    for (int counted = group * kPartsPerGroup; s.ok() && counted < end; ++counted) {
      s = UsePart(plan, counted);
      if (s.ok()) s = bronze::RetryOutOfMemory([&] { return plan.count(db_->connection()); });
    }
    while (s.ok() && head < head_rows && part < end) s = emit(head_rows - head);
  }
  if (!s.ok() || Stopping()) return s;
  if (plan.counted) plan.counted();
  while (s.ok() && part < parts_ && !Stopping()) s = emit(0);
  return s;
}

bronze::Status PlanningSession::PinStreams(const Plan& plan) {
  for (const auto& [dataset, keys] : plan.streams) {
    bronze::StreamsSnapshot streams = ctx_.store().Streams(dataset);
    if (!streams.checkpoint.empty()) {
      // A newer checkpoint prunes this one's file while the groups are still read from it: a
      // second name keeps it until the plan is done (none where links cannot be made: the
      // file is then read in place).
      const std::string pinned = pin_prefix_ + dataset + ".parquet";
      std::error_code ec;
      std::filesystem::create_directories(std::filesystem::path(pinned).parent_path(), ec);
      std::filesystem::remove(pinned, ec);
      std::filesystem::create_hard_link(streams.checkpoint, pinned, ec);
      if (!ec) {
        pins_.push_back(pinned);
        streams.checkpoint = pinned;
      }
    }
    bronze::Status s = bronze::DefineStreamsView(*db_, streams, dataset + "_all_streams");
    if (!s.ok()) return s;
  }
  return bronze::Status::Ok();
}

void PlanningSession::RemovePins() {
  for (const std::string& path : pins_) {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
  pins_.clear();
}

bronze::Status PlanningSession::FillGroup(
    const std::string& table, int group,
    const std::function<std::string(const std::string& parts)>& select) {
  // A few parts at a time: DuckDB sorting or joining all of them at once needs more memory than
  // the fetch has (ordering 1.5M streams by part fails under 64 MB), and a part read later from
  // the table skips the blocks of other groups. The cost is mostly reading the sources once per
  // group (at 1.5M markets 0.8 s for one part of 50,000, 0.9 s for five).
  const int first = group * kPartsPerGroup;
  return Execute(fmt::format(
      "{} {}",
      group == 0 ? "CREATE OR REPLACE TEMP TABLE " + bronze::QuoteSqlIdentifier(table) + " AS"
                 : "INSERT INTO " + bronze::QuoteSqlIdentifier(table),
      select(
          fmt::format("BETWEEN {} AND {}", first, std::min(first + kPartsPerGroup, parts_) - 1))));
}

bronze::Status PlanningSession::BuildGroup(const Plan& plan, int group) {
  if (parts_ == 1) return bronze::Status::Ok();
  bronze::Status s;
  if (group == list_groups_) {
    // The list and its tokens are joined once per session, from the Parquet files, whatever the
    // plans.
    s = FillGroup("list_parts", group, [&](const std::string& parts) {
      return fmt::format("SELECT {} AS part, * FROM ({})", PartOf("condition_id"),
                         ListSelect(PartOf("condition_id") + " " + parts));
    });
    if (s.ok() && !tokens_run_.empty()) {
      s = FillGroup("token_parts", group, [&](const std::string& parts) {
        return fmt::format(
            "SELECT * FROM (SELECT {} AS part, condition_id, token_id, outcome_index FROM "
            "read_parquet({}) WHERE _run_id = '{}') WHERE part {}",
            PartOf("condition_id"),
            bronze::QuoteSqlString(bronze::GlobFor(ctx_.store().dir(), "market_tokens")),
            tokens_run_, parts);
      });
    }
    if (!s.ok()) return s;
    ++list_groups_;
  }
  // The plan's streams, split by part as the list is: a part's join then reads its own streams,
  // not all of them (at 1.5M markets, 0.04 s instead of 0.3 s, twice or three times per part).
  for (const auto& [dataset, stream_keys] : plan.streams) {
    const StreamKeys keys = stream_keys;  // a structured binding is not captured (clang 14)
    const std::string all = bronze::QuoteSqlIdentifier(dataset + "_all_streams");
    s = FillGroup(dataset + "_stream_parts", group, [&](const std::string& parts) {
      const std::string parted =
          keys == StreamKeys::kMarket
              ? fmt::format(
                    "SELECT {} AS part, key, value FROM {} WHERE starts_with(key, 'market:')",
                    PartOf(fmt::format("substr(key, {})", std::string_view("market:").size() + 1)),
                    all)
              : fmt::format(
                    "SELECT t.part, s.key, s.value FROM {} s JOIN {} t ON s.key = t.token_id", all,
                    tokens_run_.empty()
                        ? "(SELECT 0::UBIGINT AS part, NULL::VARCHAR AS token_id WHERE false)"
                        : "token_parts");
      return fmt::format("SELECT * FROM ({}) WHERE part {}", parted, parts);
    });
    if (!s.ok()) return s;
  }
  return bronze::Status::Ok();
}

bronze::Status PlanningSession::UsePart(const Plan& plan, int part) {
  bronze::Status s;
  if (part != part_) {
    part_ = -1;  // until the part is whole
    s = Execute(parts_ == 1
                    ? "CREATE OR REPLACE TEMP TABLE market_list AS " + ListSelect("")
                    : fmt::format("CREATE OR REPLACE TEMP TABLE market_list AS SELECT * EXCLUDE "
                                  "(part) FROM list_parts WHERE part = {}",
                                  part));
    if (s.ok() && tokens_run_.empty()) {
      s = Execute(
          "CREATE OR REPLACE TEMP VIEW listed_tokens AS SELECT NULL::VARCHAR AS condition_id, "
          "NULL::VARCHAR AS token_id, NULL::BIGINT AS outcome_index WHERE false");
    } else if (s.ok()) {
      s = Execute(
          parts_ == 1
              ? fmt::format(
                    "CREATE OR REPLACE TEMP VIEW listed_tokens AS SELECT condition_id, "
                    "token_id, outcome_index FROM read_parquet({}) WHERE _run_id = '{}'",
                    bronze::QuoteSqlString(bronze::GlobFor(ctx_.store().dir(), "market_tokens")),
                    tokens_run_)
              : fmt::format("CREATE OR REPLACE TEMP VIEW listed_tokens AS SELECT condition_id, "
                            "token_id, outcome_index FROM token_parts WHERE part = {}",
                            part));
    }
    if (!s.ok()) return s;
    part_ = part;
  }
  for (const auto& [dataset, keys] : plan.streams) {
    s = Execute(
        parts_ == 1
            ? fmt::format("CREATE OR REPLACE TEMP VIEW {} AS SELECT key, value FROM {}",
                          bronze::QuoteSqlIdentifier(dataset + "_streams"),
                          bronze::QuoteSqlIdentifier(dataset + "_all_streams"))
            : fmt::format(
                  "CREATE OR REPLACE TEMP VIEW {} AS SELECT key, value FROM {} WHERE part = {}",
                  bronze::QuoteSqlIdentifier(dataset + "_streams"),
                  bronze::QuoteSqlIdentifier(dataset + "_stream_parts"), part));
    if (!s.ok()) return s;
  }
  return bronze::Status::Ok();
}

bronze::Status PlanningSession::Execute(const std::string& sql) {
  return bronze::RetryOutOfMemory([&] { return db_->Execute(sql); });
}

bronze::Status PlanningSession::Emit(const std::string& sql, size_t* rows) {
  // The query's joins and sorts run before its first row: that much runs again when it fails for
  // memory, the rest not (rows handed on cannot be taken back).
  std::unique_ptr<bronze::RowCursor> cursor;
  const bronze::TextRow* first = nullptr;
  bronze::Status s = bronze::RetryOutOfMemory([&] {
    bronze::Status opened = bronze::RowCursor::Open(db_->connection(), sql, &cursor);
    if (!opened.ok()) return opened;
    first = cursor->Next();
    return first != nullptr ? bronze::Status::Ok() : cursor->status();
  });
  if (!s.ok()) return s;
  RowBlock block;
  const auto hand = [&] {
    std::unique_lock lock(mu_);
    // The head is handed over whole (its LIMIT bounds it); the rest waits for the reader.
    changed_.wait(lock, [&] { return stop_ || rows != nullptr || queued_rows_ < kQueuedRows; });
    if (stop_) return false;
    queued_rows_ += block.rows;
    blocks_.push_back(std::move(block));
    block = {};
    changed_.notify_all();
    return true;
  };
  for (const bronze::TextRow* row = first; row != nullptr; row = cursor->Next()) {
    if (block.rows == 0) block.columns = row->columns;
    for (const std::optional<std::string_view>& v : row->values) {
      block.values.emplace_back(static_cast<uint32_t>(block.text.size()),
                                v ? static_cast<int32_t>(v->size()) : -1);
      if (v) block.text += *v;
    }
    ++block.rows;
    if (rows) ++*rows;
    if (block.rows == kBlockRows && !hand()) return bronze::Status::Ok();
  }
  if (!cursor->status().ok()) return cursor->status();
  if (block.rows > 0) hand();
  return bronze::Status::Ok();
}

const bronze::TextRow* PlanningSession::Next() {
  if (next_ >= block_.rows) {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [&] { return !blocks_.empty() || produced_; });
    if (blocks_.empty()) return nullptr;
    block_ = std::move(blocks_.front());
    blocks_.pop_front();
    queued_rows_ -= block_.rows;
    next_ = 0;
    changed_.notify_all();
    row_.columns = block_.columns;
  }
  const size_t width = row_.columns.size();
  row_.values.resize(width);
  for (size_t c = 0; c < width; ++c) {
    const auto [offset, length] = block_.values[next_ * width + c];
    row_.values[c] = length < 0 ? std::nullopt
                                : std::optional<std::string_view>(std::string_view(
                                      block_.text.data() + offset, static_cast<size_t>(length)));
  }
  ++next_;
  return &row_;
}

bronze::Status PlanningSession::status() {
  std::lock_guard lock(mu_);
  return status_;
}

ListedMarket PlanningSession::MarketOf(const bronze::TextRow& row) {
  ListedMarket m;
  m.condition_id = std::string(row.values[0].value_or(""));
  m.closed = row.values[1].value_or("false") == "true";
  m.trading_start = Int(row.values[2]);
  return m;
}

}  // namespace polypipe::fetch
