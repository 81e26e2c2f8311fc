/**
 * word2vec-native: train word2vec embeddings at native speed and query them.
 * @packageDocumentation
 */
export { train } from './train';
export type { Progress, TrainControl } from './train';
export { loadModel } from './load';
export { trainItems, ItemEmbeddings } from './items';
export type { Item, ItemSequences, ItemTrainOptions, RecommendOptions, ScoredItem } from './items';
export type { LoadOptions } from './load';
export { Word2Vec } from './model';
export type {
  AnalogyEvaluation, AnalogyOptions, EpochSummary, Metric, MostSimilarOptions, NearestOptions, NearestResult, SaveOptions, ScoredWord, TrainingStats, Word2VecInit,
  WordPairEvaluation,
} from './model';
export type { TrainOptions } from './options';
export { cudaDevices } from './cuda';
export type { CudaDevice } from './cuda';
export type { Corpus, CorpusItem, CorpusStream } from './corpus';
export { Vocabulary } from './vocabulary';
export type { Word2VecFormat } from './formats/word2vec';
export type { ModelFormat } from './formats/model-format';
export { detectModelFormat } from './formats/model-format';
export { exportProjector } from './formats/projector';
export type { ProjectorFiles, ProjectorOptions, ProjectorSource } from './formats/projector';
export { defaultCorpusPath } from './default-corpus';
export { phrases, Phrases } from './phrases';
export type { PhraseOptions, PhraseWriter } from './phrases';
export { embeddingLayout, plotEmbedding } from './plot/embedding-plot';
export type { EmbeddingLayout, EmbeddingLayoutOptions, EmbeddingPlotOptions, WordGroups } from './plot/embedding-plot';
export { principalComponents } from './plot/pca';
export type { PrincipalComponents } from './plot/pca';
export type { UmapOptions } from './plot/umap';
export { trainingChart } from './plot/training-chart';
export type { TrainingChartOptions } from './plot/training-chart';
export { savePlot } from './plot/save';

import { native } from './native';

/** Which SIMD kernel set the native core uses on this CPU. */
export function simd(): string {
  return native().simd;
}
