/**
 * word2vec-native: train word2vec embeddings at native speed and query them.
 * @packageDocumentation
 */
export { train } from './training/train';
export type { Progress, TrainControl } from './training/train';
export { loadModel } from './model/load';
export { trainItems } from './training/train-items';
export type { ItemSequences, ItemTrainOptions } from './training/train-items';
export { ItemEmbeddings } from './model/item-embeddings';
export type { Item, ItemIndexOptions, RecommendOptions, ScoredItem } from './model/item-embeddings';
export { VectorIndex } from './recall/vector-index';
export type { IndexSearchResult, IndexSource, IndexedVectors } from './recall/vector-index';
export type { GroupKey, IndexFilter, IndexOptions, IndexRunOptions, IndexSearchOptions } from './recall/index-options';
export { loadIndex } from './recall/load-index';
export type { LoadIndexOptions } from './recall/load-index';
export { mergeTopK } from './recall/merge-top-k';
export type { ShardResult } from './recall/merge-top-k';
export type { LoadOptions } from './model/load';
export { Word2Vec } from './model/model';
export type { EpochSummary, SaveOptions, TrainingStats, Word2VecInit } from './model/model';
export type { AnalogyOptions, Metric, MostSimilarOptions, NearestOptions, NearestResult, ScoredWord } from './model/queries';
export type { AnalogyEvaluation, WordPairEvaluation } from './model/evaluation';
export type { WordClassesOptions } from './model/clustering';
export type { EmbedOptions, EmbedResult, Pooling, TokenWeights } from './model/embedding';
export type { TrainOptions } from './training/options';
export { cudaDevices } from './native/cuda';
export type { CudaDevice } from './native/cuda';
export type { Corpus, CorpusItem, CorpusStream } from './corpus/corpus';
export type { EdgeInput, EdgeTuple, GraphologyLike } from './graph/edge-input';
export type { GraphOptions, WalkOptions } from './graph/graph-options';
export type { NodeId } from './graph/node-ids';
export { trainGraph } from './graph/train-graph';
export type { GraphTrainOptions } from './graph/train-graph';
export { NodeEmbeddings } from './graph/node-embeddings';
export type { GraphSummary } from './graph/node-embeddings';
export { Vocabulary } from './corpus/vocabulary';
export type { Word2VecFormat } from './formats/word2vec';
export type { ModelFormat } from './formats/model-format';
export { detectModelFormat } from './formats/model-format';
export { exportProjector } from './formats/projector';
export type { ProjectorFiles, ProjectorOptions, ProjectorSource } from './formats/projector';
export { defaultCorpusPath } from './corpus/default-corpus';
export { phrases, Phrases } from './corpus/phrases';
export type { PhraseOptions, PhraseWriter } from './corpus/phrases';
export { embeddingLayout, plotEmbedding } from './plot/embedding-plot';
export type { EmbeddingLayout, EmbeddingLayoutOptions, EmbeddingPlotOptions, WordGroups } from './plot/embedding-plot';
export { principalComponents } from './plot/pca';
export type { PrincipalComponents } from './plot/pca';
export type { UmapOptions } from './plot/umap';
export { trainingChart } from './plot/training-chart';
export type { TrainingChartOptions } from './plot/training-chart';
export { savePlot } from './plot/save';

import { native } from './native/addon';

/**
 * Which SIMD kernel set the native core uses on this CPU. Trainings with negative sampling alone
 * at dim 256 and above run on `avx512f` where the CPU has it (faster there; the README's "SIMD
 * kernels").
 */
export function simd(): string {
  return native().simd;
}
