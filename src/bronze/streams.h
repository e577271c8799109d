// StreamsSnapshot: a dataset's stream progress at one moment, as the Store keeps it — the streams
// file of its newest checkpoint (one row per stream: key, value as JSON text) and the streams
// committed since (the overlay, newest value per key), which win over the file's.
//
// At real scale a dataset holds millions of streams (one per market or token), more than memory
// should: the overlay is bounded by the checkpoint interval, and the file is read through DuckDB,
// in a view a query can join (DefineStreamsView) or in a bounded stream of rows (ForEachStream).
//
// Thread-safety: plain values and functions of their arguments; a DuckDbSession is used by one
// thread at a time.

#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "bronze/duckdb_session.h"
#include "bronze/status.h"

namespace polypipe::bronze {

struct StreamsSnapshot {
  std::string checkpoint;                      // path of the streams file; empty when none
  std::map<std::string, std::string> overlay;  // key -> value (JSON text)
};

// Creates (or replaces) the temporary view `view(key VARCHAR, value VARCHAR)` over the snapshot in
// `session`, with a temporary table `<view>_overlay` behind it.
Status DefineStreamsView(DuckDbSession& session, const StreamsSnapshot& snapshot,
                         const std::string& view);
Status DefineStreamsView(DuckDbSession& session, const std::string& checkpoint,
                         const std::map<std::string, std::string>& overlay,
                         const std::string& view);

// Calls `visit` with every stream whose key starts with `prefix`, in no particular order, reading
// the file in bounded chunks. Stops at the first error `visit` returns.
Status ForEachStream(
    const StreamsSnapshot& snapshot, std::string_view prefix,
    const std::function<Status(std::string_view key, std::string_view value)>& visit);

// Writes the streams of the file `checkpoint` (none when empty) updated by `overlay` to the
// Parquet file `path` (replaced if present) and fsyncs it; sets *rows. Streams whose value is
// null are left out: null ends a stream. The file's rows stream through a lookup in `overlay`
// into the new file, in a DuckDB of 32 MB that may spill to `temp_dir` (created when needed).
Status WriteStreamsFile(const std::string& checkpoint,
                        const std::map<std::string, std::string>& overlay, const std::string& path,
                        const std::string& temp_dir, int64_t* rows);

}  // namespace polypipe::bronze
