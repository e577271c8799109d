// Hostile data through polysim (`hostile_rate`, `hostile_pages`, see sim/hostile.h): build/polypipe
// fetches a universe whose records carry path and quote characters, NUL, 1 MB titles, numbers as
// strings, NaN, out-of-range prices, 200-digit ids and duplicated keys, and pages that are not
// JSON at all. The rules under test (README, "Hostile data"): odd but valid values are kept byte
// for byte; a record whose required field is unusable is skipped and counted with its reason;
// a broken body fails its stream after retries with one clear line; nothing is written outside
// the data directory; no API string ever reaches SQL as text.

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "sim/hostile.h"
#include "tests/fetch/fetch_harness.h"
#include "tests/hardening/hardening.h"

namespace polypipe::testing {
namespace {

polysim::ServerOptions HostileUniverse(double rate, bool pages) {
  polysim::ServerOptions o;
  o.universe.seed = 11;
  o.universe.markets = 60;
  o.universe.mean_trades = 30;
  o.universe.heavy_markets = 1;
  o.universe.heavy_trades = 2'000;
  o.universe.history_days = 30;
  o.universe.hostile_rate = rate;
  o.universe.hostile_pages = pages;
  o.threads = 8;
  return o;
}

// The fetch command line of `h` with the data directory moved to `data_dir`.
std::vector<std::string> ArgsWithDataDir(const FetchHarness& h, const fs::path& data_dir,
                                         const std::vector<std::string>& extra) {
  std::vector<std::string> args = h.FetchArgs(extra);
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "--data-dir") args[i + 1] = data_dir.string();
  }
  return args;
}

std::string InList(const std::set<std::string>& values) {
  std::string sql;
  for (const auto& v : values) sql += (sql.empty() ? "" : ", ") + bronze::QuoteSqlString(v);
  return sql.empty() ? "NULL" : sql;
}

TEST(HostileData, PolysimPlantsEveryKindAndIsUnchangedWhenOff) {
  SimClient plain(HostileUniverse(0, false));
  SimClient hostile(HostileUniverse(0.08, true));
  const auto truth = hostile.Truth();
  ASSERT_TRUE(truth.contains("hostile")) << truth.dump().substr(0, 300);
  EXPECT_FALSE(plain.Truth().contains("hostile"));
  const auto& kinds = truth["hostile"]["kinds"];
  for (const auto& k : polysim::kHostileTradeKinds) {
    EXPECT_GT(kinds.value(std::string("trades.") + k.name, 0), 0) << k.name;
  }
  for (const auto& k : polysim::kHostileBoardKinds) {
    EXPECT_GT(kinds.value(std::string("leaderboard.") + k.name, 0), 0) << k.name;
  }
  for (const auto& k : polysim::kHostileMarketKinds) {
    EXPECT_GT(kinds.value(std::string("markets.") + k.name, 0), 0) << k.name;
  }
  // Same universe otherwise: the truth's datasets agree, and a page without planted records is
  // byte-identical while one with them differs.
  EXPECT_EQ(plain.Truth()["datasets"], truth["datasets"]);
  EXPECT_EQ(plain.Get("/gamma/tags?limit=100")->body, hostile.Get("/gamma/tags?limit=100")->body);
  const auto a = plain.Get("/clob/markets");
  const auto b = hostile.Get("/clob/markets");
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->body, b->body);
  EXPECT_GT(b->body.size(), a->body.size() + (1u << 20));  // a 1 MB question is on the page
  const auto broken = hostile.Get("/data/v1/leaderboard?category=POLITICS&timePeriod=DAY&limit=50");
  ASSERT_TRUE(broken);
  EXPECT_EQ(broken->status, 200);
  EXPECT_TRUE(nlohmann::json::parse(broken->body, nullptr, false).is_discarded());
}

