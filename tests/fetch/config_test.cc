// FetchConfig: the shipped file, strict validation with key paths, precedence.

#include "fetch/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace polypipe::fetch {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/polypipe_config_XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }

  std::string Write(const std::string& text) {
    const std::string path = dir_ + "/c.json";
    std::ofstream(path) << text;
    return path;
  }
  std::optional<std::string> Load(const std::string& text, FetchConfig* c) {
    return LoadConfigFile(Write(text), true, c);
  }

  std::string dir_;
};

TEST_F(ConfigTest, ShippedFileEqualsTheBuiltInDefaults) {
  FetchConfig shipped = FetchConfig::Defaults();
  // Start from values that differ everywhere so that every key of the file must be read.
  shipped.rate_limits.clear();
  shipped.workers.clear();
  shipped.queues.clear();
  shipped.retry = {};
  shipped.retry.max_attempts = 99;
  shipped.retry.host_down_seconds = 1;
  shipped.trades = {"CASH", 5, 1, 1};
  shipped.plan.markets_per_part = 7;
  shipped.compact = {1, 1, 1};
  auto error = LoadConfigFile(POLYPIPE_CONFIG_FILE, true, &shipped);
  ASSERT_FALSE(error) << *error;
  const FetchConfig d = FetchConfig::Defaults();
  ASSERT_EQ(shipped.rate_limits.size(), d.rate_limits.size());
  for (const auto& [key, limit] : d.rate_limits) {
    EXPECT_EQ(shipped.rate_limits[key].requests, limit.requests) << key;
    EXPECT_EQ(shipped.rate_limits[key].window_seconds, limit.window_seconds) << key;
  }
  EXPECT_EQ(shipped.workers, d.workers);
  EXPECT_EQ(shipped.queues, d.queues);
  EXPECT_EQ(shipped.retry.max_attempts, d.retry.max_attempts);
  EXPECT_EQ(shipped.api.data_api_base, d.api.data_api_base);
  EXPECT_EQ(shipped.price_resolution.ladder, d.price_resolution.ladder);
  EXPECT_EQ(shipped.data_dir, d.data_dir);
  EXPECT_EQ(shipped.retry.host_down_seconds, d.retry.host_down_seconds);
  EXPECT_EQ(shipped.trades.filter_type, d.trades.filter_type);
  EXPECT_EQ(shipped.trades.filter_amount, d.trades.filter_amount);
  EXPECT_EQ(shipped.trades.feed_window_days, d.trades.feed_window_days);
  EXPECT_EQ(shipped.trades.lag_seconds, d.trades.lag_seconds);
  EXPECT_EQ(shipped.plan.markets_per_part, d.plan.markets_per_part);
  EXPECT_EQ(shipped.compact.target_size_mb, d.compact.target_size_mb);
  EXPECT_EQ(shipped.compact.auto_max_small_files, d.compact.auto_max_small_files);
  EXPECT_EQ(shipped.compact.max_live_small_files, d.compact.max_live_small_files);
}

TEST_F(ConfigTest, ReadsValuesOverDefaults) {
  FetchConfig c = FetchConfig::Defaults();
  auto error = Load(R"({"retry": {"max_attempts": 9}, "rate_limits": {"data_v2_trades":
      {"requests": 50, "window_seconds": 1}}, "api": {"clob_api_base": "http://127.0.0.1:9/clob/"}})",
                    &c);
  ASSERT_FALSE(error) << *error;
  EXPECT_EQ(c.retry.max_attempts, 9);
  EXPECT_EQ(c.retry.base_delay, 1.0);  // untouched default
  EXPECT_EQ(c.rate_limits["data_v2_trades"].requests, 50);
  EXPECT_EQ(c.rate_limits["data_v2_trades"].window_seconds, 1);
  EXPECT_EQ(c.api.clob_api_base, "http://127.0.0.1:9/clob");  // trailing slash dropped
}

