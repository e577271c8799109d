// BodyKind: what a response body looks like, judged from its first bytes. Error bodies of the
// services are not always JSON (Cloudflare answers with HTML pages and "error code: 1015"), so
// callers decide what to do with a body by its kind before parsing it.
//
// Thread-safety: pure functions.

#pragma once

#include <string_view>

namespace polypipe::http {

enum class BodyKind {
  kJson,   // first non-space byte is '{' or '['; not validated further
  kHtml,   // first non-space byte is '<'
  kText,   // anything else that is not blank
  kEmpty,  // no bytes, or only whitespace
};

BodyKind ClassifyBody(std::string_view body);

// "json", "html", "text" or "empty".
std::string_view BodyKindName(BodyKind kind);

}  // namespace polypipe::http
