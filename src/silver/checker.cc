#include "silver/checker.h"

#include <fmt/format.h>

#include <memory>
#include <sstream>

#include "bronze/duckdb_session.h"
#include "bronze/durable_fs.h"
#include "silver/silver_db.h"
#include "silver/sql.h"

namespace polypipe::silver {
namespace {

struct Rule {
  std::string name;
  bool hard = false;
  std::string description;
  std::string sql;
};

std::string Trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  const size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

// Splits check.sql into its rules (see the header of that file).
std::vector<Rule> ParseRules(std::string_view text) {
  std::vector<Rule> rules;
  std::istringstream in{std::string(text)};
  std::string line;
  constexpr std::string_view kMarker = "-- rule:";
  while (std::getline(in, line)) {
    if (line.rfind(kMarker, 0) == 0) {
      Rule rule;
      std::string spec = line.substr(kMarker.size());
      const size_t a = spec.find('|');
      const size_t b = spec.find('|', a == std::string::npos ? a : a + 1);
      rule.name = Trim(spec.substr(0, a));
      if (a != std::string::npos) rule.hard = Trim(spec.substr(a + 1, b - a - 1)) == "hard";
      if (b != std::string::npos) rule.description = Trim(spec.substr(b + 1));
      rules.push_back(std::move(rule));
    } else if (!rules.empty() && line.rfind("--", 0) != 0) {
      rules.back().sql += line + "\n";
    }
  }
  return rules;
}

}  // namespace

bool CheckReport::passed() const {
  for (const RuleResult& r : rules) {
    if (r.hard && r.violations > 0) return false;
  }
  return true;
}

Status RunChecks(const CheckOptions& check_options, CheckReport* report) {
  *report = CheckReport{};
  const std::string& silver_path = check_options.silver_path;
  if (!bronze::IsRegularFile(silver_path)) {
    return Status::Error(
        fmt::format("{}: no such Silver database (run load-silver first)", silver_path));
  }
  std::unique_ptr<SilverDb> db;
  SilverDbOptions options;
  options.read_only = true;
  options.memory_limit = DuckDbMemoryLimit(check_options.memory_limit);
  options.temp_directory =
      check_options.temp_directory.empty() ? silver_path + ".tmp" : check_options.temp_directory;
  Status s = SilverDb::Open(silver_path, options, &db);
  if (!s.ok()) return s;
  bool has_schema = false;
  s = db->TableExists("loader", "loads", &has_schema);
  if (!s.ok()) return s;
  if (!has_schema) {
    return Status::Error(
        fmt::format("{} is not a Silver database (no loader.loads table)", silver_path));
  }

  // The Bronze trade files Silver loaded, for the gap rule.
  std::string skip_gaps;
  QueryResult r;
  s = db->Query(
      "SELECT (SELECT bronze_dir FROM loader.loads ORDER BY load_id DESC LIMIT 1), f.path "
      "FROM loader.files f WHERE f.dataset = 'trades' ORDER BY f.path",
      &r);
  if (!s.ok()) return s;
  std::string list;
  for (const auto& row : r.rows) {
    if (!row[0] || !row[1]) continue;
    const std::string path = *row[0] + "/" + *row[1];
    if (!bronze::IsRegularFile(path)) {
      skip_gaps = fmt::format("Bronze file {} is gone", path);
      break;
    }
    list += (list.empty() ? "" : ", ") + bronze::QuoteSqlString(path);
  }
  if (skip_gaps.empty()) {
    const std::string source =
        list.empty() ? "SELECT NULL::VARCHAR AS transaction_hash, NULL::VARCHAR AS condition_id, "
                       "NULL::VARCHAR AS token_id, NULL::VARCHAR AS proxy_wallet, NULL::VARCHAR "
                       "AS side, NULL::DOUBLE AS price, NULL::DOUBLE AS size, NULL::BIGINT AS "
                       "\"timestamp\", NULL::BIGINT AS outcome_index, NULL::BIGINT AS fill_seq "
                       "WHERE false"
                     : fmt::format("SELECT * FROM read_parquet([{}], union_by_name = true)", list);
    s = db->Execute("CREATE OR REPLACE TEMP VIEW bronze_trades AS " + source);
    if (!s.ok()) skip_gaps = s.message();
  }

  for (const Rule& rule : ParseRules(EmbeddedSql("check"))) {
    RuleResult result;
    result.name = rule.name;
    result.hard = rule.hard;
    result.description = rule.description;
    if (rule.name == "trade_gaps" && !skip_gaps.empty()) {
      result.skipped = true;
      result.skip_reason = skip_gaps;
      report->rules.push_back(std::move(result));
      continue;
    }
    QueryResult q;
    s = db->Query(rule.sql, &q);
    if (!s.ok()) return Status::Error(fmt::format("rule {}: {}", rule.name, s.message()));
    if (!q.rows.empty()) {
      result.violations = q.rows[0][0] ? std::stoll(*q.rows[0][0]) : 0;
      if (q.rows[0].size() > 1 && q.rows[0][1]) result.example = *q.rows[0][1];
    }
    report->rules.push_back(std::move(result));
  }
  return Status::Ok();
}

int RunCheck(const CheckOptions& options) {
  CheckReport report;
  const Status s = RunChecks(options, &report);
  if (!s.ok()) {
    fmt::print(stderr, "polypipe check: {}\n", s.message());
    return 1;
  }
  fmt::print("check {}\n", options.silver_path);
  fmt::print("  {:<26} {:<5} {:>10}  {}\n", "rule", "level", "violations", "status");
  int failed = 0, warned = 0;
  for (const RuleResult& r : report.rules) {
    std::string status;
    if (r.skipped) {
      status = "skipped: " + r.skip_reason;
    } else if (r.violations == 0) {
      status = "ok";
    } else {
      status = fmt::format("{}: {}", r.hard ? "FAIL" : "warn", r.description);
      if (!r.example.empty()) status += fmt::format(" (e.g. {})", r.example);
      ++(r.hard ? failed : warned);
    }
    fmt::print("  {:<26} {:<5} {:>10}  {}\n", r.name, r.hard ? "hard" : "warn", r.violations,
               status);
  }
  if (failed > 0) {
    fmt::print("check: FAILED ({} hard rule(s) broken, {} warning(s))\n", failed, warned);
    return 1;
  }
  fmt::print("check: passed ({} warning(s))\n", warned);
  return 0;
}

}  // namespace polypipe::silver