TEST_F(ConfigTest, ErrorsNameTheFileAndKeyPath) {
  struct Case {
    const char* text;
    const char* expected;
  };
  const Case cases[] = {
      {R"({"retyr": {}})", "retyr: unknown key"},
      {R"({"trades": {"filter_type": "SHARES"}})", "trades.filter_type: expected"},
      {R"({"trades": {"lag_seconds": -1}})", "trades.lag_seconds: expected an integer >= 0"},
      {R"({"plan": {"markets_per_part": 0}})", "plan.markets_per_part: expected an integer >= 1"},
      {R"({"compact": {"max_live_small_files": -5}})",
       "compact.max_live_small_files: expected an integer >= 0"},
      {R"({"trades": {"filter_amount": "0"}})", "trades.filter_amount: expected a number"},
      {R"({"retry": {"max_attempts": "five"}})",
       "retry.max_attempts: expected an integer >= 1, got \"five\""},
      {R"({"retry": {"max_attempts": 0}})", "retry.max_attempts: expected an integer >= 1"},
      {R"({"rate_limits": {"data_v2_trades": {"requests": 1.5}}})",
       "rate_limits.data_v2_trades.requests"},
      {R"({"rate_limits": {"nope": {}}})", "rate_limits.nope: unknown key"},
      {R"({"workers": {"trades": -1}})", "workers.trades: expected an integer >= 1"},
      {R"({"queues": {"trades": 1e99}})", "queues.trades"},
      {R"({"api": {"data_api_base": "ftp://x"}})", "api.data_api_base: expected an http"},
      {R"({"api": []})", "api: expected an object"},
      {R"({"price_resolution": {"ladder": [60, 60]}})",
       "price_resolution.ladder[1]: the ladder must increase"},
      {R"({"price_resolution": {"window_days": 30}})",
       "price_resolution.window_days: the API allows at most 15"},
      {R"([1, 2])", "expected an object"},
      {R"({"retry": )", "not valid JSON"},
  };
  for (const Case& c : cases) {
    FetchConfig config = FetchConfig::Defaults();
    auto error = Load(c.text, &config);
    ASSERT_TRUE(error) << c.text;
    EXPECT_NE(error->find(c.expected), std::string::npos) << *error;
    EXPECT_NE(error->find("c.json"), std::string::npos) << *error;
    EXPECT_EQ(error->find('\n'), std::string::npos) << *error;
  }
}

TEST_F(ConfigTest, MissingFileIsAnErrorOnlyWhenNamed) {
  FetchConfig c = FetchConfig::Defaults();
  EXPECT_FALSE(LoadConfigFile(dir_ + "/absent.json", false, &c));
  auto error = LoadConfigFile(dir_ + "/absent.json", true, &c);
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("cannot read"), std::string::npos);
}

TEST_F(ConfigTest, AnUnknownKeyWithANewlineStaysOnOneLine) {
  // Found by fuzz/config_fuzz.cc: the key was quoted raw, so a newline in it split the error line.
  FetchConfig c = FetchConfig::Defaults();
  auto error = Load(R"({"api": {"a\nb": 1}})", &c);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->find('\n'), std::string::npos) << *error;
  EXPECT_NE(error->find("api.a\\x0ab: unknown key"), std::string::npos) << *error;
}

TEST_F(ConfigTest, EnvironmentOverridesTheFile) {
  FetchConfig c = FetchConfig::Defaults();
  ASSERT_FALSE(Load(R"({"output_dirs": {"data": "from_file"}})", &c));
  EXPECT_EQ(c.data_dir, "from_file");
  setenv("POLYPIPE_DATA_DIR", "from_env", 1);
  ApplyEnvironment(&c);
  unsetenv("POLYPIPE_DATA_DIR");
  EXPECT_EQ(c.data_dir, "from_env");
}

}  // namespace
}  // namespace polypipe::fetch
