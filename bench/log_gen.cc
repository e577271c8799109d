// log_gen: a Bronze dataset with a commit log as long as years of fetching make one, for the fetch
// scale benchmark (BENCH_ONLY=fetch_scale): how long opening the Store (what every fetch does
// first, and what a resumed run waits for) and `polypipe status` take on it.
//
// Usage: log_gen write DIR [--records N] [--streams S] [--tail T] [--streams-per-commit K]
//        log_gen open DIR
//
// `write` leaves DIR/trades as N commits of one file each would, with S stream states (one per
// market, "market:0x…" keys and values shaped like the trade feed's) written through the Store's
// checkpoint defaults. Replaying all N commits through the Store would rewrite the S streams at
// every 100th commit, hours at real scale, so the first N - T commits are written directly as the
// checkpoint that covers them (manifest and streams file, as the Store writes them), and the last
// T go through bronze::Store::Commit with the default StoreOptions, each updating K streams: the
// log then holds what the Store leaves behind (its newest checkpoints, the records it retains, the
// records after the newest checkpoint, T mod 100 of them). The Parquet files the records name are
// hard links to a tiny placeholder file (not trades rows: nothing here reads them).
//
// `open` opens the directory as a fetch does (bronze::Store::Open: lock, recovery, checkpoint and
// records) and then reads every stream state once (bronze::ForEachStream, as planning a run reads
// them), and prints shell assignments: lg_open_seconds, lg_read_seconds, lg_streams, lg_commits,
// lg_files, lg_pending (streams committed after the newest checkpoint).
//
// One process, one thread.

#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "bronze/commit_record.h"
#include "bronze/duckdb_session.h"
#include "bronze/durable_fs.h"
#include "bronze/store.h"
#include "bronze/streams.h"
#include "bronze/utc_time.h"

