#include "fetch/market_list.h"

#include <fmt/core.h>

#include <algorithm>

#include "bronze/duckdb_session.h"
#include "bronze/reader.h"
#include "fetch/sweep.h"

namespace polypipe::fetch {
namespace {

// Run ids come from our own commit log; still, only ever put their expected characters in SQL.
bool SafeRunId(const std::string& id) {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || c == '-';
  });
}

std::optional<int64_t> Int(const std::optional<std::string>& text) {
  if (!text || text->empty()) return std::nullopt;
  try {
    return std::stoll(*text);
  } catch (...) {
    return std::nullopt;
  }
}

}  // namespace

std::optional<std::vector<ListedMarket>> LoadMarketList(Context& ctx, std::string* error) {
  const std::string& dir = ctx.store().dir();
  const std::string markets_run = CompleteSnapshotRun(ctx, "markets");
  const std::string tokens_run = CompleteSnapshotRun(ctx, "market_tokens");
  if (!SafeRunId(markets_run) || !SafeRunId(tokens_run) ||
      !bronze::HasCommittedFiles(dir, "markets")) {
    *error = fmt::format(
        "{}: no complete market list in Bronze yet (run `polypipe fetch --mode markets`)", dir);
    return std::nullopt;
  }
  const std::string gamma_run = CompleteSnapshotRun(ctx, "gamma_markets");
  const bool gamma = SafeRunId(gamma_run) && bronze::HasCommittedFiles(dir, "gamma_markets");
  const bool tokens = bronze::HasCommittedFiles(dir, "market_tokens");

  std::string sql = fmt::format(
      "WITH m AS (SELECT condition_id, closed, accepting_order_timestamp, end_date_iso, "
      "filename AS f, "
      "file_row_number AS r FROM read_parquet({}, filename = true, file_row_number = true) "
      "WHERE _run_id = '{}')",
      bronze::QuoteSqlString(bronze::GlobFor(dir, "markets")), markets_run);
  sql += tokens
             ? fmt::format(
                   ", t AS (SELECT condition_id, string_agg(token_id, ',' ORDER BY outcome_index) "
                   "AS ids FROM read_parquet({}) WHERE _run_id = '{}' GROUP BY condition_id)",
                   bronze::QuoteSqlString(bronze::GlobFor(dir, "market_tokens")), tokens_run)
             : ", t AS (SELECT NULL::VARCHAR AS condition_id, NULL::VARCHAR AS ids)";
  sql +=
      gamma
          ? fmt::format(
                ", g AS (SELECT condition_id, start_date, created_at, closed_time, end_date, "
                "volume_num, enable_order_book FROM read_parquet({}) WHERE _run_id = '{}' QUALIFY "
                "row_number() "
                "OVER (PARTITION BY condition_id ORDER BY _fetched_at DESC) = 1)",
                bronze::QuoteSqlString(bronze::GlobFor(dir, "gamma_markets")), gamma_run)
          : ", g AS (SELECT NULL::VARCHAR AS condition_id, NULL::TIMESTAMP AS start_date, "
            "NULL::TIMESTAMP AS created_at, NULL::TIMESTAMP AS closed_time, NULL::TIMESTAMP "
            "AS end_date, NULL::DOUBLE AS volume_num, NULL::BOOLEAN AS enable_order_book)";
  sql +=
      " SELECT m.condition_id, m.closed, CASE WHEN g.enable_order_book OR "
      "m.accepting_order_timestamp IS NOT NULL THEN 'yes' WHEN g.enable_order_book IS NULL "
      "THEN 'unknown' ELSE 'no' END, t.ids, "
      "floor(epoch(g.start_date))::BIGINT, floor(epoch(g.created_at))::BIGINT, "
      "floor(epoch(g.closed_time))::BIGINT, "
      "floor(epoch(g.end_date))::BIGINT, floor(epoch(TRY_CAST(m.end_date_iso AS "
      "TIMESTAMP)))::BIGINT, "
      "g.volume_num, floor(epoch(m.accepting_order_timestamp))::BIGINT "
      "FROM m LEFT JOIN t USING (condition_id) LEFT JOIN g USING (condition_id) "
      "ORDER BY m.f, m.r";
  if (ctx.limit() > 0) sql += fmt::format(" LIMIT {}", ctx.limit());

  std::unique_ptr<bronze::Reader> reader;
  bronze::QueryResult result;
  bronze::Status status = bronze::Reader::Open(&reader);
  if (status.ok()) status = reader->Query(sql, &result);
  if (!status.ok()) {
    *error = fmt::format("{}: cannot read the market list from Bronze: {}", dir, status.message());
    return std::nullopt;
  }
  std::vector<ListedMarket> markets;
  markets.reserve(result.rows.size());
  for (const auto& row : result.rows) {
    if (!row[0]) continue;
    ListedMarket m;
    m.condition_id = *row[0];
    m.closed = row[1].value_or("false") == "true";
    m.order_book = row[2].value_or("") == "yes";
    m.order_book_unknown = row[2].value_or("") == "unknown";
    if (row[3]) {
      for (size_t start = 0; start <= row[3]->size();) {
        size_t comma = row[3]->find(',', start);
        if (comma == std::string::npos) comma = row[3]->size();
        if (comma > start) m.token_ids.push_back(row[3]->substr(start, comma - start));
        start = comma + 1;
      }
    }
    m.start = Int(row[4]);
    m.trading_start = m.start;
    if (!m.trading_start) m.trading_start = Int(row[10]);
    if (!m.trading_start) m.trading_start = Int(row[5]);
    if (!m.start) m.start = Int(row[5]);
    m.end = Int(row[6]);
    if (!m.end) m.end = Int(row[7]);
    if (!m.end) m.end = Int(row[8]);
    if (row[9]) {
      try {
        m.volume = std::stod(*row[9]);
      } catch (...) {
      }
    }
    markets.push_back(std::move(m));
  }
  return markets;
}

}  // namespace polypipe::fetch
