#include "fetch/sweep.h"

#include <fmt/core.h>

#include "api/error_body.h"

namespace polypipe::fetch {

nlohmann::json Sweep::ToJson() const {
  return {{"run_id", run_id}, {"cursor", cursor}, {"pages", pages}, {"rows", rows}, {"done", done}};
}

Sweep Sweep::For(const nlohmann::json& progress, const std::string& key,
                 const std::string& run_id) {
  Sweep s;
  s.run_id = run_id;
  if (!progress.is_object() || !progress.contains(key)) return s;
  const nlohmann::json& j = progress[key];
  if (!j.is_object() || j.value("run_id", "") != run_id) return s;
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
  const nlohmann::json progress = ctx.store().Progress(dataset);
  const auto it = progress.find(kCompleteRunKey);
  return it != progress.end() && it->is_string() ? it->get<std::string>() : "";
}

namespace detail {

std::optional<std::string> Send(Context& ctx, http::Client& client, const http::Request& request,
                                const std::string* post_body, const std::string& dataset) {
  http::Result result = post_body ? client.Post(request, *post_body) : client.Get(request);
  switch (result.outcome) {
    case http::Outcome::kOk:
      return std::move(result.response.body);
    case http::Outcome::kCancelled:
      return std::nullopt;
    case http::Outcome::kClientError:
      ctx.StreamError(dataset, fmt::format("{} (not retried): {}", result.error,
                                           api::DescribeErrorBody(result.response.body)));
      return std::nullopt;
    case http::Outcome::kServerError:
    case http::Outcome::kTransportError:
      ctx.Fatal(result.error);
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace detail
}  // namespace polypipe::fetch
