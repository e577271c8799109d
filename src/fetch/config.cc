#include "fetch/config.h"

#include <fmt/core.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

namespace polypipe::fetch {
namespace {

using nlohmann::json;

const std::set<std::string> kLimiters = {"data",
                                         "data_v2_trades",
                                         "data_leaderboard",
                                         "clob",
                                         "clob_markets",
                                         "clob_prices_history",
                                         "clob_batch_prices_history",
                                         "gamma",
                                         "gamma_markets",
                                         "gamma_events",
                                         "gamma_tags"};
const std::set<std::string> kWorkerKinds = {"markets", "trades", "prices", "leaderboard", "gamma"};
const std::set<std::string> kDatasets = {"markets",      "market_tokens",   "trades",
                                         "prices",       "leaderboard",     "gamma_markets",
                                         "gamma_events", "gamma_categories"};

// Walks the file's JSON and records the first problem with the key's dotted path.
class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  const std::optional<std::string>& error() const { return error_; }

  void Fail(const std::string& path, const std::string& what) {
    if (!error_) error_ = fmt::format("{}: {}: {}", file_, Escaped(path), what);
  }

  // REQUIRES: v is an object. Fails on keys outside `allowed`.
  bool Keys(const json& v, const std::string& path, const std::set<std::string>& allowed) {
    if (!v.is_object()) {
      Fail(path, fmt::format("expected an object, got {}", Show(v)));
      return false;
    }
    for (const auto& [key, value] : v.items()) {
      if (!allowed.count(key)) {
        Fail(Join(path, key), "unknown key");
        return false;
      }
    }
    return true;
  }

  void Int(const json& v, const std::string& path, int min, int* out) {
    if (!v.is_number_integer() || v.get<int64_t>() < min || v.get<int64_t>() > 1'000'000'000) {
      Fail(path, fmt::format("expected an integer >= {}, got {}", min, Show(v)));
      return;
    }
    *out = v.get<int>();
  }

  void Number(const json& v, const std::string& path, double min, double* out) {
    if (!v.is_number() || !(v.get<double>() >= min) || v.get<double>() > 1e12) {
      Fail(path, fmt::format("expected a number >= {}, got {}", min, Show(v)));
      return;
    }
    *out = v.get<double>();
  }

  void String(const json& v, const std::string& path, std::string* out) {
    if (!v.is_string()) {
      Fail(path, fmt::format("expected a string, got {}", Show(v)));
      return;
    }
    *out = v.get<std::string>();
  }

  void Url(const json& v, const std::string& path, std::string* out) {
    String(v, path, out);
    if (error_) return;
    if (out->rfind("http://", 0) != 0 && out->rfind("https://", 0) != 0) {
      Fail(path, fmt::format("expected an http:// or https:// URL, got {}", Show(v)));
    }
    while (!out->empty() && out->back() == '/') out->pop_back();
  }

  static std::string Join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }

 private:
  // Keys come from the file: control characters in them are escaped to keep the error one line.
  static std::string Escaped(const std::string& path) {
    std::string out;
    for (const char ch : path) {
      const auto c = static_cast<unsigned char>(ch);
      out += c < 0x20 || c == 0x7f ? fmt::format("\\x{:02x}", c) : std::string(1, ch);
    }
    return out;
  }

  static std::string Show(const json& v) {
    std::string text = v.dump();
    if (text.size() > 60) text = text.substr(0, 57) + "...";
    return text;
  }

  std::string file_;
  std::optional<std::string> error_;
};

