// Schemas and rows shared by the Bronze tests: a trade-like dataset partitioned by a unix-seconds
// column, and a snapshot dataset with one column of every ColumnType.

#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bronze/row.h"

namespace polypipe::bronze::testing {

// 2026-01-01T00:00:00Z
constexpr int64_t kDay0Seconds = 1767225600;
constexpr int64_t kDaySeconds = 86400;

// A trade-like schema: 25 columns, dt from "timestamp" (BIGINT unix seconds).
inline Schema TradeSchema(const std::string& dataset = "trades") {
  Schema s;
  s.dataset = dataset;
  s.columns = {
      {"proxy_wallet", ColumnType::kVarchar},  {"side", ColumnType::kVarchar},
      {"asset", ColumnType::kVarchar},         {"condition_id", ColumnType::kVarchar},
      {"size", ColumnType::kDouble},           {"price", ColumnType::kDouble},
      {"timestamp", ColumnType::kBigint},      {"title", ColumnType::kVarchar},
      {"slug", ColumnType::kVarchar},          {"icon", ColumnType::kVarchar},
      {"event_slug", ColumnType::kVarchar},    {"outcome", ColumnType::kVarchar},
      {"outcome_index", ColumnType::kBigint},  {"name", ColumnType::kVarchar},
      {"pseudonym", ColumnType::kVarchar},     {"bio", ColumnType::kVarchar},
      {"profile_image", ColumnType::kVarchar}, {"transaction_hash", ColumnType::kVarchar},
      {"fill_seq", ColumnType::kBigint},       {"is_maker", ColumnType::kBoolean},
      {"tags", ColumnType::kVarcharList},      {"raw", ColumnType::kJson},
      {"_fetched_at", ColumnType::kTimestamp}, {"_run_id", ColumnType::kVarchar},
      {"_source", ColumnType::kVarchar},
  };
  s.partition_column = s.Index("timestamp");
  return s;
}

// A trade row numbered `i` at `ts` (unix seconds).
inline Row TradeRow(int64_t i, int64_t ts) {
  const std::string n = std::to_string(i);
  return Row{
      std::string("0x56687bf447db6ffa42ffe2204a05edaa20f55839"),
      std::string(i % 2 ? "BUY" : "SELL"),
      std::string("7132104567079762958806219264575396541581298567227183711428452399153402") + n,
      std::string("0xdd22472e552920b8438158ea7238bfadfa4f736aa4cee91a6b86c39ead110917"),
      static_cast<double>(i % 1000) + 0.25,
      0.5 + static_cast<double>(i % 50) / 100.0,
      ts,
      std::string("Will the example market resolve yes?"),
      std::string("will-the-example-market-resolve-yes"),
      std::string("https://example.invalid/icon.png"),
      std::string("example-event"),
      std::string(i % 2 ? "Yes" : "No"),
      int64_t{i % 2},
      std::string("trader") + n,
      std::string("Pseudo-Name"),
      std::monostate{},
      std::string("https://example.invalid/p.png"),
      std::string("0x") + std::string(64 - n.size(), 'a') + n,
      int64_t{0},
      i % 3 == 0,
      std::vector<std::string>{"politics", "us"},
      std::string(R"({"k":)") + n + "}",
      int64_t{(kDay0Seconds + 10) * 1'000'000},
      std::string("run-1"),
      std::string("/v2/trades"),
  };
}

// A snapshot schema (dt from _fetched_at) with a column of every type.
inline Schema AllTypesSchema(const std::string& dataset = "everything") {
  Schema s;
  s.dataset = dataset;
  s.columns = {
      {"id", ColumnType::kBigint},         {"name", ColumnType::kVarchar},
      {"score", ColumnType::kDouble},      {"active", ColumnType::kBoolean},
      {"created", ColumnType::kTimestamp}, {"tags", ColumnType::kVarcharList},
      {"payload", ColumnType::kJson},      {"_fetched_at", ColumnType::kTimestamp},
  };
  s.partition_column = -1;
  return s;
}

}  // namespace polypipe::bronze::testing
