#include "bronze/reader.h"

#include <fmt/format.h>

#include "bronze/durable_fs.h"

namespace polypipe::bronze {

std::string GlobFor(const std::string& data_dir, const std::string& dataset) {
  return fmt::format("{}/{}/dt=*/*.parquet", data_dir, dataset);
}

std::string ReadParquetSql(const std::string& data_dir, const std::string& dataset) {
  return fmt::format("read_parquet({})", QuoteSqlString(GlobFor(data_dir, dataset)));
}

bool HasCommittedFiles(const std::string& data_dir, const std::string& dataset) {
  const std::string ds_dir = data_dir + "/" + dataset;
  std::vector<std::string> partitions;
  if (!ListDir(ds_dir, &partitions).ok()) return false;
  for (const std::string& p : partitions) {
    if (p.rfind("dt=", 0) != 0) continue;
    std::vector<std::string> files;
    if (!ListDir(ds_dir + "/" + p, &files).ok()) continue;
    for (const std::string& f : files) {
      if (f.size() > 8 && f.compare(f.size() - 8, 8, ".parquet") == 0) return true;
    }
  }
  return false;
}

Status Reader::Open(std::unique_ptr<Reader>* reader) {
  reader->reset();
  std::unique_ptr<DuckDbSession> session;
  DuckDbOptions options;
  options.threads = 2;
  Status s = DuckDbSession::Open(options, &session);
  if (!s.ok()) return s;
  reader->reset(new Reader(std::move(session)));
  return Status::Ok();
}

Status Reader::Query(const std::string& sql, QueryResult* result) {
  Status s = QueryText(session_->connection(), sql, result);
  if (!s.ok()) return Status::Error(fmt::format("query failed: {}", s.message()));
  return s;
}

}  // namespace polypipe::bronze