void ReadApi(Reader& r, const json& v, ApiSetting* api) {
  if (!r.Keys(v, "api",
              {"data_api_base", "clob_api_base", "gamma_api_base", "timeout", "connect_timeout",
               "ca_bundle"})) {
    return;
  }
  if (v.contains("data_api_base"))
    r.Url(v["data_api_base"], "api.data_api_base", &api->data_api_base);
  if (v.contains("clob_api_base"))
    r.Url(v["clob_api_base"], "api.clob_api_base", &api->clob_api_base);
  if (v.contains("gamma_api_base")) {
    r.Url(v["gamma_api_base"], "api.gamma_api_base", &api->gamma_api_base);
  }
  if (v.contains("timeout")) r.Number(v["timeout"], "api.timeout", 0.1, &api->timeout);
  if (v.contains("connect_timeout")) {
    r.Number(v["connect_timeout"], "api.connect_timeout", 0.1, &api->connect_timeout);
  }
  if (v.contains("ca_bundle")) r.String(v["ca_bundle"], "api.ca_bundle", &api->ca_bundle);
}

void ReadRateLimits(Reader& r, const json& v, std::map<std::string, RateLimitSetting>* limits) {
  if (!r.Keys(v, "rate_limits", kLimiters)) return;
  for (const auto& [key, limit] : v.items()) {
    const std::string path = "rate_limits." + key;
    if (!r.Keys(limit, path, {"requests", "window_seconds"})) return;
    RateLimitSetting& out = (*limits)[key];
    if (limit.contains("requests")) r.Int(limit["requests"], path + ".requests", 0, &out.requests);
    if (limit.contains("window_seconds")) {
      r.Number(limit["window_seconds"], path + ".window_seconds", 0.001, &out.window_seconds);
    }
  }
}

void ReadCounts(Reader& r, const json& v, const std::string& path,
                const std::set<std::string>& keys, int min, std::map<std::string, int>* out) {
  if (!r.Keys(v, path, keys)) return;
  for (const auto& [key, n] : v.items()) r.Int(n, path + "." + key, min, &(*out)[key]);
}

void ReadRetry(Reader& r, const json& v, RetrySetting* retry) {
  if (!r.Keys(
          v, "retry",
          {"max_attempts", "base_delay", "max_delay", "exponential_base", "host_down_seconds"})) {
    return;
  }
  if (v.contains("max_attempts"))
    r.Int(v["max_attempts"], "retry.max_attempts", 1, &retry->max_attempts);
  if (v.contains("base_delay"))
    r.Number(v["base_delay"], "retry.base_delay", 0, &retry->base_delay);
  if (v.contains("max_delay")) r.Number(v["max_delay"], "retry.max_delay", 0, &retry->max_delay);
  if (v.contains("exponential_base")) {
    r.Number(v["exponential_base"], "retry.exponential_base", 1, &retry->exponential_base);
  }
  if (v.contains("host_down_seconds")) {
    r.Number(v["host_down_seconds"], "retry.host_down_seconds", 0, &retry->host_down_seconds);
  }
}

void ReadTrades(Reader& r, const json& v, TradesSetting* t) {
  if (!r.Keys(v, "trades", {"filter_type", "filter_amount", "feed_window_days", "lag_seconds"})) {
    return;
  }
  if (v.contains("filter_type")) {
    r.String(v["filter_type"], "trades.filter_type", &t->filter_type);
    if (!r.error() && t->filter_type != "TOKENS" && t->filter_type != "CASH") {
      r.Fail("trades.filter_type",
             "expected \"TOKENS\" or \"CASH\", got \"" + t->filter_type + "\"");
    }
  }
  if (v.contains("filter_amount")) {
    r.Number(v["filter_amount"], "trades.filter_amount", 0, &t->filter_amount);
  }
  if (v.contains("feed_window_days")) {
    r.Int(v["feed_window_days"], "trades.feed_window_days", 1, &t->feed_window_days);
  }
  if (v.contains("lag_seconds")) r.Int(v["lag_seconds"], "trades.lag_seconds", 0, &t->lag_seconds);
}

