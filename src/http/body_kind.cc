#include "http/body_kind.h"

namespace polypipe::http {

BodyKind ClassifyBody(std::string_view body) {
  // A UTF-8 byte order mark is not content.
  if (body.substr(0, 3) == "\xEF\xBB\xBF") body.remove_prefix(3);
  for (char c : body) {
    switch (c) {
      case ' ':
      case '\t':
      case '\r':
      case '\n':
      case '\f':
      case '\v':
        continue;
      case '{':
      case '[':
        return BodyKind::kJson;
      case '<':
        return BodyKind::kHtml;
      default:
        return BodyKind::kText;
    }
  }
  return BodyKind::kEmpty;
}

std::string_view BodyKindName(BodyKind kind) {
  switch (kind) {
    case BodyKind::kJson:
      return "json";
    case BodyKind::kHtml:
      return "html";
    case BodyKind::kText:
      return "text";
    case BodyKind::kEmpty:
      return "empty";
  }
  return "unknown";
}

}  // namespace polypipe::http
