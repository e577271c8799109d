#include "bronze/parquet_writer.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstring>
#include <set>

#include "bronze/durable_fs.h"

namespace polypipe::bronze {
namespace {

constexpr char kScanFunction[] = "bronze_batch";

std::atomic<uint64_t> writers_made{0};

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

duckdb_logical_type LogicalType(ColumnType type) {
  switch (type) {
    case ColumnType::kBigint:
      return duckdb_create_logical_type(DUCKDB_TYPE_BIGINT);
    case ColumnType::kDouble:
      return duckdb_create_logical_type(DUCKDB_TYPE_DOUBLE);
    case ColumnType::kBoolean:
      return duckdb_create_logical_type(DUCKDB_TYPE_BOOLEAN);
    case ColumnType::kTimestamp:
      return duckdb_create_logical_type(DUCKDB_TYPE_TIMESTAMP);
    case ColumnType::kVarcharList: {
      duckdb_logical_type child = duckdb_create_logical_type(DUCKDB_TYPE_VARCHAR);
      duckdb_logical_type list = duckdb_create_list_type(child);
      duckdb_destroy_logical_type(&child);
      return list;
    }
    case ColumnType::kVarchar:
    case ColumnType::kJson:
      break;
  }
  return duckdb_create_logical_type(DUCKDB_TYPE_VARCHAR);
}

// Marks row `r` of `vec` NULL, making the validity mask writable on first use.
void SetNull(duckdb_vector vec, uint64_t*& validity, idx_t r) {
  if (validity == nullptr) {
    duckdb_vector_ensure_validity_writable(vec);
    validity = duckdb_vector_get_validity(vec);
  }
  duckdb_validity_set_row_invalid(validity, r);
}

// Fills the chunk's vector `vec` with column `col` of batch rows ids[0..n).
void FillColumn(const ColumnBatch& batch, size_t col, duckdb_vector vec, const uint32_t* ids,
                idx_t n) {
  // A reused vector may carry a mask from its previous chunk: start from all-valid.
  uint64_t* validity = duckdb_vector_get_validity(vec);
  if (validity != nullptr) std::memset(validity, 0xff, (n + 63) / 64 * sizeof(uint64_t));
  for (idx_t r = 0; r < n; ++r) {
    if (batch.IsNull(col, ids[r])) SetNull(vec, validity, r);
  }
  switch (batch.type(col)) {
    case ColumnType::kVarchar:
    case ColumnType::kJson: {
      // string_t entries that point into the batch's text instead of copies in the vector's heap:
      // a string_t does not own its bytes, the batch outlives the COPY, and DuckDB copies what it
      // keeps. Up to 12 bytes are inlined (zero-padded), as DuckDB requires.
      auto* data = static_cast<duckdb_string_t*>(duckdb_vector_get_data(vec));
      for (idx_t r = 0; r < n; ++r) {
        const std::string_view s = batch.Text(col, ids[r]);
        duckdb_string_t& out = data[r];
        out.value.inlined.length = static_cast<uint32_t>(s.size());
        if (s.size() <= sizeof out.value.inlined.inlined) {
          std::memset(out.value.inlined.inlined, 0, sizeof out.value.inlined.inlined);
          if (!s.empty()) std::memcpy(out.value.inlined.inlined, s.data(), s.size());
        } else {
          std::memcpy(out.value.pointer.prefix, s.data(), sizeof out.value.pointer.prefix);
          out.value.pointer.ptr = const_cast<char*>(s.data());
        }
      }
      break;
    }
    case ColumnType::kBigint:
    case ColumnType::kTimestamp: {
      // duckdb_timestamp is a struct holding int64 micros, laid out like int64_t.
      auto* data = static_cast<int64_t*>(duckdb_vector_get_data(vec));
      for (idx_t r = 0; r < n; ++r) data[r] = batch.Int(col, ids[r]);
      break;
    }
    case ColumnType::kDouble: {
      auto* data = static_cast<double*>(duckdb_vector_get_data(vec));
      for (idx_t r = 0; r < n; ++r) data[r] = batch.Double(col, ids[r]);
      break;
    }
    case ColumnType::kBoolean: {
      auto* data = static_cast<bool*>(duckdb_vector_get_data(vec));
      for (idx_t r = 0; r < n; ++r) data[r] = batch.Bool(col, ids[r]);
      break;
    }
    case ColumnType::kVarcharList: {
      idx_t total = 0;
      for (idx_t r = 0; r < n; ++r) total += batch.ListSize(col, ids[r]);
      duckdb_list_vector_set_size(vec, 0);
      duckdb_list_vector_reserve(vec, total);
      duckdb_vector child = duckdb_list_vector_get_child(vec);
      auto* entries = static_cast<duckdb_list_entry*>(duckdb_vector_get_data(vec));
      idx_t offset = 0;
      for (idx_t r = 0; r < n; ++r) {
        const size_t items = batch.ListSize(col, ids[r]);
        entries[r] = {offset, items};
        for (size_t i = 0; i < items; ++i) {
          const std::string_view s = batch.ListItem(col, ids[r], i);
          duckdb_vector_assign_string_element_len(child, offset++, s.data(), s.size());
        }
      }
      duckdb_list_vector_set_size(vec, offset);
      break;
    }
  }
}

}  // namespace

// The table function "bronze_batch_<id>()": DuckDB pulls the current batch from the writer through
// it, one chunk per call, straight into COPY's Parquet writer.
struct ParquetWriter::Scan {
  static void Bind(duckdb_bind_info info) {
    auto* w = static_cast<ParquetWriter*>(duckdb_bind_get_extra_info(info));
    for (size_t c = 0; c < w->schema_.columns.size(); ++c) {
      duckdb_bind_add_result_column(info, w->schema_.columns[c].name.c_str(), w->types_[c]);
    }
    if (w->scan_ids_ != nullptr) duckdb_bind_set_cardinality(info, w->scan_ids_->size(), true);
  }

