// The EGES / GES update of one centre node (Wang et al., KDD 2018, "Billion-scale Commodity
// Embedding for E-commerce Recommendation in Alibaba", Algorithm 1), as a pure function of the
// weights it is handed, so that it can be tested against a transcription and by finite
// differences. EgesTrainer (eges_trainer.h) drives it over random walks.
//
// Notation (the paper's): node v has n attribute slots; W^0_v is its id embedding and W^s_v
// (s = 1..n) the embedding of its attribute value in slot s. Its hidden vector is
//     H_v = sum_j softmax(a_v)_j W^j_v,   j over slot 0 and the slots v has a value in,
// with a_v the node's learned logits (EGES), or uniform weights 1 / (present slots) (GES).
// Z_u is the output (context) vector of node u. Skip-gram with negative sampling: H_v predicts
// its window's nodes (label 1) and drawn negatives (label 0).
#pragma once
#include <cstdint>
#include <vector>

namespace w2v {

/// Views of the weights one update reads and writes. Rows are `dim` floats, row-major.
struct EgesWeights {
  float* idVectors = nullptr;          // W^0: vocabSize x dim
  float* attributeVectors = nullptr;   // attribute values' embeddings: attributeCount x dim
  float* logits = nullptr;             // a_v: vocabSize x (slots + 1), entry 0 the id's slot
  float* outputVectors = nullptr;      // Z: vocabSize x dim
  const int32_t* attributeOf = nullptr;  // vocabSize x slots attribute ids, -1 absent
  int32_t dim = 0;
  int32_t slots = 0;
  /// EGES (true): weights softmax(a_v), and the logits learn. GES (false): uniform weights.
  bool learnWeights = true;
};

/// One node the centre's hidden vector predicts: a window node (label 1) or a negative (0).
struct EgesTarget {
  int32_t node;
  float label;
};

/// A thread's working rows for egesUpdate / egesHidden, sized once for dim and slots.
struct EgesScratch {
  EgesScratch(int32_t dim, int32_t slots);
  std::vector<float> hidden;         // H_v
  std::vector<float> gradient;       // neu1e: the window's accumulated gradient w.r.t. H_v, times alpha
  std::vector<float> weights;        // w_j of the present slots
  std::vector<float> logitSteps;     // the logits' updates, computed before any W^j moves
  std::vector<float*> rows;          // W^j of the present slots
  std::vector<float*> logitOf;       // &a_v,j of the present slots
};

/// Gathers node v's present slots into scratch (rows, logitOf, weights) and returns how many
/// (at least 1: the id). The weights are softmax(a_v) over them (EGES) or uniform (GES).
int32_t egesSlots(const EgesWeights& w, int32_t node, EgesScratch& scratch);

/// H_v into `hidden` (dim floats), from the current weights.
void egesHidden(const EgesWeights& w, int32_t node, EgesScratch& scratch, float* hidden);

/// One centre node's update over its targets, with learning rate alpha; returns the loss,
/// sum over the targets of -log sigmoid(+-H_v . Z_u). With H_v computed once:
///   for each target u:  f = H_v . Z_u,  g = (label - sigmoid(f)) alpha,
///                       neu1e += g Z_u,  Z_u += g H_v            (Z_u as it was before its step)
///   then for each present slot j, from the W^j as they were before the step:
///       a_v,j += w_j neu1e . (W^j - H_v)  (EGES only: alpha times -dLoss/da_v,j, since
///                                          dH_v/da_v,j = w_j (W^j - H_v))
///       W^j   += w_j neu1e                (alpha times -dLoss/dW^j, since dH_v/dW^j = w_j)
/// The sigmoid is exact (1 / (1 + e^-f), float), not the CPU trainer's table: this kernel is
/// not the hot loop's copy, and the exact form keeps the finite-difference test sharp.
double egesUpdate(const EgesWeights& w, int32_t centre, const EgesTarget* targets, int32_t targetCount, float alpha,
                  EgesScratch& scratch);

}  // namespace w2v
