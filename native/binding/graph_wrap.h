// JS classes `Graph` and `GraphWalks` (glue over native/core/graph.h, random_walks.h,
// walk_plan.h and walk_batch.h).
//
// A Graph starts as a builder: add(src, dst, weight) takes a chunk of edges over dense node
// ids (the TypeScript layer streams them), build(nodeCount, options) merges them into CSR on a
// worker thread; then info() describes it. `new GraphWalks(graph, config)` walks a built
// graph by a walk plan: next(maxTokens, threads) makes the plan's next walks on native threads
// and resolves to at most maxTokens ids (so JavaScript streams the walks in bounded memory);
// writeAll(path, ...) writes every walk left as a line of text. A GraphWalks shares the graph
// (dispose() of the Graph frees it once no walks use it).
#pragma once
#include <napi.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <utility>

#include "../core/graph.h"
#include "../core/random_walks.h"
#include "../core/walk_plan.h"

namespace w2v_binding {

class GraphWrap : public Napi::ObjectWrap<GraphWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit GraphWrap(const Napi::CallbackInfo& info);
  /// The built graph of `object` (a Graph, checked by its type tag); throws a TypeError
  /// naming `name` otherwise, or when the graph is not built or disposed.
  static std::shared_ptr<const w2v::Graph> BuiltGraph(const Napi::Value& object, const char* name);

 private:
  friend class GraphBuildWorker;
  Napi::Value Add(const Napi::CallbackInfo& info);
  Napi::Value Build(const Napi::CallbackInfo& info);
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  /// Throws unless edges may still be added (not building, built, failed or disposed).
  w2v::GraphBuilder& builder(Napi::Env env);

  std::unique_ptr<w2v::GraphBuilder> builder_ = std::make_unique<w2v::GraphBuilder>();
  std::shared_ptr<const w2v::Graph> graph_;
  bool building_ = false;
  bool failed_ = false;
  bool disposed_ = false;
};

/// What a GraphWalks and its workers share: the plan, the walks made so far, the flags.
struct WalkState {
  std::shared_ptr<const w2v::Graph> graph;
  w2v::WalkConfig config;
  w2v::WalkPlan plan;
  /// Built by the first worker (weighted walks' alias tables take O(edges) time).
  std::unique_ptr<w2v::WalkTables> tables;
  /// The next walk of the plan to make; only the worker that holds `busy` changes it.
  std::atomic<int64_t> next{0};
  std::atomic<bool> busy{false};
  std::atomic<bool> cancelled{false};

  WalkState(std::shared_ptr<const w2v::Graph> g, const w2v::WalkConfig& c, int32_t walksPerNode)
      : graph(std::move(g)), config(c), plan(graph->nodeCount(), walksPerNode, c.seed) {}
  const w2v::WalkTables& walkTables() {
    if (!tables) tables = std::make_unique<w2v::WalkTables>(*graph, config);
    return *tables;
  }
};

class GraphWalksWrap : public Napi::ObjectWrap<GraphWalksWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit GraphWalksWrap(const Napi::CallbackInfo& info);

 private:
  Napi::Value Next(const Napi::CallbackInfo& info);
  Napi::Value WriteAll(const Napi::CallbackInfo& info);
  Napi::Value Cancel(const Napi::CallbackInfo& info);
  Napi::Value Position(const Napi::CallbackInfo& info);
  /// Takes the busy flag for one worker; throws when a call is already running.
  void claim(Napi::Env env);

  std::shared_ptr<WalkState> state_;
};

}  // namespace w2v_binding