  // One thread, so that rows reach the file in the order of the indices.
  static void Init(duckdb_init_info info) { duckdb_init_set_max_threads(info, 1); }

  static void Produce(duckdb_function_info info, duckdb_data_chunk output) {
    auto* w = static_cast<ParquetWriter*>(duckdb_function_get_extra_info(info));
    if (w->scan_batch_ == nullptr || w->scan_pos_ >= w->scan_ids_->size()) {
      duckdb_data_chunk_set_size(output, 0);
      return;
    }
    const idx_t n = std::min<idx_t>(duckdb_vector_size(), w->scan_ids_->size() - w->scan_pos_);
    const uint32_t* ids = w->scan_ids_->data() + w->scan_pos_;
    for (size_t c = 0; c < w->schema_.columns.size(); ++c) {
      FillColumn(*w->scan_batch_, c, duckdb_data_chunk_get_vector(output, c), ids, n);
    }
    duckdb_data_chunk_set_size(output, n);
    w->scan_pos_ += n;
  }
};

ParquetWriter::ParquetWriter(const Schema& schema, std::unique_ptr<DuckDbSession> session)
    : schema_(schema),
      session_(std::move(session)),
      id_(writers_made.fetch_add(1)),
      scan_name_(fmt::format("{}_{}", kScanFunction, id_)) {}

ParquetWriter::~ParquetWriter() {
  if (copy_ != nullptr) duckdb_destroy_prepare(&copy_);
  for (duckdb_logical_type& t : types_) duckdb_destroy_logical_type(&t);
}

namespace {

Status CheckColumns(const Schema& schema) {
  if (schema.columns.empty()) {
    return Status::Error(fmt::format("schema of {} has no columns", schema.dataset));
  }
  // DuckDB matches column names case-insensitively, so "ID" and "id" would collide in a file.
  std::set<std::string> seen;
  for (const Column& c : schema.columns) {
    std::string folded = c.name;
    for (char& ch : folded) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (c.name.empty() || !seen.insert(folded).second) {
      return Status::Error(fmt::format("schema of {}: column name \"{}\" is empty or repeated",
                                       schema.dataset, c.name));
    }
  }
  return Status::Ok();
}

}  // namespace

Status ParquetWriter::Open(const Schema& schema, const DuckDbOptions& options,
                           std::unique_ptr<ParquetWriter>* writer) {
  writer->reset();
  Status s = CheckColumns(schema);
  std::unique_ptr<DuckDbSession> session;
  if (s.ok()) s = DuckDbSession::Open(options, &session);
  if (!s.ok()) return s;
  return Start(schema, std::move(session), writer);
}

Status ParquetWriter::Open(const Schema& schema, std::shared_ptr<DuckDbDatabase> database,
                           std::unique_ptr<ParquetWriter>* writer) {
  writer->reset();
  Status s = CheckColumns(schema);
  std::unique_ptr<DuckDbSession> session;
  if (s.ok()) s = DuckDbSession::Connect(std::move(database), &session);
  if (!s.ok()) return s;
  return Start(schema, std::move(session), writer);
}

Status ParquetWriter::Start(const Schema& schema, std::unique_ptr<DuckDbSession> session,
                            std::unique_ptr<ParquetWriter>* writer) {
  std::unique_ptr<ParquetWriter> w(new ParquetWriter(schema, std::move(session)));
  for (const Column& c : schema.columns) w->types_.push_back(LogicalType(c.type));

  duckdb_table_function fn = duckdb_create_table_function();
  duckdb_table_function_set_name(fn, w->scan_name_.c_str());
  duckdb_table_function_set_extra_info(fn, w.get(), nullptr);
  duckdb_table_function_set_bind(fn, &Scan::Bind);
  duckdb_table_function_set_init(fn, &Scan::Init);
  duckdb_table_function_set_function(fn, &Scan::Produce);
  const duckdb_state registered = duckdb_register_table_function(w->session_->connection(), fn);
  duckdb_destroy_table_function(&fn);
  if (registered != DuckDBSuccess) {
    return Status::Error(fmt::format("cannot register the scan of {} with DuckDB", schema.dataset));
  }
  // Column names reach DuckDB through bind, so a clash shows up here rather than on the first
  // batch.
  Status s = w->session_->Execute(fmt::format("DESCRIBE SELECT * FROM {}()", w->scan_name_));
  if (!s.ok()) {
    return Status::Error(
        fmt::format("schema of {} is not usable: {}", schema.dataset, s.message()));
  }
  *writer = std::move(w);
  return Status::Ok();
}

Status ParquetWriter::PrepareCopy(const std::string& dir) {
  if (copy_ != nullptr && dir == copy_dir_ && copies_ < kCopiesPerPrepare) return Status::Ok();
  if (copy_ != nullptr) duckdb_destroy_prepare(&copy_);
  copy_dir_.clear();
  copies_ = 0;
  scratch_path_ = fmt::format("{}/.parquet_writer_{}_{}.parquet", dir, ::getpid(), id_);
  // ZSTD level 1: half the CPU of the default level for files about a tenth larger, the better
  // trade for a landing zone written as fast as the APIs answer. Row groups of 20,000 rows bound
  // what DuckDB buffers per file, so memory does not depend on how many rows share a date.
  const std::string sql = fmt::format(
      "COPY (SELECT * FROM {}()) TO {} (FORMAT PARQUET, COMPRESSION ZSTD, "
      "COMPRESSION_LEVEL 1, ROW_GROUP_SIZE 20000)",
      scan_name_, QuoteSqlString(scratch_path_));
  if (duckdb_prepare(session_->connection(), sql.c_str(), &copy_) != DuckDBSuccess) {
    const char* why = duckdb_prepare_error(copy_);
    Status s = Status::Error(why != nullptr ? why : "cannot prepare the COPY");
    duckdb_destroy_prepare(&copy_);
    copy_ = nullptr;
    return s;
  }
  copy_dir_ = dir;
  return Status::Ok();
}

Status ParquetWriter::Write(const ColumnBatch& batch, const std::vector<uint32_t>& indices,
                            const std::string& path) {
  Status s = PrepareCopy(DirectoryOf(path));
  if (s.ok()) {
    scan_batch_ = &batch;
    scan_ids_ = &indices;
    scan_pos_ = 0;
    duckdb_result result;
    ++copies_;
    if (duckdb_execute_prepared(copy_, &result) != DuckDBSuccess) {
      const char* why = duckdb_result_error(&result);
      s = Status::Error(why != nullptr ? why : "COPY failed");
    }
    duckdb_destroy_result(&result);
    scan_batch_ = nullptr;
    scan_ids_ = nullptr;
    if (s.ok()) s = RenameFile(scratch_path_, path);
    if (!s.ok()) RemoveFile(scratch_path_);
  }
  if (!s.ok()) return Status::Error(fmt::format("cannot write {}: {}", path, s.message()));
  return Status::Ok();
}

}  // namespace polypipe::bronze
