// A tiny test harness for the C++ core (no external framework):
//   TEST(name) { CHECK(cond); CHECK_NEAR(a, b, tol); CHECK_THROWS_WITH(expr, "substring");
//                CHECK_THROWS_AS(expr, std::invalid_argument, "substring"); }
// Failures are recorded with file:line and the test goes on; main() (check_main.cc) runs
// every test (or those whose name contains argv[1]), prints one closing line
// "N passed, M failed" (N and M count tests) and returns non-zero if any failed.
#pragma once
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <sstream>
#include <string>
#include <vector>

namespace check {

struct TestCase {
  const char* name;
  void (*fn)();
};

inline std::vector<TestCase>& registry() {
  static std::vector<TestCase> tests;
  return tests;
}

/// Failures recorded in the running test.
inline int& currentFailures() {
  static int failures = 0;
  return failures;
}

inline void fail(const char* file, int line, const std::string& message) {
  ++currentFailures();
  std::fprintf(stderr, "  FAILED %s:%d: %s\n", file, line, message.c_str());
  std::fflush(stderr);
}

struct Register {
  Register(const char* name, void (*fn)()) { registry().push_back(TestCase{name, fn}); }
};

template <typename T>
std::string show(const T& v) {
  std::ostringstream s;
  s.precision(9);
  s << v;
  return s.str();
}

/// Runs every registered test (or those whose name contains `filter`), prints one closing
/// line "N passed, M failed" and returns the process exit code.
inline int runAll(const char* filter) {
  int passed = 0, failed = 0;
  for (const auto& test : registry()) {
    if (filter != nullptr && std::strstr(test.name, filter) == nullptr) continue;
    std::printf("[ RUN  ] %s\n", test.name);
    std::fflush(stdout);
    currentFailures() = 0;
    const auto start = std::chrono::steady_clock::now();
    try {
      test.fn();
    } catch (const std::exception& e) {
      fail(__FILE__, __LINE__, std::string("uncaught exception: ") + e.what());
    } catch (...) {
      fail(__FILE__, __LINE__, "uncaught non-std exception");
    }
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    const bool ok = currentFailures() == 0;
    (ok ? passed : failed) += 1;
    std::printf("[ %s ] %s (%.0f ms)\n", ok ? " OK " : "FAIL", test.name, ms);
    std::fflush(stdout);
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 && passed > 0 ? 0 : 1;
}

}  // namespace check

#define CHECK_CONCAT_INNER(a, b) a##b
#define CHECK_CONCAT(a, b) CHECK_CONCAT_INNER(a, b)

#define TEST(name)                                                               \
  static void name();                                                            \
  static const ::check::Register CHECK_CONCAT(check_register_, name)(#name, name); \
  static void name()

/// Records a failure (does not stop the test); evaluates to the condition's value.
#define CHECK(cond)                                                             \
  ([&]() -> bool {                                                              \
    if (cond) return true;                                                      \
    ::check::fail(__FILE__, __LINE__, std::string("CHECK(") + #cond + ")");      \
    return false;                                                               \
  }())

/// Like CHECK, with extra context streamed into the message.
#define CHECK_MSG(cond, msg)                                                    \
  ([&]() -> bool {                                                              \
    if (cond) return true;                                                      \
    std::ostringstream check_os_;                                               \
    check_os_ << "CHECK(" << #cond << "): " << msg;                             \
    ::check::fail(__FILE__, __LINE__, check_os_.str());                         \
    return false;                                                               \
  }())

#define CHECK_EQ(a, b)                                                                       \
  ([&]() -> bool {                                                                           \
    /* copies: (a) may name a part of a temporary that dies with this statement */           \
    const auto check_a_ = (a);                                                               \
    const auto check_b_ = (b);                                                               \
    if (check_a_ == check_b_) return true;                                                   \
    ::check::fail(__FILE__, __LINE__,                                                        \
                  std::string("CHECK_EQ(") + #a + ", " + #b + "): " + ::check::show(check_a_) + \
                      " != " + ::check::show(check_b_));                                     \
    return false;                                                                            \
  }())

#define CHECK_NEAR(a, b, tol)                                                              \
  ([&]() -> bool {                                                                         \
    const double check_a_ = static_cast<double>(a);                                        \
    const double check_b_ = static_cast<double>(b);                                        \
    const double check_t_ = static_cast<double>(tol);                                      \
    if (std::fabs(check_a_ - check_b_) <= check_t_) return true;                           \
    ::check::fail(__FILE__, __LINE__,                                                      \
                  std::string("CHECK_NEAR(") + #a + ", " + #b + ", " + #tol + "): " +       \
                      ::check::show(check_a_) + " vs " + ::check::show(check_b_) +          \
                      " (difference " + ::check::show(std::fabs(check_a_ - check_b_)) + ")"); \
    return false;                                                                          \
  }())

/// `expr` must throw an exception of type `type` whose what() contains `substring`.
#define CHECK_THROWS_AS(expr, type, substring)                                               \
  do {                                                                                       \
    const std::string check_sub_ = (substring);                                              \
    try {                                                                                    \
      (void)(expr);                                                                          \
      ::check::fail(__FILE__, __LINE__, std::string(#expr) + " did not throw");              \
    } catch (const type& check_e_) {                                                         \
      const std::string check_what_ = check_e_.what();                                       \
      if (check_what_.find(check_sub_) == std::string::npos)                                 \
        ::check::fail(__FILE__, __LINE__,                                                    \
                      std::string(#expr) + " threw \"" + check_what_ + "\", expected it to contain \"" + \
                          check_sub_ + "\"");                                                \
    } catch (const std::exception& check_e_) {                                               \
      ::check::fail(__FILE__, __LINE__,                                                      \
                    std::string(#expr) + " threw another type than " #type ": " + check_e_.what()); \
    } catch (...) {                                                                          \
      ::check::fail(__FILE__, __LINE__, std::string(#expr) + " threw a non-std exception");  \
    }                                                                                        \
  } while (0)

/// `expr` must throw a std::exception whose what() contains `substring`.
#define CHECK_THROWS_WITH(expr, substring) CHECK_THROWS_AS(expr, std::exception, substring)

#define CHECK_NOTHROW(expr)                                                                  \
  do {                                                                                       \
    try {                                                                                    \
      (void)(expr);                                                                          \
    } catch (const std::exception& check_e_) {                                               \
      ::check::fail(__FILE__, __LINE__, std::string(#expr) + " threw: " + check_e_.what());  \
    } catch (...) {                                                                          \
      ::check::fail(__FILE__, __LINE__, std::string(#expr) + " threw a non-std exception");  \
    }                                                                                        \
  } while (0)
