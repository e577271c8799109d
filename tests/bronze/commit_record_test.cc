#include "bronze/commit_record.h"

#include <gtest/gtest.h>

namespace polypipe::bronze {
namespace {

CommitRecord Sample() {
  CommitRecord r;
  r.seq = 42;
  r.dataset = "trades";
  r.run_id = "run-7";
  r.committed_at = "2026-01-01T01:02:03.000004Z";
  r.files.push_back({"dt=2026-01-01/trades_20260101_010203_000001.parquet", 10, 1234,
                     int64_t{1767225600000000}, int64_t{1767229200000000}});
  r.files.push_back(
      {"dt=2026-01-02/trades_20260101_010203_000002.parquet", 5, 999, std::nullopt, std::nullopt});
  r.rows = 15;
  r.progress = {{"market:0xabc", {{"cursor", "MTAw"}, {"page", 3}}}, {"done", true}};
  return r;
}

TEST(CommitRecord, RoundTrips) {
  const CommitRecord r = Sample();
  CommitRecord back;
  ASSERT_TRUE(ParseCommitRecord(SerializeCommitRecord(r), &back).ok());
  EXPECT_EQ(back.seq, 42u);
  EXPECT_EQ(back.dataset, "trades");
  EXPECT_EQ(back.run_id, "run-7");
  EXPECT_EQ(back.committed_at, r.committed_at);
  ASSERT_EQ(back.files.size(), 2u);
  EXPECT_EQ(back.files[0].path, r.files[0].path);
  EXPECT_EQ(back.files[0].rows, 10);
  EXPECT_EQ(back.files[0].bytes, 1234);
  EXPECT_EQ(back.files[0].min_event_us, r.files[0].min_event_us);
  EXPECT_EQ(back.files[0].max_event_us, r.files[0].max_event_us);
  EXPECT_EQ(back.files[1].min_event_us, std::nullopt);
  EXPECT_EQ(back.rows, 15);
  EXPECT_EQ(back.progress, r.progress);
}

TEST(CommitRecord, ACheckpointRoundTrips) {
  Checkpoint c;
  c.seq = 300;
  c.dataset = "trades";
  c.commits = 299;
  c.last_commit_at = "2026-01-01T01:02:03.000004Z";
  c.last_run_id = "run \"8\"\\ \xff";  // escaped, and bad UTF-8 replaced rather than fatal
  c.streams = 1'500'000;
  c.streams_bytes = 123'456;
  for (const CommittedFile& f : Sample().files) c.files.push_back({f, 7, "run-7"});
  Checkpoint back;
  const std::string text = SerializeCheckpoint(c);
  ASSERT_TRUE(ParseCheckpoint(text, &back).ok()) << text;
  EXPECT_EQ(back.seq, 300u);
  EXPECT_EQ(back.dataset, "trades");
  EXPECT_EQ(back.commits, 299u);
  EXPECT_EQ(back.last_commit_at, c.last_commit_at);
  EXPECT_EQ(back.last_run_id, "run \"8\"\\ \xef\xbf\xbd");
  EXPECT_EQ(back.streams, 1'500'000);
  EXPECT_EQ(back.streams_bytes, 123'456);
  ASSERT_EQ(back.files.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(back.files[i].file.path, c.files[i].file.path);
    EXPECT_EQ(back.files[i].file.rows, c.files[i].file.rows);
    EXPECT_EQ(back.files[i].file.bytes, c.files[i].file.bytes);
    EXPECT_EQ(back.files[i].file.min_event_us, c.files[i].file.min_event_us);
    EXPECT_EQ(back.files[i].file.max_event_us, c.files[i].file.max_event_us);
    EXPECT_EQ(back.files[i].seq, 7u);
    EXPECT_EQ(back.files[i].run_id, "run-7");
  }
  // An empty list is a checkpoint too.
  c.files.clear();
  ASSERT_TRUE(ParseCheckpoint(SerializeCheckpoint(c), &back).ok());
  EXPECT_TRUE(back.files.empty());
}

TEST(CommitRecord, ADamagedCheckpointFileListIsRejected) {
  Checkpoint c;
  c.seq = 3;
  c.dataset = "trades";
  c.commits = 3;
  c.last_commit_at = "2026-01-01T00:00:00Z";
  c.last_run_id = "r";
  for (const CommittedFile& f : Sample().files) c.files.push_back({f, 2, "r"});
  const std::string good = SerializeCheckpoint(c);
  const auto damaged = [&](const std::string& from, const std::string& to) {
    std::string text = good;
    const size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) text.replace(at, from.size(), to);
    Checkpoint back;
    const Status s = ParseCheckpoint(text, &back);
    EXPECT_FALSE(s.ok()) << text;
    return s.message();
  };
  EXPECT_NE(damaged("\"seq\":2,", "").find("no valid \"seq\""), std::string::npos);
  EXPECT_NE(damaged("\"files\":[", "\"files\":[7,").find("\"files\""), std::string::npos);
  EXPECT_NE(damaged("\"files\":[", "\"files\":{\"a\":[").find("not"), std::string::npos);
  EXPECT_NE(damaged("\"files\":", "\"filez\":").find("\"files\" is missing"), std::string::npos);
}

TEST(CommitRecord, UsesTheDocumentedKeys) {
  const auto j = nlohmann::json::parse(SerializeCommitRecord(Sample()));
  for (const char* key :
       {"seq", "dataset", "run_id", "committed_at", "files", "rows", "progress"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  for (const char* key : {"path", "rows", "bytes", "min_event", "max_event"}) {
    EXPECT_TRUE(j["files"][0].contains(key)) << key;
  }
}

TEST(CommitRecord, ZeroFilesIsValid) {
  CommitRecord r;
  r.seq = 1;
  r.dataset = "markets";
  r.progress = {{"list", "LTE="}};
  CommitRecord back;
  ASSERT_TRUE(ParseCommitRecord(SerializeCommitRecord(r), &back).ok());
  EXPECT_TRUE(back.files.empty());
  EXPECT_EQ(back.progress["list"], "LTE=");
}

TEST(CommitRecord, InvalidUtf8InProgressIsReplacedNotFatal) {
  CommitRecord r = Sample();
  r.progress = {{"bad", std::string("a\xff\xfe")}};
  CommitRecord back;
  ASSERT_TRUE(ParseCommitRecord(SerializeCommitRecord(r), &back).ok());
  EXPECT_TRUE(back.progress["bad"].is_string());
}

TEST(CommitRecord, RejectsDamage) {
  CommitRecord back;
  EXPECT_FALSE(ParseCommitRecord("", &back).ok());
  EXPECT_FALSE(ParseCommitRecord("{\"seq\": 1", &back).ok());
  EXPECT_FALSE(ParseCommitRecord("[]", &back).ok());

  auto with = [](const char* key, nlohmann::json value) {
    auto j = nlohmann::json::parse(SerializeCommitRecord(Sample()));
    j[key] = std::move(value);
    return j.dump();
  };
  EXPECT_FALSE(ParseCommitRecord(with("seq", "x"), &back).ok());
  EXPECT_FALSE(ParseCommitRecord(with("seq", -1), &back).ok());
  EXPECT_FALSE(ParseCommitRecord(with("rows", 16), &back).ok());  // does not match the files
  EXPECT_FALSE(ParseCommitRecord(with("progress", nlohmann::json::array()), &back).ok());
  EXPECT_FALSE(ParseCommitRecord(with("files", "x"), &back).ok());
  Status s = ParseCommitRecord(
      with("files",
           nlohmann::json::array({{{"path", "../../etc/passwd"}, {"rows", 15}, {"bytes", 1}}})),
      &back);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("path"), std::string::npos) << s.message();
}

TEST(CommitRecord, ACompactionListsTheFilesItReplaces) {
  CommitRecord r = Sample();
  EXPECT_FALSE(nlohmann::json::parse(SerializeCommitRecord(r)).contains("removed"));
  r.removed = {"dt=2026-01-01/trades_a.parquet", "dt=2026-01-01/trades_b.parquet"};
  CommitRecord back;
  ASSERT_TRUE(ParseCommitRecord(SerializeCommitRecord(r), &back).ok());
  EXPECT_EQ(back.removed, r.removed);

  auto j = nlohmann::json::parse(SerializeCommitRecord(r));
  j["removed"] = nlohmann::json::array({"../outside.parquet"});
  EXPECT_FALSE(ParseCommitRecord(j.dump(), &back).ok());
  j["removed"] = "dt=2026-01-01/trades_a.parquet";
  EXPECT_FALSE(ParseCommitRecord(j.dump(), &back).ok());
}

TEST(CommitRecord, LogFileNamesSortAndParse) {
  EXPECT_EQ(CommitLogFileName(7), "000000000007.json");
  EXPECT_LT(CommitLogFileName(9), CommitLogFileName(10));
  uint64_t seq = 0;
  EXPECT_TRUE(ParseCommitLogFileName("000000000123.json", &seq));
  EXPECT_EQ(seq, 123u);
  EXPECT_FALSE(ParseCommitLogFileName("000000000123.json.tmp", &seq));
  EXPECT_FALSE(ParseCommitLogFileName("00000000012x.json", &seq));
  EXPECT_FALSE(ParseCommitLogFileName("123.json", &seq));
}

TEST(CommitRecord, RowCountsThatOverflowAreRejected) {
  // Found by fuzz/commit_record_fuzz.cc: the sum of the files' rows overflowed int64 (undefined
  // behaviour) instead of failing validation.
  const std::string text =
      R"({"seq":1,"dataset":"d","run_id":"r","committed_at":"c","rows":0,"files":[)"
      R"({"path":"dt=2026-01-01/a.parquet","rows":9223372036854775807,"bytes":1},)"
      R"({"path":"dt=2026-01-01/b.parquet","rows":9223372036854775807,"bytes":1}]})";
  CommitRecord record;
  const Status status = ParseCommitRecord(text, &record);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("overflow"), std::string::npos) << status.message();
}

TEST(CommitRecord, CommittedPaths) {
  EXPECT_TRUE(IsValidCommittedPath("dt=2026-01-01/trades_20260101_010203_000001.parquet"));
  EXPECT_FALSE(IsValidCommittedPath("dt=2026-01-01/../x.parquet"));
  EXPECT_FALSE(IsValidCommittedPath("dt=2026-1-01/x.parquet"));
  EXPECT_FALSE(IsValidCommittedPath("dt=2026-01-01/sub/x.parquet"));
  EXPECT_FALSE(IsValidCommittedPath("dt=2026-01-01/x.csv"));
  EXPECT_FALSE(IsValidCommittedPath("dt=2026-01-01/.parquet"));
  EXPECT_FALSE(IsValidCommittedPath("_staging/x.parquet"));
  EXPECT_FALSE(IsValidCommittedPath("/dt=2026-01-01/x.parquet"));
}

}  // namespace
}  // namespace polypipe::bronze
