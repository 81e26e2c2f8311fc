// Every limit the core and the binding hold a value to: one definition each, so that the
// checks here, the binding's argument checks and the TypeScript layer (which reads them from
// the addon's `limits` export) cannot drift apart. A device's own limits live with that
// device and are gathered in native/backends.
#pragma once
#include <cstdint>

namespace w2v {

// Training: what TrainerConfig and TrainerTables may hold.
constexpr int32_t kMaxDim = 10000;
constexpr int32_t kMaxWindow = 1000;
constexpr int32_t kMaxNegative = 1000;
constexpr int32_t kMaxGroupNegative = kMaxNegative;
constexpr int32_t kMaxThreads = 1024;
constexpr int32_t kMaxEpochs = 100000;
/// Bits of one word's Huffman code (hierarchical softmax).
constexpr int32_t kMaxCodeLength = 64;
/// alpha and minAlpha.
constexpr double kMaxAlpha = 10;
constexpr int32_t kMaxQueueCapacity = 4096;
constexpr int32_t kMinProgressIntervalMs = 1;
constexpr int32_t kMaxProgressIntervalMs = 3600000;
/// Words of a vocabulary or a model: ids are int32.
constexpr int32_t kMaxVocabSize = INT32_MAX;
/// EGES side information: attribute slots per node (category, brand, shop, ...), distinct
/// attribute values (each has a row of dim floats), and entries of the node x slot table
/// (an Int32Array handed over from JavaScript; each entry also costs a float of logits).
constexpr int32_t kMaxAttributeSlots = 64;
constexpr int32_t kMaxAttributeValues = 1 << 24;
constexpr int64_t kMaxAttributeCells = INT32_MAX;

// Models and what runs on their vectors.
/// dim of a model read from a file or handed to k-means (trained models stop at kMaxDim).
constexpr int32_t kMaxModelDim = 100000;
constexpr int32_t kMaxKMeansIterations = 1000;
constexpr int32_t kMaxKMeansThreads = 256;
/// Threads of one pooling (embed) call.
constexpr int32_t kMaxPoolingThreads = 256;
/// Values (sequences x dim) of one pooling result: 8 GiB of floats; larger inputs go in batches.
constexpr int64_t kMaxPooledValues = INT32_MAX;

// Graphs and random walks (graph embeddings): nodes become the trainer's words, so ids are
// int32 like theirs.
/// Nodes of one graph (the offsets alone take 8 bytes each).
constexpr int64_t kMaxGraphNodes = INT32_MAX;
/// Nodes of one walk: a walk is one sentence of the trainer and lives in a caller's buffer.
constexpr int32_t kMaxWalkLength = 100000;
/// Walks started from each node (rounds of a walk plan).
constexpr int32_t kMaxWalksPerNode = 100000;
/// node2vec's return (p) and in-out (q) parameters: beyond this range 1/p and 1/q lose the
/// precision the acceptance test needs.
constexpr double kMinWalkBias = 1e-6;
constexpr double kMaxWalkBias = 1e6;
/// Node ids of one chunk of walks handed to JavaScript (64 MiB): the binding allocates a
/// chunk's buffer from the caller's maxTokens, so it is bounded here.
constexpr int32_t kMaxWalkChunkTokens = 1 << 24;

}  // namespace w2v