namespace {

namespace fs = std::filesystem;
using polypipe::bronze::Checkpoint;
using polypipe::bronze::CommittedFile;
using polypipe::bronze::DuckDbSession;
using polypipe::bronze::LiveFile;
using polypipe::bronze::Status;
using polypipe::bronze::Store;

struct Args {
  std::string command;
  std::string dir;
  int64_t records = 100'000;
  int64_t streams = 1'500'000;
  int64_t tail = 2'050;
  int64_t streams_per_commit = 15;
};

constexpr char kDataset[] = "trades";
constexpr char kRunId[] = "bench-log";
constexpr int64_t kFirstDay = 1'672'531'200;  // 2023-01-01, seconds
constexpr int64_t kFilesPerDay = 100;
constexpr int64_t kFileRows = 1'000;
// Stream i's key: a condition id of 64 hex digits, as the fetcher keys a market's feed state.
constexpr char kKeySql[] = "'market:0x' || md5('c' || i) || md5('C' || i)";

bool ParseArgs(int argc, char** argv, Args* a) {
  if (argc < 3) return false;
  a->command = argv[1];
  a->dir = argv[2];
  for (int i = 3; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    int64_t* target = flag == "--records"              ? &a->records
                      : flag == "--streams"            ? &a->streams
                      : flag == "--tail"               ? &a->tail
                      : flag == "--streams-per-commit" ? &a->streams_per_commit
                                                       : nullptr;
    if (target == nullptr) return false;
    *target = std::strtoll(argv[i + 1], nullptr, 10);
  }
  return argc % 2 == 1 && (a->command == "write" || a->command == "open") && a->records > 0 &&
         a->streams > 0 && a->tail >= 0 && a->tail < a->records && a->streams_per_commit > 0;
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string Day(int64_t seq) {
  return polypipe::bronze::DateOfMicros((kFirstDay + seq / kFilesPerDay * 86'400) * 1'000'000)
      .value_or("1970-01-01");
}

CommittedFile FileOf(int64_t seq, const std::string& name, int64_t bytes) {
  CommittedFile f;
  f.path = fmt::format("dt={}/{}", Day(seq), name);
  f.rows = kFileRows;
  f.bytes = bytes;
  f.min_event_us = (kFirstDay + seq / kFilesPerDay * 86'400) * 1'000'000;
  f.max_event_us = *f.min_event_us + 86'399'000'000;
  return f;
}

// The files the records name: hard links to one small Parquet file, taking a fresh copy of it
// every kLinksPerCopy links (ext4 allows 65,000 links to a file).
class Placeholder {
 public:
  explicit Placeholder(std::string path) : path_(std::move(path)), source_(path_) {}

  Status LinkTo(const std::string& to) {
    if (links_ > 0 && links_ % kLinksPerCopy == 0) {
      source_ = fmt::format("{}.{}", path_, links_ / kLinksPerCopy);
      std::error_code ec;
      fs::copy_file(path_, source_, ec);
      if (ec) return Status::Error(fmt::format("cannot copy {}: {}", path_, ec.message()));
    }
    if (::link(source_.c_str(), to.c_str()) != 0) {
      return polypipe::bronze::ErrnoStatus("link", to, errno);
    }
    ++links_;
    return Status::Ok();
  }

  // Removes the placeholder and its copies (the links stay).
  void Remove() {
    std::error_code ec;
    for (int64_t i = 0; i <= links_ / kLinksPerCopy; ++i) {
      fs::remove(i == 0 ? path_ : fmt::format("{}.{}", path_, i), ec);
    }
  }

 private:
  static constexpr int64_t kLinksPerCopy = 50'000;
  const std::string path_;
  std::string source_;
  int64_t links_ = 0;
};

// The checkpoint covering commits 1..seq: a file per commit, streams [0, streams).
Status WriteBulk(DuckDbSession& db, const Args& a, Placeholder& placeholder, int64_t bytes,
                 int64_t seq) {
  const std::string ds_dir = a.dir + "/" + kDataset;
  const std::string log_dir = ds_dir + "/_log";
  Checkpoint checkpoint;
  checkpoint.seq = static_cast<uint64_t>(seq);
  checkpoint.dataset = kDataset;
  checkpoint.commits = static_cast<uint64_t>(seq);
  checkpoint.last_commit_at = polypipe::bronze::IsoOfMicros(polypipe::bronze::NowMicros());
  checkpoint.last_run_id = kRunId;
  const int64_t stamp = polypipe::bronze::NowMicros() - seq;
  for (int64_t s = 1; s <= seq; ++s) {
    const std::string name =
        fmt::format("{}_{}.parquet", kDataset, polypipe::bronze::FileStampOfMicros(stamp + s));
    LiveFile live;
    live.file = FileOf(s, name, bytes);
    live.seq = static_cast<uint64_t>(s);
    live.run_id = kRunId;
    if (s == 1 || Day(s) != Day(s - 1)) {
      Status m = polypipe::bronze::MakeDirs(ds_dir + "/dt=" + Day(s));
      if (!m.ok()) return m;
    }
    Status l = placeholder.LinkTo(ds_dir + "/" + live.file.path);
    if (!l.ok()) return l;
    checkpoint.files.push_back(std::move(live));
  }
  // Two in three markets are closed (their feed done), the others open with an overlap window,
  // as the trade feed commits them.
  const std::string streams = log_dir + "/" + polypipe::bronze::CheckpointStreamsFileName(seq);
  Status s = db.Execute(fmt::format(
      "COPY (SELECT {key} AS key, CASE WHEN i % 3 <> 0 THEN '{{\"api_done\":true,\"closed\":"
      "true,\"done\":true,\"oldest\":' || ({day} + i % 90000000) || ',\"out_of_window\":false,"
      "\"run\":\"{run}\",\"w\":' || ({day} + 90000000 + i % 1000) || '}}' ELSE "
      "'{{\"api_done\":false,\"closed\":false,\"done\":false,\"oldest\":' || ({day} + i % "
      "90000000) || ',\"out_of_window\":false,\"overlap\":{{\"from\":' || ({day} + 90000000 + i "
      "% 1000 - 3600) || ',\"keys\":[[' || ({day} + 90000000 + i % 1000) || ',\"' || md5('k' || "
      "i)[1:16] || '\"]]}}}}' END AS value FROM range({n}) t(i)) TO {path} (FORMAT parquet, "
      "COMPRESSION zstd, ROW_GROUP_SIZE 16384)",
      fmt::arg("key", kKeySql), fmt::arg("day", kFirstDay), fmt::arg("run", kRunId),
      fmt::arg("n", a.streams), fmt::arg("path", polypipe::bronze::QuoteSqlString(streams))));
  if (!s.ok()) return s;
  checkpoint.streams = a.streams;
  s = polypipe::bronze::FileSize(streams, &checkpoint.streams_bytes);
  if (!s.ok()) return s;
  return polypipe::bronze::WriteFileSynced(
      log_dir + "/" + polypipe::bronze::CheckpointFileName(seq),
      polypipe::bronze::SerializeCheckpoint(checkpoint));
}

// The last commits, through the Store: one file each and streams_per_commit updated streams.
Status WriteTail(DuckDbSession& db, const Args& a, Placeholder& placeholder, int64_t bytes,
                 int64_t first_seq) {
  const int64_t updates = a.tail * a.streams_per_commit;
  polypipe::bronze::QueryResult keys;
  Status s = polypipe::bronze::QueryText(
      db.connection(),
      fmt::format("SELECT {} FROM range({}) t(i)", kKeySql, std::min(updates, a.streams)), &keys);
  if (!s.ok()) return s;
  std::unique_ptr<Store> store;
  s = Store::Open(a.dir, &store);  // the default StoreOptions, as `polypipe fetch` uses them
  if (!s.ok()) return s;
  int64_t next_key = 0;
  const int64_t now = polypipe::bronze::NowMicros() / 1'000'000;
  for (int64_t seq = first_seq; seq < first_seq + a.tail; ++seq) {
    const std::string name = store->NewFileName(kDataset);
    const CommittedFile f = FileOf(seq, name, bytes);
    s = placeholder.LinkTo(store->StagingDir(kDataset) + "/" + name);
    if (!s.ok()) return s;
    polypipe::bronze::StreamTexts progress;
    for (int64_t k = 0; k < a.streams_per_commit; ++k, ++next_key) {
      const auto& key = keys.rows.at(static_cast<size_t>(next_key) % keys.rows.size()).at(0);
      progress[key.value_or("")] = fmt::format(
          "{{\"api_done\":false,\"closed\":false,\"done\":false,\"oldest\":{},"
          "\"out_of_window\":false,\"overlap\":{{\"from\":{},\"keys\":[[{},\"{:016x}\"]]}}}}",
          kFirstDay, now - 3600, now, static_cast<uint64_t>(next_key) * 0x9e3779b97f4a7c15ULL);
    }
    bool written = false;
    s = store->Commit(kDataset, "bench-log-tail", {f}, std::move(progress), &written);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

int Write(const Args& a) {
  const auto start = std::chrono::steady_clock::now();
  const std::string ds_dir = a.dir + "/" + kDataset;
  Status s = polypipe::bronze::MakeDirs(ds_dir + "/_log");
  if (s.ok()) s = polypipe::bronze::MakeDirs(ds_dir + "/_staging");
  polypipe::bronze::DuckDbOptions options;
  options.memory_limit = "500MB";
  options.threads = 2;
  options.temp_directory = a.dir + "/.gen-tmp";
  std::unique_ptr<DuckDbSession> db;
  if (s.ok()) s = DuckDbSession::Open(options, &db);
  const std::string template_path = a.dir + "/.placeholder.parquet";
  Placeholder placeholder(template_path);
  if (s.ok()) {
    s = db->Execute(fmt::format("COPY (SELECT range AS n FROM range({})) TO {} (FORMAT parquet)",
                                kFileRows, polypipe::bronze::QuoteSqlString(template_path)));
  }
  int64_t bytes = 0;
  if (s.ok()) s = polypipe::bronze::FileSize(template_path, &bytes);
  const int64_t bulk = a.records - a.tail;
  if (s.ok()) s = WriteBulk(*db, a, placeholder, bytes, bulk);
  const double bulk_seconds = SecondsSince(start);
  if (s.ok()) s = WriteTail(*db, a, placeholder, bytes, bulk + 1);
  if (!s.ok()) {
    fmt::print(stderr, "log_gen: {}\n", s.message());
    return 1;
  }
  std::error_code ec;
  placeholder.Remove();
  fs::remove_all(a.dir + "/.gen-tmp", ec);
  fmt::print(
      "log_gen: {} commits ({} as a checkpoint in {:.1f} s, {} through the Store in {:.1f} s), "
      "{} streams, in {}\n",
      a.records, bulk, bulk_seconds, a.tail, SecondsSince(start) - bulk_seconds, a.streams, ds_dir);
  return 0;
}

int Open(const Args& a) {
  auto start = std::chrono::steady_clock::now();
  std::unique_ptr<Store> store;
  Status s = Store::Open(a.dir, &store);
  const double open_seconds = SecondsSince(start);
  if (!s.ok()) {
    fmt::print(stderr, "log_gen: {}\n", s.message());
    return 1;
  }
  start = std::chrono::steady_clock::now();
  const polypipe::bronze::StreamsSnapshot snapshot = store->Streams(kDataset);
  int64_t streams = 0;
  s = polypipe::bronze::ForEachStream(snapshot, "", [&](std::string_view, std::string_view) {
    ++streams;
    return Status::Ok();
  });
  if (!s.ok()) {
    fmt::print(stderr, "log_gen: {}\n", s.message());
    return 1;
  }
  const polypipe::bronze::DatasetStats stats = store->Stats(kDataset);
  fmt::print(
      "lg_open_seconds={:.2f}\nlg_read_seconds={:.2f}\nlg_streams={}\nlg_commits={}\n"
      "lg_files={}\nlg_pending={}\n",
      open_seconds, SecondsSince(start), streams, stats.commits, stats.files,
      snapshot.overlay.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  if (!ParseArgs(argc, argv, &a)) {
    fmt::print(stderr,
               "usage: log_gen write DIR [--records N] [--streams S] [--tail T] "
               "[--streams-per-commit K]\n       log_gen open DIR\n");
    return 2;
  }
  return a.command == "write" ? Write(a) : Open(a);
}