void ReadPrices(Reader& r, const json& v, PriceResolution* p) {
  if (!r.Keys(
          v, "price_resolution",
          {"fidelity", "high_volume_fidelity", "high_volume_threshold", "ladder", "window_days"})) {
    return;
  }
  if (v.contains("fidelity")) r.Int(v["fidelity"], "price_resolution.fidelity", 1, &p->fidelity);
  if (v.contains("high_volume_fidelity")) {
    r.Int(v["high_volume_fidelity"], "price_resolution.high_volume_fidelity", 1,
          &p->high_volume_fidelity);
  }
  if (v.contains("high_volume_threshold")) {
    r.Number(v["high_volume_threshold"], "price_resolution.high_volume_threshold", 0,
             &p->high_volume_threshold);
  }
  if (v.contains("window_days")) {
    r.Int(v["window_days"], "price_resolution.window_days", 1, &p->window_days);
    if (p->window_days > 15) r.Fail("price_resolution.window_days", "the API allows at most 15");
  }
  if (v.contains("ladder")) {
    const json& ladder = v["ladder"];
    if (!ladder.is_array() || ladder.empty()) {
      r.Fail("price_resolution.ladder", "expected a non-empty list of minutes");
      return;
    }
    p->ladder.clear();
    for (size_t i = 0; i < ladder.size(); ++i) {
      int minutes = 0;
      r.Int(ladder[i], fmt::format("price_resolution.ladder[{}]", i), 1, &minutes);
      if (!p->ladder.empty() && minutes <= p->ladder.back()) {
        r.Fail(fmt::format("price_resolution.ladder[{}]", i), "the ladder must increase");
      }
      p->ladder.push_back(minutes);
    }
  }
}

void ReadLog(Reader& r, const json& v, LogSetting* log) {
  if (!r.Keys(v, "log", {"checkpoint_every", "log_retention"})) return;
  if (v.contains("checkpoint_every")) {
    r.Int(v["checkpoint_every"], "log.checkpoint_every", 0, &log->checkpoint_every);
  }
  if (v.contains("log_retention")) {
    r.Int(v["log_retention"], "log.log_retention", 0, &log->log_retention);
  }
}

void ReadCompact(Reader& r, const json& v, CompactSetting* compact) {
  if (!r.Keys(v, "compact", {"target_size_mb", "auto_max_small_files", "max_live_small_files"})) {
    return;
  }
  if (v.contains("target_size_mb")) {
    r.Int(v["target_size_mb"], "compact.target_size_mb", 1, &compact->target_size_mb);
  }
  if (v.contains("auto_max_small_files")) {
    r.Int(v["auto_max_small_files"], "compact.auto_max_small_files", 0,
          &compact->auto_max_small_files);
  }
  if (v.contains("max_live_small_files")) {
    r.Int(v["max_live_small_files"], "compact.max_live_small_files", 0,
          &compact->max_live_small_files);
  }
}

void ReadPlan(Reader& r, const json& v, PlanSetting* plan) {
  if (!r.Keys(v, "plan", {"markets_per_part"})) return;
  if (v.contains("markets_per_part")) {
    r.Int(v["markets_per_part"], "plan.markets_per_part", 1, &plan->markets_per_part);
  }
}

void ReadSilver(Reader& r, const json& v, SilverSetting* silver) {
  if (!r.Keys(v, "silver", {"memory_limit", "temp_directory"})) return;
  if (v.contains("memory_limit")) {
    r.String(v["memory_limit"], "silver.memory_limit", &silver->memory_limit);
    if (!r.error() && !IsMemorySize(silver->memory_limit)) {
      r.Fail("silver.memory_limit",
             "expected a size such as \"1GB\" or \"512MiB\", got " + v["memory_limit"].dump());
    }
  }
  if (v.contains("temp_directory")) {
    r.String(v["temp_directory"], "silver.temp_directory", &silver->temp_directory);
  }
}

}  // namespace

