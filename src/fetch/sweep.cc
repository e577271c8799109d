#include "fetch/sweep.h"

#include <fmt/core.h>

#include "api/error_body.h"

namespace polypipe::fetch {

nlohmann::json Sweep::ToJson() const {
  return {{"run_id", run_id}, {"cursor", cursor}, {"pages", pages}, {"rows", rows}, {"done", done}};
}

std::optional<Sweep> Sweep::For(Context& ctx, const std::string& dataset, const std::string& key) {
  const auto progress = ctx.Progress(dataset, key);
  if (!progress) return std::nullopt;
  Sweep s;
  s.run_id = ctx.run_id();
  const auto it = progress->find(key);
  if (it == progress->end()) return s;
  const nlohmann::json& j = *it;
  if (!j.is_object() || j.value("run_id", "") != s.run_id) return s;
  s.cursor = j.value("cursor", "");
  s.pages = j.value("pages", int64_t{0});
  s.rows = j.value("rows", int64_t{0});
  s.done = j.value("done", false);
  return s;
}

bool MarkSnapshotComplete(Context& ctx, const std::string& dataset) {
  return ctx.Append(dataset, {}, {{kCompleteRunKey, ctx.run_id()}});
}

std::string CompleteSnapshotRun(Context& ctx, const std::string& dataset) {
  const auto progress = ctx.Progress(dataset, kCompleteRunKey);
  if (!progress) return "";
  const auto it = progress->find(kCompleteRunKey);
  return it != progress->end() && it->is_string() ? it->get<std::string>() : "";
}

namespace detail {

std::optional<std::string> Send(Context& ctx, http::Client& client, const http::Request& request,
                                const std::string* post_body, PageFailure* failure) {
  http::Result result = post_body ? client.Post(request, *post_body) : client.Get(request);
  if (result.response.date > 0) ctx.NoteServerTime(result.response.date);
  *failure = {true, result.response.status, result.error};
  switch (result.outcome) {
    case http::Outcome::kOk:
      ctx.HostOk(request.host);
      return std::move(result.response.body);
    case http::Outcome::kCancelled:
      failure->unit = false;
      return std::nullopt;
    case http::Outcome::kClientError:
      ctx.HostOk(request.host);  // the host answered; this request is wrong
      failure->error = fmt::format("{} (not retried): {}", result.error,
                                   api::DescribeErrorBody(result.response.body));
      return std::nullopt;
    case http::Outcome::kServerError:
    case http::Outcome::kTransportError:
      if (!result.response.body.empty()) {
        failure->error += ": " + api::DescribeErrorBody(result.response.body);
      }
      if (ctx.HostFailed(request.host)) {
        ctx.Fatal(fmt::format("{}: every request has failed for {:.0f}s or more; last: {}",
                              request.host, ctx.config().retry.host_down_seconds, failure->error));
        failure->unit = false;
      }
      return std::nullopt;
  }
  return std::nullopt;
}

void Report(Context& ctx, const std::string& dataset, const http::Request& request,
            const PageFailure& failure, PageFailure* out) {
  const bool unit = failure.unit && !ctx.stopping();  // a stopping run fails no unit
  if (out) {
    *out = failure;
    out->unit = unit;
  } else if (unit) {
    ctx.FailUnit({dataset, request.url, request.route, failure.status, failure.error});
  }
}

}  // namespace detail
}  // namespace polypipe::fetch
