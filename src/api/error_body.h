// DescribeErrorBody: one log line summarising the body of a failed (or unparseable) response.
//
// Polymarket's error bodies are not always JSON. Recognised: the Data API v2 error
// {"error", "code", "retryable", "trace_id", "parameter"?}, Gamma's {"type", "error"}, the CLOB's
// and v1's {"error"}, Cloudflare's plain-text "error code: 1015" and HTML pages (by their
// <title>). Anything else is quoted: its size and first bytes, on one line.
//
// Thread-safety: a pure function.

#pragma once

#include <string>
#include <string_view>

namespace polypipe::api {

std::string DescribeErrorBody(std::string_view body);

}  // namespace polypipe::api