bool IsMemorySize(const std::string& text) {
  static const std::regex kSize(
      R"(\s*([0-9]+(\.[0-9]+)?)\s*(b|bytes|kb|mb|gb|tb|kib|mib|gib|tib)\s*)", std::regex::icase);
  std::smatch m;
  if (!std::regex_match(text, m, kSize)) return false;
  return std::stod(m[1].str()) > 0;
}

FetchConfig FetchConfig::Defaults() {
  FetchConfig c;
  c.rate_limits = {{"data", {900, 10}},
                   {"data_v2_trades", {200, 10}},
                   {"data_leaderboard", {900, 10}},
                   {"clob", {8000, 10}},
                   {"clob_markets", {8000, 10}},
                   {"clob_prices_history", {900, 10}},
                   {"clob_batch_prices_history", {900, 10}},
                   {"gamma", {3600, 10}},
                   {"gamma_markets", {270, 10}},
                   {"gamma_events", {450, 10}},
                   {"gamma_tags", {180, 10}}};
  c.workers = {{"markets", 1}, {"trades", 4}, {"prices", 4}, {"leaderboard", 2}, {"gamma", 2}};
  c.queues = {{"markets", 20000},     {"market_tokens", 40000},  {"trades", 75000},
              {"prices", 100000},     {"leaderboard", 20000},    {"gamma_markets", 2000},
              {"gamma_events", 2000}, {"gamma_categories", 5000}};
  return c;
}

std::optional<std::string> LoadConfigFile(const std::string& path, bool required,
                                          FetchConfig* config) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (!required) return std::nullopt;
    return fmt::format("{}: cannot read the config file", path);
  }
  std::stringstream text;
  text << in.rdbuf();
  json root = json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return fmt::format("{}: not valid JSON", path);

  Reader r(path);
  if (!r.Keys(root, "",
              {"api", "rate_limits", "workers", "queues", "retry", "output_dirs",
               "price_resolution", "trades", "silver", "log", "compact", "plan"})) {
    return r.error();
  }
  if (root.contains("api")) ReadApi(r, root["api"], &config->api);
  if (root.contains("rate_limits")) ReadRateLimits(r, root["rate_limits"], &config->rate_limits);
  if (root.contains("workers"))
    ReadCounts(r, root["workers"], "workers", kWorkerKinds, 1, &config->workers);
  if (root.contains("queues"))
    ReadCounts(r, root["queues"], "queues", kDatasets, 1, &config->queues);
  if (root.contains("retry")) ReadRetry(r, root["retry"], &config->retry);
  if (root.contains("output_dirs")) {
    const json& dirs = root["output_dirs"];
    if (r.Keys(dirs, "output_dirs", {"data"}) && dirs.contains("data")) {
      r.String(dirs["data"], "output_dirs.data", &config->data_dir);
    }
  }
  if (root.contains("price_resolution"))
    ReadPrices(r, root["price_resolution"], &config->price_resolution);
  if (root.contains("trades")) ReadTrades(r, root["trades"], &config->trades);
  if (root.contains("silver")) ReadSilver(r, root["silver"], &config->silver);
  if (root.contains("log")) ReadLog(r, root["log"], &config->log);
  if (root.contains("compact")) ReadCompact(r, root["compact"], &config->compact);
  if (root.contains("plan")) ReadPlan(r, root["plan"], &config->plan);
  return r.error();
}

void ApplyEnvironment(FetchConfig* config) {
  auto apply = [](const char* name, std::string* out) {
    if (const char* v = std::getenv(name); v && *v) *out = v;
  };
  apply("POLYPIPE_DATA_DIR", &config->data_dir);
  apply("POLYPIPE_DATA_API", &config->api.data_api_base);
  apply("POLYPIPE_CLOB_API", &config->api.clob_api_base);
  apply("POLYPIPE_GAMMA_API", &config->api.gamma_api_base);
  apply("POLYPIPE_CA_BUNDLE", &config->api.ca_bundle);
}

}  // namespace polypipe::fetch
