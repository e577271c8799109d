#include "bronze/failpoint.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>

namespace polypipe::bronze {
namespace {

struct Armed {
  bool active = false;
  std::string name;
  long hit = 1;  // die at this hit (1-based)
  std::atomic<long> hits{0};
};

Armed& ReadArmed() {
  static Armed* armed = [] {
    auto* a = new Armed();  // never destroyed: failpoints may fire during static destruction
    const char* env = std::getenv("POLYPIPE_FAILPOINT");
    if (env == nullptr || *env == '\0') return a;
    std::string spec = env;
    const size_t colon = spec.rfind(':');
    if (colon != std::string::npos) {
      char* end = nullptr;
      const long n = std::strtol(spec.c_str() + colon + 1, &end, 10);
      // A malformed count disarms the failpoint rather than firing at a surprising moment.
      if (end == nullptr || *end != '\0' || n < 1) return a;
      a->hit = n;
      spec.resize(colon);
    }
    a->name = spec;
    a->active = true;
    return a;
  }();
  return *armed;
}

}  // namespace

void Failpoint(const char* name) {
  Armed& armed = ReadArmed();
  if (!armed.active) return;
  if (std::strcmp(name, armed.name.c_str()) != 0) return;
  if (armed.hits.fetch_add(1) + 1 != armed.hit) return;
  // SIGKILL cannot be caught: nothing runs after this line, exactly like `kill -9`.
  ::kill(::getpid(), SIGKILL);
  ::_exit(137);  // unreachable unless kill failed
}

}  // namespace polypipe::bronze
