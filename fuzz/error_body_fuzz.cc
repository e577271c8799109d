// Bodies of failed responses, any service (DescribeErrorBody): the summary is one short line.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "api/error_body.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace polypipe;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const std::string line = api::DescribeErrorBody(body);
  fuzz::Require(!line.empty(), "an empty description");
  fuzz::Require(line.size() <= 1024, "a description longer than a log line");
  for (const char ch : line) {
    const auto c = static_cast<unsigned char>(ch);
    fuzz::Require(c >= 0x20 && c != 0x7f, "a control character in the description");
  }
  return 0;
}
