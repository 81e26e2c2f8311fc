// The two helpers every check of a caller's values uses: a number as messages print it, and
// a failed check as std::invalid_argument (the binding turns it into a RangeError).
#pragma once
#include <cstdio>
#include <stdexcept>
#include <string>
#include <utility>

namespace w2v {

/// `v` as printf's %g writes it (0.025, 1e-06, 100000).
inline std::string str(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

/// Throws std::invalid_argument(message) unless `ok`.
inline void require(bool ok, const std::string& message) {
  if (!ok) throw std::invalid_argument(message);
}

/// Throws std::invalid_argument(message()) unless `ok`, the message built only then: for checks
/// in a loop over every word, where building each message (a float printed) cost more than
/// the check (10 ms for a 50,000-word vocabulary's keepProbability).
template <class Message, class = decltype(std::string(std::declval<Message&>()()))>
inline void require(bool ok, Message&& message) {
  if (!ok) throw std::invalid_argument(message());
}

}  // namespace w2v
