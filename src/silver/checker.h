// Checker: `polypipe check`, the data-quality report over a Silver database. The rules live in
// sql/check.sql (duplicate keys, broken type-2 history, orphan facts, prices outside [0, 1],
// trade gaps against Bronze); each has a severity, and a hard rule with violations fails the
// check.
//
// The gap rule compares, for every market whose trade feed the fetch recorded complete, the
// trades in Silver with the distinct trades in the Bronze files Silver loaded (read again from
// the Bronze directory recorded by the last load). When those files are gone, the rule is
// skipped and says so.
//
// Thread-safety: one Checker per thread.

#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bronze/status.h"

namespace polypipe::silver {

using bronze::Status;

struct RuleResult {
  std::string name;
  bool hard = false;
  std::string description;
  int64_t violations = 0;
  std::string example;  // one offending key, when the rule can name one
  bool skipped = false;
  std::string skip_reason;
};

struct CheckReport {
  std::vector<RuleResult> rules;
  bool passed() const;
};

struct CheckOptions {
  std::string silver_path = "data/polymarket.duckdb";
  // As LoadOptions::memory_limit (config `silver.memory_limit`): DuckDB gets 70% of it and spills
  // to temp_directory past that. Without a limit DuckDB takes 80% of the machine's memory: the
  // check of 100M trades held 17 GB. REQUIRES: a size fetch::IsMemorySize accepts.
  std::string memory_limit = "1GB";
  std::string temp_directory;  // empty: "<silver_path>.tmp"
};

// Runs every rule against the Silver database at options.silver_path (opened read-only).
Status RunChecks(const CheckOptions& options, CheckReport* report);

// `polypipe check`: prints the report; returns 0 when every hard rule holds, 1 when one fails or
// the database cannot be checked (one line on stderr).
int RunCheck(const CheckOptions& options);

}  // namespace polypipe::silver
