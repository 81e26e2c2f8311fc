// Runs of consecutive walks of a WalkPlan, made on several threads into one caller's buffer,
// and their text form: what a binding hands to JavaScript a chunk at a time (bounded memory
// however many walks the plan holds) and what the walks' inspection file holds.
//
// Walk number w of a plan is round w / nodeCount, position w % nodeCount (its
// WalkPlan::walkIndex); each walk is made by a RandomWalker restarted on w, so a walk depends
// on the seed and its number only, never on the threads or on how the walks are cut into runs.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

#include "random_walks.h"
#include "walk_plan.h"

namespace w2v {

/// Makes walks [first, first + count) of `plan` on `threads` threads (each a contiguous
/// share): walk first + i goes to out[i * walkLength ..) and its length to lengths[i]. `out`
/// holds count * walkLength ids, `lengths` count. Stops between walks once `cancel` (may be
/// nullptr) is set and returns false; true when every walk was made. Throws
/// std::invalid_argument for a range outside [0, plan.walkCount()] or threads outside
/// [1, kMaxThreads]; an exception of a thread is rethrown after every thread has joined.
bool makeWalks(const WalkTables& tables, const WalkPlan& plan, int64_t first, int64_t count, int32_t threads,
               int32_t* out, int32_t* lengths, const std::atomic<bool>* cancel);

/// Moves walk i (at out[i * walkLength ..), lengths[i] ids) to follow walk i - 1, so the
/// walks lie end to end; returns the ids in all.
int64_t packWalks(int32_t* out, const int32_t* lengths, int64_t count, int32_t walkLength);

/// Names of nodes for the text form: node v is bytes[offsets[v], offsets[v + 1]).
struct NodeNames {
  const char* bytes = nullptr;
  const int64_t* offsets = nullptr;  // nodeCount + 1 entries, ascending
};

/// Appends one walk as a line: its nodes separated by single spaces, then '\n'; each node as
/// its name when `names` is given (not nullptr), else as its decimal index.
void appendWalkLine(std::string& text, const int32_t* walk, size_t length, const NodeNames* names);

}  // namespace w2v