TEST(HostileData, FetchKeepsOddRowsVerbatimSkipsInvalidOnesAndWritesOnlyItsDataDir) {
  FetchHarness h("hostile-fetch", HostileUniverse(0.08, false));
  // The data directory sits nine levels deep in a sandbox, so that any `../` in an API string
  // used as a path would still land inside the sandbox, where the listing below sees it.
  const fs::path sandbox = polysim::testing::TempDir("hostile-sandbox");
  struct RemoveOnExit {
    fs::path dir;
    ~RemoveOnExit() { fs::remove_all(dir); }
  } cleanup{sandbox};
  const fs::path data = sandbox / "a/b/c/d/e/f/g/h/data";
  fs::create_directories(data.parent_path());
  const fs::path cwd = fs::current_path();
  const auto sandbox_before = ListTree(sandbox);
  const auto cwd_before = ListTree(cwd);

  const auto run = polysim::testing::RunToEnd(ArgsWithDataDir(h, data, {}), 300);
  ASSERT_EQ(run.code, 0) << run.output.substr(run.output.size() > 4000 ? run.output.size() - 4000
                                                                       : 0);

  // Nothing outside the data directory.
  for (const auto& path : ListTree(sandbox)) {
    if (sandbox_before.count(path)) continue;
    EXPECT_TRUE(path.rfind("a/b/c/d/e/f/g/h/data", 0) == 0) << "written outside: " << path;
  }
  for (const auto& path : ListTree(cwd)) EXPECT_TRUE(cwd_before.count(path)) << "in cwd: " << path;
  for (const auto& path : ListTree(data)) {
    EXPECT_EQ(path.find(".."), std::string::npos) << path;
    EXPECT_EQ(path.find("passwd"), std::string::npos) << path;
  }

  // Counts: the truth minus exactly the planted invalid rows.
  const auto truth = h.sim().Truth();
  const auto& hostile = truth["hostile"];
  auto count = [&](const std::string& dataset) -> int64_t {
    if (!bronze::HasCommittedFiles(data.string(), dataset)) return 0;
    auto r = h.Query("SELECT count(*) FROM read_parquet(" +
                     bronze::QuoteSqlString(bronze::GlobFor(data.string(), dataset)) + ")");
    return r.rows.empty() ? -1 : std::stoll(*r.rows[0][0]);
  };
  EXPECT_EQ(count("trades"), hostile["kept"]["trades"].get<int64_t>());
  EXPECT_EQ(count("leaderboard"), hostile["kept"]["leaderboard"].get<int64_t>());
  EXPECT_LT(hostile["kept"]["trades"].get<int64_t>(), truth["datasets"]["trades"].get<int64_t>());
  for (const std::string dataset : {"markets", "market_tokens", "prices", "gamma_markets",
                                    "gamma_events", "gamma_categories"}) {
    EXPECT_EQ(count(dataset), truth["datasets"][dataset].get<int64_t>()) << dataset;
  }

  // The run report counts every skip, with a reason naming the field.
  const auto report = NewestRunReport(data);
  ASSERT_TRUE(report.is_object());
  EXPECT_EQ(report.value("state", ""), "finished");
  std::map<std::string, std::set<std::string>> skipped_fields;  // dataset -> API keys
  for (const auto& p : hostile["planted"]) {
    if (p["outcome"] == "skipped") skipped_fields[p["dataset"]].insert(p["field"]);
  }
  for (const std::string dataset : {"trades", "leaderboard"}) {
    const auto& d = report["datasets"][dataset];
    EXPECT_EQ(d.value("skipped", -1), hostile["skipped"][dataset].get<int64_t>()) << dataset;
    int64_t sum = 0;
    for (const auto& [reason, n] : d["skip_reasons"].items()) {
      sum += n.get<int64_t>();
      EXPECT_EQ(reason.rfind(dataset + ": ", 0), 0u) << reason;
      bool named = false;
      for (const auto& field : skipped_fields[dataset]) {
        named = named || reason.find("'" + field + "'") != std::string::npos;
      }
      EXPECT_TRUE(named) << dataset << " reason names no planted field: " << reason;
    }
    EXPECT_EQ(sum, d.value("skipped", -1)) << dataset;
    for (const auto& field : skipped_fields[dataset]) {
      bool seen = false;
      for (const auto& [reason, n] : d["skip_reasons"].items()) {
        seen = seen || reason.find("'" + field + "'") != std::string::npos;
      }
      EXPECT_TRUE(seen) << dataset << ": no skip reason for field " << field;
    }
  }

  // Kept hostile trades round-trip byte for byte (quotes, backslashes, NUL, 1 MB, `../`).
  const polysim::Universe& u = h.sim().server().universe();
  std::set<std::string> hashes;
  for (const auto& p : hostile["planted"]) {
    if (p["dataset"] == "trades" && p["outcome"] == "kept") hashes.insert(p["transaction_hash"]);
  }
  ASSERT_FALSE(hashes.empty());
  const auto rows = h.Query(
      "SELECT transaction_hash, hex(title), price::VARCHAR, token_id, outcome_index, _extra, "
      "hex(name), hex(slug) FROM read_parquet(" +
      bronze::QuoteSqlString(bronze::GlobFor(data.string(), "trades")) +
      ") WHERE transaction_hash IN (" + InList(hashes) + ")");
  std::multimap<std::string, std::vector<std::string>> by_hash;
  for (const auto& r : rows.rows) {
    std::vector<std::string> cells;
    for (const auto& c : r) cells.push_back(c.value_or("<NULL>"));
    by_hash.emplace(cells[0], cells);
  }
  int checked = 0;
  for (const auto& p : hostile["planted"]) {
    if (p["dataset"] != "trades" || p["outcome"] != "kept") continue;
    const polysim::Market& m = u.markets()[p["market"].get<int>()];
    const polysim::Trade t = u.MakeTrade(m, p["index"].get<int64_t>());
    int kind = -1;
    for (size_t k = 0; k < polysim::kHostileTradeKinds.size(); ++k) {
      if (p["kind"] == polysim::kHostileTradeKinds[k].name) kind = static_cast<int>(k);
    }
    ASSERT_GE(kind, 0);
    const std::string name = p["kind"];
    // A row of this hash matching what the kind must store (a repeated fill shares the hash).
    auto any = [&](auto match) {
      auto [lo, hi] = by_hash.equal_range(t.transaction_hash);
      for (auto it = lo; it != hi; ++it) {
        if (match(it->second)) return true;
      }
      return false;
    };
    bool ok = false;
    const std::string title = polysim::HostileTradeTitle(t, kind);
    if (!title.empty()) {
      ok = any([&](const auto& c) { return c[1] == Hex(title); });
      if (name == "quote_text") {
        ok = ok && any([&](const auto& c) { return c[6] == Hex(polysim::kHostileName); });
      }
    } else if (name == "negative_price") {
      ok = any([](const auto& c) { return c[2] == "-0.25"; });
    } else if (name == "price_above_one") {
      ok = any([](const auto& c) { return c[2] == "1.75"; });
    } else if (name == "numbers_as_strings" || name == "duplicate_keys") {
      ok =
          any([&](const auto& c) { return std::stod(c[2]) == t.price && c[1] == Hex(m.question); });
    } else if (name == "long_token_id") {
      ok = any([](const auto& c) {
        return c[3].size() == 200 && c[3].find_first_not_of("0123456789") == std::string::npos;
      });
    } else if (name == "mistyped_optional") {
      ok = any([](const auto& c) {
        return c[4] == "<NULL>" && c[5].find(R"("outcome_index":"first")") != std::string::npos &&
               c[5].find(R"("bio":{"a":[1]})") != std::string::npos;
      });
    } else if (name == "huge_optional") {
      ok = any([](const auto& c) {
        return c[4] == "<NULL>" && c[5].find("1180591620717411303424") != std::string::npos;
      });
    }
    EXPECT_TRUE(ok) << name << " trade " << t.transaction_hash << " not stored as sent";
    ++checked;
  }
  EXPECT_EQ(checked, static_cast<int>(hostile["kinds"].value("trades.path_text", 0) +
                                      hostile["kinds"].value("trades.quote_text", 0) +
                                      hostile["kinds"].value("trades.nul_text", 0) +
                                      hostile["kinds"].value("trades.megabyte_title", 0) +
                                      hostile["kinds"].value("trades.numbers_as_strings", 0) +
                                      hostile["kinds"].value("trades.strings_as_numbers", 0) +
                                      hostile["kinds"].value("trades.mistyped_optional", 0) +
                                      hostile["kinds"].value("trades.negative_price", 0) +
                                      hostile["kinds"].value("trades.price_above_one", 0) +
                                      hostile["kinds"].value("trades.long_token_id", 0) +
                                      hostile["kinds"].value("trades.duplicate_keys", 0) +
                                      hostile["kinds"].value("trades.huge_optional", 0)));

  // Hostile markets: the 1 MB question and the path-like slug, exactly; the decoy of a duplicated
  // key loses to the later value.
  for (const auto& p : hostile["planted"]) {
    if (p["dataset"] != "markets") continue;
    const int mi = u.FindMarket(p["condition_id"].get<std::string>());
    ASSERT_GE(mi, 0);
    const polysim::Market& m = u.markets()[mi];
    int kind = -1;
    for (size_t k = 0; k < polysim::kHostileMarketKinds.size(); ++k) {
      if (p["kind"] == polysim::kHostileMarketKinds[k].name) kind = static_cast<int>(k);
    }
    const auto r =
        h.Query("SELECT hex(question), hex(market_slug), hex(description) FROM read_parquet(" +
                bronze::QuoteSqlString(bronze::GlobFor(data.string(), "markets")) +
                ") WHERE condition_id = " + bronze::QuoteSqlString(m.condition_id));
    ASSERT_EQ(r.rows.size(), 1u) << m.condition_id;
    EXPECT_EQ(r.rows[0][0].value_or(""), Hex(polysim::HostileMarketQuestion(m, kind))) << p["kind"];
    if (p["kind"] == "path_slug") {
      EXPECT_EQ(r.rows[0][1].value_or(""), Hex(polysim::HostilePathText(mi)));
      EXPECT_EQ(r.rows[0][2].value_or(""),
                Hex(polysim::HostileNulText(mi) + polysim::HostileQuoteText(mi)));
    }
  }

  // Hostile board rows: the quoted name exactly; NaN/Infinity in optional numbers -> NULL and
  // the text kept in _extra; a number where the API sends a string rank is still the rank.
  const auto board = h.Query(
      "SELECT count(*) FILTER (WHERE hex(user_name) = " +
      bronze::QuoteSqlString(Hex(polysim::kHostileName)) +
      "), count(*) FILTER (WHERE pnl IS NULL AND vol IS NULL AND _extra LIKE '%\"pnl\":\"NaN\"%' "
      "AND _extra LIKE '%\"vol\":\"Infinity\"%') FROM read_parquet(" +
      bronze::QuoteSqlString(bronze::GlobFor(data.string(), "leaderboard")) + ")");
  ASSERT_EQ(board.rows.size(), 1u);
  EXPECT_EQ(std::stoll(board.rows[0][0].value_or("-1")),
            hostile["kinds"].value("leaderboard.quote_name", -2));
  EXPECT_EQ(std::stoll(board.rows[0][1].value_or("-1")),
            hostile["kinds"].value("leaderboard.nan_pnl", -2));
}

