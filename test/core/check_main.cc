// Runs the tests registered with TEST(); an optional argument keeps only the tests whose
// name contains it. Ends with one line "N passed, M failed".
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>

#include "check.h"

int main(int argc, char** argv) {
  const char* filter = argc > 1 ? argv[1] : nullptr;
  int passed = 0, failed = 0;
  for (const auto& test : check::registry()) {
    if (filter != nullptr && std::strstr(test.name, filter) == nullptr) continue;
    std::printf("[ RUN  ] %s\n", test.name);
    std::fflush(stdout);
    check::currentFailures() = 0;
    const auto start = std::chrono::steady_clock::now();
    try {
      test.fn();
    } catch (const std::exception& e) {
      check::fail(__FILE__, __LINE__, std::string("uncaught exception: ") + e.what());
    } catch (...) {
      check::fail(__FILE__, __LINE__, "uncaught non-std exception");
    }
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    const bool ok = check::currentFailures() == 0;
    (ok ? passed : failed) += 1;
    std::printf("[ %s ] %s (%.0f ms)\n", ok ? " OK " : "FAIL", test.name, ms);
    std::fflush(stdout);
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 && passed > 0 ? 0 : 1;
}
