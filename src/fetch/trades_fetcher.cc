#include "fetch/trades_fetcher.h"

#include <fmt/core.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <iterator>
#include <memory>
#include <set>
#include <unordered_map>

#include "api/data_api.h"
#include "api/parser.h"
#include "bronze/duckdb_session.h"
#include "bronze/reader.h"
#include "bronze/utc_time.h"
#include "fetch/sweep.h"
#include "fetch/trade_feed.h"

namespace polypipe::fetch {
namespace {

constexpr size_t kMarketsPerFeed = api::kMaxConditionsPerTradesUrl;
constexpr int64_t kDaySeconds = 86'400;
constexpr char kFeedPrefix[] = "feed:";

// When each market of a feed began trading, if known.
using TradingStarts = std::unordered_map<std::string, std::optional<int64_t>>;

struct PlannedFeed {
  std::string key;  // progress key "feed:<run>:<n>", with "/0" or "/1" per split
  TradeFeed feed;
  TradingStarts starts;
};

// What the workers share.
struct TradesRun {
  Context& ctx;
  TradeFeed::Columns columns;
  api::TradesFilter filter;
};

TradeFeed::Columns TradeColumns() {
  const bronze::Schema& schema = api::TradesSchema();
  TradeFeed::Columns c;
  c.condition_id = schema.Index("condition_id");
  c.timestamp = schema.Index("timestamp");
  c.fill_seq = schema.Index("fill_seq");
  // Identical fills are equal on every API column (those before fill_seq).
  for (int i = 0; i < c.fill_seq; ++i) c.identity.push_back(i);
  for (const char* name : {"transaction_hash", "condition_id", "token_id", "proxy_wallet", "side",
                           "price", "size", "timestamp", "outcome_index", "fill_seq"}) {
    c.key.push_back(schema.Index(name));
  }
  return c;
}

std::optional<int64_t> IntField(const nlohmann::json& state, const char* key) {
  const auto it = state.find(key);
  if (it == state.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}

// A member's start from its committed state: watermark, oldest trade and overlap.
TradeFeed::Member MemberFromState(const ListedMarket& m, const nlohmann::json& state) {
  TradeFeed::Member member{m.condition_id, std::nullopt, m.closed, std::nullopt, std::nullopt};
  member.watermark = IntField(state, "w");
  member.oldest = IntField(state, "oldest");
  if (const auto it = state.find("overlap"); it != state.end() && member.watermark) {
    member.overlap = TradeOverlap::FromJson(*it);
  }
  return member;
}

// Text from DuckDB's hex(): the exact bytes, NUL included.
std::string Unhex(const std::string& hex) {
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

// A row holding only the dedup key, read back from Bronze as text, typed as the parser types it.
bronze::Row KeyRow(const std::vector<std::optional<std::string>>& cells,
                   const TradeFeed::Columns& columns) {
  bronze::Row row(api::TradesSchema().columns.size());
  for (size_t k = 0; k < columns.key.size(); ++k) {
    const std::optional<std::string>& v = cells[k + 1];
    bronze::Cell& cell = row[static_cast<size_t>(columns.key[k])];
    if (!v) continue;  // NULL
    if (k < 5) {
      cell = Unhex(*v);  // transaction_hash, condition_id, token_id, proxy_wallet, side
    } else if (k < 7) {
      cell = std::strtod(v->c_str(), nullptr);  // price, size: DuckDB prints them round-trip
    } else {
      cell = static_cast<int64_t>(std::stoll(*v));  // timestamp, outcome_index, fill_seq
    }
  }
  return row;
}

// A re-poll deeper than the overlap a market's state holds (trades.lag_seconds raised for a
// periodic deep re-poll): the keys of the trades committed in the missing stretch are read back
// from Bronze, so the deeper re-poll too keeps only fills not committed yet. Reads only the dt=
// folders of the stretches' dates. On a read error the stored overlaps stay as they are.
void DeepenOverlaps(Context& ctx, const TradeFeed::Columns& columns,
                    std::vector<TradeFeed::Member>* members) {
  const int64_t lag = ctx.config().trades.lag_seconds;
  std::string values;
  std::set<std::string> dates;
  std::vector<std::pair<size_t, int64_t>> deepened;  // member, new overlap start
  for (size_t i = 0; i < members->size(); ++i) {
    const TradeFeed::Member& m = (*members)[i];
    if (!m.watermark || !m.overlap || *m.watermark - lag >= m.overlap->from) continue;
    const int64_t from = *m.watermark - lag, to = m.overlap->from;
    deepened.emplace_back(i, from);
    values += fmt::format("{}({}, {}, {}, {})", values.empty() ? "" : ", ", i,
                          bronze::QuoteSqlString(m.condition_id), from, to);
    for (int64_t day = from - ((from % kDaySeconds) + kDaySeconds) % kDaySeconds; day < to;
         day += kDaySeconds) {
      if (auto date = bronze::DateOfMicros(bronze::MicrosOfSeconds(day))) dates.insert(*date);
    }
  }
  if (deepened.empty()) return;
  std::string files;
  for (const std::string& date : dates) {
    const std::string dir = ctx.store().dir() + "/trades/dt=" + date;
    if (!std::filesystem::is_directory(dir)) continue;
    files += (files.empty() ? "" : ", ") + bronze::QuoteSqlString(dir + "/*.parquet");
  }
  if (!files.empty()) {
    const std::string sql = fmt::format(
        "SELECT v.i, hex(t.transaction_hash), hex(t.condition_id), hex(t.token_id), "
        "hex(t.proxy_wallet), hex(t.side), t.price, t.size, t.\"timestamp\", t.outcome_index, "
        "t.fill_seq FROM read_parquet([{}], union_by_name = true) t JOIN (VALUES {}) v(i, cid, lo, "
        "hi) ON t.condition_id = v.cid AND t.\"timestamp\" >= v.lo AND t.\"timestamp\" < v.hi",
        files, values);
    std::unique_ptr<bronze::Reader> reader;
    bronze::QueryResult result;
    bronze::Status status = bronze::Reader::Open(&reader);
    if (status.ok()) status = reader->Query(sql, &result);
    if (!status.ok()) {
      ctx.Log("trades: cannot read committed trades back for a deeper re-poll (" +
              status.message() + "); re-polling as deep as the stored overlaps only");
      return;
    }
    for (const auto& cells : result.rows) {
      if (!cells[0] || !cells[8]) continue;
      const size_t i = static_cast<size_t>(std::stoll(*cells[0]));
      (*members)[i].overlap->keys.emplace_back(
          std::stoll(*cells[8]), TradeFeed::KeyDigest(KeyRow(cells, columns), columns));
    }
  }
  for (const auto& [i, from] : deepened) (*members)[i].overlap->from = from;
  ctx.Log(fmt::format("trades: re-polling {} open market(s) {} s behind their newest trade",
                      deepened.size(), lag));
}

// Markets read from the plan per batch of new feeds: their overlaps are deepened together.
constexpr size_t kPlanBatch = 20'000;

// TradesPlan: the feeds of a run, handed out one at a time. Unfinished feeds (of this run, or of
// an earlier one that ended with failed units) come first, from their committed cursors; then the
// listed markets that still need their trades, read from the planning session in list order (part
// by part) and packed into new feeds a batch at a time, so memory holds one batch however long the
// list is.
class TradesPlan {
 public:
  explicit TradesPlan(TradesRun& run) : run_(run), ctx_(run.ctx) {}

  // Plans the run: reads the unfinished feeds and starts planning the markets in the list's
  // session. Counts the planned markets (units_total) and the closed ones left out of the API's
  // reach as planning goes.
  bronze::Status Open(PlanningSession& list);

  // The next feed to run; false when none is left.
  bool Next(PlannedFeed* feed);

 private:
  bronze::Status ResumeFeeds(PlanningSession& list);
  void Refill();

  TradesRun& run_;
  Context& ctx_;
  std::set<std::string> in_feed_;    // markets of the unfinished feeds
  std::vector<PlannedFeed> ready_;   // handed out from the back
  PlanningSession* list_ = nullptr;  // planning, once Open succeeded
  int64_t numbered_ = 0;             // the number of this run's next new feed
};

bronze::Status TradesPlan::ResumeFeeds(PlanningSession& list) {
  const std::optional<nlohmann::json> feeds = ctx_.Progress("trades", kFeedPrefix);
  if (!feeds) return bronze::Status::Error("cannot read the trades progress");
  nlohmann::json superseded = nlohmann::json::object();
  const std::string prefix = fmt::format("{}{}:", kFeedPrefix, ctx_.run_id());
  for (const auto& [key, value] : feeds->items()) {
    if (key.rfind(prefix, 0) == 0) {
      // New feeds are numbered after every one of this run still listed (finished ones leave the
      // list at a checkpoint, so the count of them is not enough).
      int64_t n = 0;
      const char* digits = key.data() + prefix.size();
      std::from_chars(digits, key.data() + key.size(), n);
      numbered_ = std::max(numbered_, n + 1);
    }
    if (!value.is_object()) continue;  // finished
    if (ctx_.fresh()) {
      // A --fresh run starts over and retires them.
      superseded[key] = nullptr;
      continue;
    }
    if (auto feed = TradeFeed::FromJson(value); feed && !feed->finished()) {
      for (const std::string& id : feed->condition_ids()) in_feed_.insert(id);
      ready_.push_back({key, std::move(*feed), {}});
    }
  }
  if (!superseded.empty()) ctx_.Append("trades", {}, std::move(superseded));
  if (in_feed_.empty()) return bronze::Status::Ok();
  // Their members' trading starts, from the list.
  std::string ids;
  for (const std::string& id : in_feed_)
    ids += (ids.empty() ? "" : ", ") + bronze::QuoteSqlString(id);
  TradingStarts starts;
  bronze::Status s =
      list.ForEachMarket(fmt::format("condition_id IN ({})", ids), [&](const bronze::TextRow& row) {
        ListedMarket m = PlanningSession::MarketOf(row);
        starts[m.condition_id] = m.trading_start;
        return bronze::Status::Ok();
      });
  for (PlannedFeed& f : ready_) {
    for (const std::string& id : f.feed.condition_ids()) {
      if (auto it = starts.find(id); it != starts.end()) f.starts.insert(*it);
    }
  }
  std::reverse(ready_.begin(), ready_.end());  // handed out in committed order
  return s;
}

bronze::Status TradesPlan::Open(PlanningSession& list) {
  bronze::Status s = ResumeFeeds(list);
  if (!s.ok()) return s;
  // A market needs its feed unless this run fetched it already, or it is closed and complete, or
  // closed and fetched as far as the API reaches (what is missing is counted, not asked).
  const std::string run = bronze::QuoteSqlString(ctx_.run_id());
  const std::string joined =
      ctx_.fresh() ? "(SELECT l.*, NULL::VARCHAR AS state FROM market_list l)"
                   : "(SELECT l.*, s.value AS state FROM market_list l LEFT JOIN trades_streams s "
                     "ON s.key = 'market:' || l.condition_id)";
  const std::string needed = fmt::format(
      "state IS NULL OR NOT (coalesce(json_extract_string(state, '$.run') = {0}, false) OR "
      "coalesce(json_extract_string(state, '$.done') = "
      "'true', false) OR coalesce(json_extract_string(state, '$.api_done') = 'true', false))",
      run);
  const std::string out_of_reach = fmt::format(
      "coalesce(json_extract_string(state, '$.run') <> {}, true) AND "
      "coalesce(json_extract_string(state, '$.done') <> 'true', true) AND "
      "json_extract_string(state, '$.api_done') = 'true' AND json_extract_string(state, "
      "'$.out_of_window') = 'true'",
      run);
  const auto number = [](const std::optional<std::string>& text) {
    int64_t v = 0;
    if (text) std::from_chars(text->data(), text->data() + text->size(), v);
    return v;
  };
  DatasetCounters& counters = ctx_.counters("trades");
  int64_t resumed = 0;
  for (const PlannedFeed& f : ready_) resumed += static_cast<int64_t>(f.feed.members().size());
  counters.units_total = resumed;
  counters.counting = true;
  PlanningSession::Plan plan;
  plan.streams = {{"trades", PlanningSession::StreamKeys::kMarket}};
  plan.count = [&counters, needed, out_of_reach, joined, number](duckdb_connection conn) {
    bronze::QueryResult counts;
    bronze::Status s = bronze::QueryText(
        conn,
        fmt::format("SELECT count(*) FILTER (WHERE {}), count(*) FILTER (WHERE {}) FROM {}", needed,
                    out_of_reach, joined),
        &counts);
    if (s.ok()) {
      counters.units_total += number(counts.rows.at(0).at(0));
      counters.left_out.Add("out_of_window", number(counts.rows.at(0).at(1)));
    }
    return s;
  };
  plan.counted = [&counters] { counters.counting = false; };
  plan.select = fmt::format(
      "SELECT condition_id, closed, trading_start, state FROM {} WHERE {} ORDER BY f, r", joined,
      needed);
  list_ = &list;
  return list.Start(std::move(plan));
}

void TradesPlan::Refill() {
  const int64_t lag = ctx_.config().trades.lag_seconds;
  std::vector<TradeFeed::Member> members;
  TradingStarts starts;
  while (members.size() < kPlanBatch) {
    const bronze::TextRow* row = list_->Next();
    if (row == nullptr) break;
    ListedMarket m = PlanningSession::MarketOf(*row);
    if (in_feed_.count(m.condition_id)) continue;
    nlohmann::json state = nlohmann::json::object();
    if (row->values[3]) {
      nlohmann::json parsed = nlohmann::json::parse(*row->values[3], nullptr, false);
      if (parsed.is_object()) state = std::move(parsed);
    }
    starts[m.condition_id] = m.trading_start;
    members.push_back(MemberFromState(m, state));
  }
  if (bronze::Status s = list_->status(); !s.ok()) {
    ctx_.Fatal("trades: cannot read the market list: " + s.message());
    return;
  }
  DeepenOverlaps(ctx_, run_.columns, &members);
  std::vector<PlannedFeed> feeds;
  for (size_t i = 0; i < members.size(); i += kMarketsPerFeed) {
    const auto first = members.begin() + static_cast<std::ptrdiff_t>(i);
    const auto last = members.begin() +
                      static_cast<std::ptrdiff_t>(std::min(members.size(), i + kMarketsPerFeed));
    PlannedFeed feed{fmt::format("{}{}:{}", kFeedPrefix, ctx_.run_id(), numbered_++),
                     TradeFeed(std::vector<TradeFeed::Member>(std::make_move_iterator(first),
                                                              std::make_move_iterator(last)),
                               lag),
                     {}};
    for (const std::string& id : feed.feed.condition_ids()) feed.starts[id] = starts[id];
    feeds.push_back(std::move(feed));
  }
  ready_.insert(ready_.end(), std::make_move_iterator(feeds.rbegin()),
                std::make_move_iterator(feeds.rend()));
}

bool TradesPlan::Next(PlannedFeed* feed) {
  if (ready_.empty() && list_ && !ctx_.stopping()) Refill();
  if (ready_.empty()) return false;
  *feed = std::move(ready_.back());
  ready_.pop_back();
  return true;
}

// Whether a market began trading before the feed's reach, judged by the servers' clock. A market
// whose start no source knows is out of window when its oldest fill lies within a day of the
// reach: the feed may have been cut there.
bool OutOfWindow(const TradesRun& run, const PlannedFeed& planned,
                 const std::string& condition_id) {
  const TradeFeed& feed = planned.feed;
  const int64_t reach =
      run.ctx.ServerNow() -
      static_cast<int64_t>(run.ctx.config().trades.feed_window_days) * kDaySeconds;
  const auto it = planned.starts.find(condition_id);
  if (it != planned.starts.end() && it->second) return *it->second < reach;
  const std::optional<int64_t> oldest = feed.Oldest(condition_id);
  return oldest && *oldest < reach + kDaySeconds;
}

// The committed state of each member of a finished feed.
nlohmann::json FinishedStates(TradesRun& run, const PlannedFeed& planned) {
  Context& ctx = run.ctx;
  const TradeFeed& feed = planned.feed;
  nlohmann::json progress = nlohmann::json::object();
  for (const TradeFeed::Member& m : feed.members()) {
    const bool out_of_window = OutOfWindow(run, planned, m.condition_id);
    nlohmann::json state = {{"closed", m.closed},
                            {"out_of_window", out_of_window},
                            {"api_done", m.closed},
                            {"done", m.closed && !out_of_window},
                            {"run", ctx.run_id()}};
    if (auto newest = feed.Newest(m.condition_id)) state["w"] = *newest;
    if (auto oldest = feed.Oldest(m.condition_id)) state["oldest"] = *oldest;
    if (!m.closed) {
      if (auto overlap = feed.NextOverlap(m.condition_id)) state["overlap"] = overlap->ToJson();
    }
    if (out_of_window) ctx.counters("trades").left_out.Add("out_of_window");
    progress[MarketTradeKey(m.condition_id)] = std::move(state);
  }
  return progress;
}

// Pages one feed to its end; true when it finished. A feed whose request fails is split until
// the failing market is alone.
bool RunFeed(TradesRun& run, http::Client& client, api::Parser& parser, PlannedFeed& planned) {
  Context& ctx = run.ctx;
  const std::string base = ctx.config().api.data_api_base;
  TradeFeed& feed = planned.feed;
  DatasetCounters& counters = ctx.counters("trades");
  while (!feed.finished() && !ctx.stopping()) {
    const http::Request request{
        api::TradesUrl(base, feed.condition_ids(), api::kTradesPageSize, feed.cursor(), run.filter),
        "data_v2_trades", "data"};
    PageFailure failure;
    auto page = FetchPage<api::TradesPage>(
        ctx, client, request, nullptr, "trades",
        [&](std::string_view body) {
          return api::ParseTradesPage(parser, body, ctx.Lineage(std::string(api::kTradesRoute)));
        },
        &failure);
    if (!page) {
      if (!failure.unit) return false;
      if (!feed.cursor().empty() && failure.status >= 400 && failure.status < 500 &&
          failure.status != 403) {
        // A cursor the API refuses (one kept from an earlier run may have expired): start the
        // feed again from its first page, skipping what it committed.
        PlannedFeed again{planned.key, feed.Restarted(), planned.starts};
        if (!ctx.Append("trades", {}, {{planned.key, again.feed.ToJson()}})) return false;
        ctx.Log(fmt::format("trades: {}: the cursor was refused ({}); starting the feed again",
                            planned.key, failure.error));
        planned = std::move(again);
        continue;
      }
      if (feed.members().size() == 1) {
        ctx.FailUnit({"trades", feed.members()[0].condition_id, request.route, failure.status,
                      failure.error});
        return false;
      }
      // Isolate the failing market: each half resumes below what this feed committed.
      auto [left, right] = feed.Split();
      std::vector<PlannedFeed> halves = {{planned.key + "/0", std::move(left), planned.starts},
                                         {planned.key + "/1", std::move(right), planned.starts}};
      nlohmann::json progress = {{planned.key, nullptr}};
      for (const PlannedFeed& h : halves) progress[h.key] = h.feed.ToJson();
      if (!ctx.Append("trades", {}, std::move(progress))) return false;
      const bool first = RunFeed(run, client, parser, halves[0]);
      const bool second = !ctx.stopping() && RunFeed(run, client, parser, halves[1]);
      return first && second;
    }
    ctx.RecordSkips("trades", page->skipped);
    const std::string next = page->has_more ? page->next_cursor.value_or("") : "";
    const int64_t late_before = feed.late_rows();
    feed.ApplyPage(run.columns, &page->rows, next);
    if (feed.late_rows() > late_before) {
      counters.anomalies.Add("late fills caught by the overlap", feed.late_rows() - late_before);
    }
    nlohmann::json progress = {{planned.key, feed.finished() ? nlohmann::json() : feed.ToJson()}};
    if (feed.finished()) progress.update(FinishedStates(run, planned));
    if (!ctx.Append("trades", std::move(page->rows), std::move(progress))) return false;
  }
  if (feed.finished()) {
    counters.units_done.fetch_add(static_cast<int64_t>(feed.members().size()),
                                  std::memory_order_relaxed);
  }
  return feed.finished();
}

}  // namespace

std::string MarketTradeKey(const std::string& condition_id) {
  return "market:" + condition_id;
}

bool FetchTrades(Context& ctx, PlanningSession& list, int workers) {
  TradesRun run{
      ctx, TradeColumns(), {ctx.config().trades.filter_type, ctx.config().trades.filter_amount}};
  TradesPlan plan(run);
  if (bronze::Status s = plan.Open(list); !s.ok()) {
    ctx.Fatal("trades: cannot plan the run: " + s.message());
    return false;
  }
  return ctx.RunQueue(workers, [&](Context::Task* task) {
    auto feed = std::make_shared<PlannedFeed>();
    if (!plan.Next(feed.get())) return false;
    *task = [&run, feed](http::Client& client, api::Parser& parser) {
      return RunFeed(run, client, parser, *feed);
    };
    return true;
  });
}

}  // namespace polypipe::fetch