TEST(HostileData, BrokenPagesFailOnlyTheirBoardsWithClearLines) {
  FetchHarness h("hostile-pages", HostileUniverse(0, true));
  const auto run = h.Fetch({"--mode", "leaderboard"}, {}, 300);
  EXPECT_EQ(run.code, 1) << run.output.substr(0, 4000);
  const auto truth = h.sim().Truth();
  const auto& hostile = truth["hostile"];
  ASSERT_EQ(hostile["broken_pages"].size(), polysim::kBrokenBoardPages.size());
  // Every other board is complete; the broken boards hold nothing.
  EXPECT_EQ(h.Count("leaderboard"), hostile["kept"]["leaderboard"].get<int64_t>());
  EXPECT_EQ(h.Count("leaderboard") + hostile["lost"]["leaderboard"].get<int64_t>(),
            truth["datasets"]["leaderboard"].get<int64_t>());
  for (const auto& page : hostile["broken_pages"]) {
    const auto r = h.Query(
        "SELECT count(*) FROM " + h.Scan("leaderboard") +
        " WHERE category = " + bronze::QuoteSqlString(page["category"].get<std::string>()) +
        " AND time_period = " + bronze::QuoteSqlString(page["time_period"].get<std::string>()) +
        " AND order_by = 'PNL'");
    EXPECT_EQ(r.rows.at(0).at(0).value_or("?"), "0") << page.dump();
  }
  const auto report = NewestRunReport(h.data_dir());
  ASSERT_TRUE(report.is_object());
  EXPECT_NE(report.value("state", ""), "finished");
  const auto& d = report["datasets"]["leaderboard"];
  EXPECT_EQ(d.value("stream_errors", -1), static_cast<int>(polysim::kBrokenBoardPages.size()));
  EXPECT_GE(d.value("bad_pages", -1), static_cast<int>(polysim::kBrokenBoardPages.size()));
  // Each broken page is named on one line of its own: the route and what is wrong.
  for (const auto& page : hostile["broken_pages"]) {
    const std::string category = page["category"];
    bool named = false;
    size_t start = 0;
    for (int lines = 0; start < run.output.size() && lines < 100'000; ++lines) {
      size_t end = run.output.find('\n', start);
      if (end == std::string::npos) end = run.output.size();
      const std::string line = run.output.substr(start, end - start);
      named = named || (line.find("category=" + category) != std::string::npos &&
                        line.find("leaderboard") != std::string::npos);
      start = end + 1;
    }
    EXPECT_TRUE(named) << category << " not named in:\n" << run.output.substr(0, 4000);
  }
  EXPECT_EQ(h.StagedFiles(), 0);
  EXPECT_EQ(report.value("state", ""), "finished_with_failures");
  EXPECT_EQ(report.value("failed_unit_count", -1),
            static_cast<int>(polysim::kBrokenBoardPages.size()));
  // No crash: the process exited by itself. The run finished with failed units, so the next
  // invocation is a new run (a new snapshot) that retries them: the pages are still broken, the
  // same boards fail the same way, and what the first run committed is untouched.
  const int64_t before = h.Count("leaderboard");
  const std::string first_run = report.value("run_id", "");
  const auto again = h.Fetch({"--mode", "leaderboard"}, {}, 300);
  EXPECT_EQ(again.code, 1) << again.output.substr(0, 2000);
  EXPECT_EQ(h.Count("leaderboard"), 2 * before);
  const auto kept = h.Query("SELECT count(*) FROM " + h.Scan("leaderboard") +
                            " WHERE _run_id = " + bronze::QuoteSqlString(first_run));
  EXPECT_EQ(kept.rows.at(0).at(0).value_or("?"), std::to_string(before));
  EXPECT_EQ(NewestRunReport(h.data_dir()).value("failed_unit_count", -1),
            static_cast<int>(polysim::kBrokenBoardPages.size()));
}

}  // namespace
}  // namespace polypipe::testing
