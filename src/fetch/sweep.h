// Sweep: the progress of one paged walk through a snapshot list (the CLOB market list, a Gamma
// keyset sweep, the tag list, one leaderboard board), committed with the rows of each page.
//
// A sweep belongs to a run: a resumed run continues its own sweeps from their cursors; a new run
// starts them again from the first page, which is what makes a new snapshot.
//
// Thread-safety: plain value.

#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "api/result.h"
#include "fetch/context.h"

namespace polypipe::fetch {

struct Sweep {
  std::string run_id;
  std::string cursor;  // where the next page starts (a cursor, or an offset as text)
  int64_t pages = 0;   // pages committed
  int64_t rows = 0;    // rows committed
  bool done = false;

  nlohmann::json ToJson() const;
  // The committed state of the dataset's stream `key` if it belongs to this run, else a sweep at
  // its start; nullopt when the progress cannot be read (the run is then stopping).
  static std::optional<Sweep> For(Context& ctx, const std::string& dataset, const std::string& key);
};

// Progress key naming the run whose snapshot of the dataset is complete.
inline constexpr const char* kCompleteRunKey = "complete_run_id";

// Records that the dataset's snapshot of this run is complete (after its rows, in the same Sink).
bool MarkSnapshotComplete(Context& ctx, const std::string& dataset);

// The run id of the dataset's newest complete snapshot (committed), or "" if none.
std::string CompleteSnapshotRun(Context& ctx, const std::string& dataset);

// Why FetchPage returned nothing, for callers that handle a failed unit themselves.
struct PageFailure {
  bool unit = false;  // the unit failed (false: the run is stopping, or the host is down)
  long status = 0;    // last HTTP status; 0 when no response came
  std::string error;  // one line: the request, the cause and a line of the body
};

// Sends `request` (POST when `post_body` is given) and parses the body with `parse`, which
// returns an api::Result<Page> (an error when the body is not a valid page). A 200 the parser
// rejects (a truncated or garbled body) is asked for again, up to retry.max_attempts times.
// A request that still fails (a 4xx, a 5xx or block page or transport error after the client's
// retries, a body that never parses) fails its unit of work: described in `failure` when given,
// else recorded on `ctx` as a failed unit named by the URL. A host whose every request has failed
// for retry.host_down_seconds is fatal. Returns nullopt on any failure and when the run is
// stopping.
template <typename Page, typename Parse>
std::optional<Page> FetchPage(Context& ctx, http::Client& client, const http::Request& request,
                              const std::string* post_body, const std::string& dataset, Parse parse,
                              PageFailure* failure = nullptr);

// Implementation details of FetchPage, shared by its instantiations.
namespace detail {
// Sends once (with the client's own retries). Returns the body on 200, nullopt otherwise (after
// filling `failure`).
std::optional<std::string> Send(Context& ctx, http::Client& client, const http::Request& request,
                                const std::string* post_body, PageFailure* failure);
// Records a unit failure on `ctx` unless the caller handles it.
void Report(Context& ctx, const std::string& dataset, const http::Request& request,
            const PageFailure& failure, PageFailure* out);
}  // namespace detail

template <typename Page, typename Parse>
std::optional<Page> FetchPage(Context& ctx, http::Client& client, const http::Request& request,
                              const std::string* post_body, const std::string& dataset, Parse parse,
                              PageFailure* failure) {
  PageFailure why;
  const int attempts = std::max(1, ctx.config().retry.max_attempts);
  for (int attempt = 0; attempt < attempts && !ctx.stopping(); ++attempt) {
    std::optional<std::string> body = detail::Send(ctx, client, request, post_body, &why);
    if (!body) {
      detail::Report(ctx, dataset, request, why, failure);
      return std::nullopt;
    }
    api::Result<Page> page = parse(std::string_view(*body));
    client.Recycle(std::move(*body));
    if (page.ok()) {
      ctx.counters(dataset).pages.fetch_add(1, std::memory_order_relaxed);
      return std::move(page).value();
    }
    why = {true, 200,
           request.url + ": unusable response after " + std::to_string(attempts) +
               " attempts: " + page.error()};
    ctx.counters(dataset).bad_pages.fetch_add(1, std::memory_order_relaxed);
  }
  if (!ctx.stopping()) detail::Report(ctx, dataset, request, why, failure);
  return std::nullopt;
}

}  // namespace polypipe::fetch
