#include "bronze/parquet_writer.h"

#include <fmt/format.h>

#include <algorithm>

namespace polypipe::bronze {
namespace {

constexpr char kTable[] = "batch";

const char* SqlType(ColumnType type) {
  switch (type) {
    case ColumnType::kVarchar:
      return "VARCHAR";
    case ColumnType::kBigint:
      return "BIGINT";
    case ColumnType::kDouble:
      return "DOUBLE";
    case ColumnType::kBoolean:
      return "BOOLEAN";
    case ColumnType::kTimestamp:
      return "TIMESTAMP";
    case ColumnType::kVarcharList:
      return "VARCHAR[]";
    case ColumnType::kJson:
      return "VARCHAR";
  }
  return "VARCHAR";
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

// Fills column `type` of the chunk's vector `vec` with rows[ids[0..n)]'s cell `col`.
void FillColumn(ColumnType type, duckdb_vector vec, const std::vector<Row>& rows,
                const uint32_t* ids, idx_t n, size_t col) {
  uint64_t* validity = nullptr;
  switch (type) {
    case ColumnType::kVarchar:
    case ColumnType::kJson: {
      for (idx_t r = 0; r < n; ++r) {
        const std::string* s = std::get_if<std::string>(&rows[ids[r]][col]);
        if (s == nullptr) {
          SetNull(vec, validity, r);
        } else {
          duckdb_vector_assign_string_element_len(vec, r, s->data(), s->size());
        }
      }
      break;
    }
    case ColumnType::kBigint:
    case ColumnType::kTimestamp: {
      // duckdb_timestamp is a struct holding int64 micros, laid out like int64_t.
      auto* data = static_cast<int64_t*>(duckdb_vector_get_data(vec));
      for (idx_t r = 0; r < n; ++r) {
        const int64_t* v = std::get_if<int64_t>(&rows[ids[r]][col]);
        if (v == nullptr) {
          data[r] = 0;
          SetNull(vec, validity, r);
        } else {
          data[r] = *v;
        }
      }
      break;
    }
    case ColumnType::kDouble: {
      auto* data = static_cast<double*>(duckdb_vector_get_data(vec));
      for (idx_t r = 0; r < n; ++r) {
        const Cell& cell = rows[ids[r]][col];
        if (const double* d = std::get_if<double>(&cell)) {
          data[r] = *d;
        } else if (const int64_t* i = std::get_if<int64_t>(&cell)) {
          data[r] = static_cast<double>(*i);
        } else {
          data[r] = 0;
          SetNull(vec, validity, r);
        }
      }
      break;
    }
    case ColumnType::kBoolean: {
      auto* data = static_cast<bool*>(duckdb_vector_get_data(vec));
      for (idx_t r = 0; r < n; ++r) {
        const bool* b = std::get_if<bool>(&rows[ids[r]][col]);
        if (b == nullptr) {
          data[r] = false;
          SetNull(vec, validity, r);
        } else {
          data[r] = *b;
        }
      }
      break;
    }
    case ColumnType::kVarcharList: {
      idx_t total = 0;
      for (idx_t r = 0; r < n; ++r) {
        if (const auto* l = std::get_if<std::vector<std::string>>(&rows[ids[r]][col])) {
          total += l->size();
        }
      }
      duckdb_list_vector_set_size(vec, 0);
      duckdb_list_vector_reserve(vec, total);
      duckdb_vector child = duckdb_list_vector_get_child(vec);
      auto* entries = static_cast<duckdb_list_entry*>(duckdb_vector_get_data(vec));
      idx_t offset = 0;
      for (idx_t r = 0; r < n; ++r) {
        const auto* l = std::get_if<std::vector<std::string>>(&rows[ids[r]][col]);
        if (l == nullptr) {
          entries[r] = {offset, 0};
          SetNull(vec, validity, r);
          continue;
        }
        entries[r] = {offset, l->size()};
        for (const std::string& s : *l) {
          duckdb_vector_assign_string_element_len(child, offset++, s.data(), s.size());
        }
      }
      duckdb_list_vector_set_size(vec, offset);
      break;
    }
  }
}

}  // namespace

ParquetWriter::ParquetWriter(const Schema& schema, std::unique_ptr<DuckDbSession> session)
    : schema_(schema), session_(std::move(session)) {}

ParquetWriter::~ParquetWriter() {
  if (chunk_ != nullptr) duckdb_destroy_data_chunk(&chunk_);
  for (duckdb_logical_type& t : types_) duckdb_destroy_logical_type(&t);
}

Status ParquetWriter::Open(const Schema& schema, const DuckDbOptions& options,
                           std::unique_ptr<ParquetWriter>* writer) {
  writer->reset();
  if (schema.columns.empty()) {
    return Status::Error(fmt::format("schema of {} has no columns", schema.dataset));
  }
  std::unique_ptr<DuckDbSession> session;
  Status s = DuckDbSession::Open(options, &session);
  if (!s.ok()) return s;

  std::string ddl = fmt::format("CREATE TABLE {} (", QuoteSqlIdentifier(kTable));
  for (size_t i = 0; i < schema.columns.size(); ++i) {
    if (i > 0) ddl += ", ";
    ddl += QuoteSqlIdentifier(schema.columns[i].name);
    ddl += ' ';
    ddl += SqlType(schema.columns[i].type);
  }
  ddl += ")";
  s = session->Execute(ddl);
  if (!s.ok()) {
    return Status::Error(
        fmt::format("cannot create the table for {}: {}", schema.dataset, s.message()));
  }

  std::unique_ptr<ParquetWriter> w(new ParquetWriter(schema, std::move(session)));
  for (const Column& c : schema.columns) w->types_.push_back(LogicalType(c.type));
  w->chunk_ = duckdb_create_data_chunk(w->types_.data(), w->types_.size());
  if (w->chunk_ == nullptr) return Status::Error("cannot create a DuckDB data chunk");
  *writer = std::move(w);
  return Status::Ok();
}

Status ParquetWriter::Load(const std::vector<Row>& rows, const std::vector<uint32_t>& indices) {
  duckdb_appender appender = nullptr;
  if (duckdb_appender_create(session_->connection(), nullptr, kTable, &appender) != DuckDBSuccess) {
    std::string why = "cannot create a DuckDB appender";
    if (appender != nullptr) {
      duckdb_error_data err = duckdb_appender_error_data(appender);
      why += std::string(": ") + duckdb_error_data_message(err);
      duckdb_destroy_error_data(&err);
      duckdb_appender_destroy(&appender);
    }
    return Status::Error(why);
  }
  const idx_t capacity = duckdb_vector_size();
  Status status;
  for (size_t start = 0; start < indices.size() && status.ok(); start += capacity) {
    const idx_t n = std::min<idx_t>(capacity, indices.size() - start);
    duckdb_data_chunk_reset(chunk_);
    for (size_t c = 0; c < schema_.columns.size(); ++c) {
      FillColumn(schema_.columns[c].type, duckdb_data_chunk_get_vector(chunk_, c), rows,
                 indices.data() + start, n, c);
    }
    duckdb_data_chunk_set_size(chunk_, n);
    if (duckdb_append_data_chunk(appender, chunk_) != DuckDBSuccess) {
      duckdb_error_data err = duckdb_appender_error_data(appender);
      status = Status::Error(std::string("DuckDB appender: ") + duckdb_error_data_message(err));
      duckdb_destroy_error_data(&err);
    }
  }
  if (status.ok() && duckdb_appender_close(appender) != DuckDBSuccess) {
    duckdb_error_data err = duckdb_appender_error_data(appender);
    status = Status::Error(std::string("DuckDB appender: ") + duckdb_error_data_message(err));
    duckdb_destroy_error_data(&err);
  }
  duckdb_appender_destroy(&appender);
  return status;
}

Status ParquetWriter::Write(const std::vector<Row>& rows, const std::vector<uint32_t>& indices,
                            const std::string& path) {
  Status s = Load(rows, indices);
  if (s.ok()) {
    s = session_->Execute(fmt::format("COPY {} TO {} (FORMAT PARQUET, COMPRESSION ZSTD)",
                                      QuoteSqlIdentifier(kTable), QuoteSqlString(path)));
  }
  // The table is emptied whatever happened, so that a failed file leaves nothing for the next one.
  Status cleared = session_->Execute(fmt::format("TRUNCATE {}", QuoteSqlIdentifier(kTable)));
  if (!s.ok()) return Status::Error(fmt::format("cannot write {}: {}", path, s.message()));
  if (!cleared.ok())
    return Status::Error(fmt::format("cannot empty the batch table: {}", cleared.message()));
  return Status::Ok();
}

}  // namespace polypipe::bronze
