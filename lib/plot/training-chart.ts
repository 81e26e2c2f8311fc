/**
 * trainingChart(): the loss and the throughput of a training run over time, from its
 * progress reports, as an SVG chart of two panels sharing the time axis, epochs marked.
 * @packageDocumentation
 */
import { describeValue } from '../util/errors';
import { integerOption } from '../util/validate';
import type { Progress } from '../training/train';
import { niceTicks, siTickLabels, tickLabel, type Ticks } from './ticks';
import { escapeXml, num } from './xml';

/** Options of {@link trainingChart}. */
export interface TrainingChartOptions {
  /** Default "Training". */
  title?: string;
  /** Picture size in pixels; default 800 x 540. */
  width?: number;
  height?: number;
}

interface Panel {
  top: number;
  bottom: number;
  ticks: Ticks;
  labels: string[];
  title: string;
}

const LEFT = 70;
const RIGHT = 24;
const FONT = 12;
/** Markers on every report while there are few enough to tell apart. */
const MAX_MARKERS = 150;

/**
 * Draws the training reports of `progress` (reports of the vocabulary phase are skipped):
 * above, the loss per prediction of each report (the mean since the report before); below,
 * words/s between consecutive reports, with the running average the progress line shows as a
 * dashed line. Dashed vertical lines mark where each epoch began. One point per report.
 */
export function trainingChart(progress: readonly Progress[], options: TrainingChartOptions = {}): string {
  if (!Array.isArray(progress)) throw new TypeError(`progress must be an array of progress reports, got ${describeValue(progress)}`);
  if (options === null || typeof options !== 'object') throw new TypeError(`options must be an object, got ${describeValue(options)}`);
  for (const name of Object.keys(options)) {
    if (!['title', 'width', 'height'].includes(name)) throw new TypeError(`unknown option ${JSON.stringify(name)}`);
  }
  const width = integerOption('width', options.width ?? 800, 300, 20000);
  const height = integerOption('height', options.height ?? 540, 300, 20000);
  const title = options.title ?? 'Training';
  if (typeof title !== 'string') throw new TypeError(`title must be a string, got ${describeValue(title)}`);
  const reports = progress.filter((p) => p !== null && typeof p === 'object' && p.phase === 'training');
  const seconds = reports.map((p) => p.elapsedMs / 1000);
  const loss = reports.map((p) => p.loss);
  const rate = reports.map((p, i) => {
    const before = i === 0 ? { wordsDone: 0, elapsedMs: 0 } : reports[i - 1]!;
    const dt = (p.elapsedMs - before.elapsedMs) / 1000;
    return dt > 0 ? (p.wordsDone - before.wordsDone) / dt : NaN;
  });
  const average = reports.map((p) => p.wordsPerSecond);

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="DejaVu Sans, Verdana, Arial, sans-serif" font-size="${FONT}">`,
  );
  out.push(`<title>${escapeXml(title)}</title>`);
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${LEFT}" y="24" font-size="${FONT + 4}" font-weight="bold" fill="#222">${escapeXml(title)}</text>`);
  const x0 = LEFT;
  const x1 = width - RIGHT;
  if (reports.length === 0) {
    out.push(`<text x="${num(width / 2)}" y="${num(height / 2)}" text-anchor="middle" fill="#666">no training progress reports</text>`);
    out.push('</svg>');
    return out.join('\n') + '\n';
  }
  const timeTicks = niceTicks(0, Math.max(...seconds, 1e-3), Math.max(3, Math.floor((x1 - x0) / 90)));
  const toX = (s: number): number => x0 + ((s - timeTicks.lo) / (timeTicks.hi - timeTicks.lo)) * (x1 - x0);
  // Under the title, a row for the epochs' names.
  const plotTop = 52;
  const plotBottom = height - 46;
  const gap = 26;
  const panelHeight = (plotBottom - plotTop - gap) / 2;
  // A little headroom, so lines at the extremes do not run along the frame.
  const [lossLo, lossHi] = finiteRange(loss);
  const lossPad = 0.03 * (lossHi - lossLo);
  const lossTicks = niceTicks(lossLo - lossPad, lossHi + lossPad, Math.max(3, Math.floor(panelHeight / 40)));
  const rateTicks = niceTicks(0, 1.04 * Math.max(0, ...finiteRange([...rate, ...average])), Math.max(3, Math.floor(panelHeight / 40)));
  const lossPanel: Panel = {
    top: plotTop, bottom: plotTop + panelHeight, ticks: lossTicks, title: 'loss per prediction',
    labels: lossTicks.values.map((v) => tickLabel(v, lossTicks.step)),
  };
  const ratePanel: Panel = {
    top: plotTop + panelHeight + gap, bottom: plotBottom, ticks: rateTicks, title: 'words/s',
    labels: siTickLabels(rateTicks),
  };
  for (const panel of [lossPanel, ratePanel]) out.push(panelFrame(panel, timeTicks, toX, x0, x1));
  // Time axis under the lower panel.
  out.push('<g class="time-axis" fill="#444" text-anchor="middle">');
  for (const t of timeTicks.values) {
    out.push(`<line x1="${num(toX(t))}" y1="${num(plotBottom)}" x2="${num(toX(t))}" y2="${num(plotBottom + 5)}" stroke="#888"/>`);
    out.push(`<text x="${num(toX(t))}" y="${num(plotBottom + 18)}">${tickLabel(t, timeTicks.step)}</text>`);
  }
  out.push(`<text x="${num((x0 + x1) / 2)}" y="${num(height - 8)}">seconds</text>`);
  out.push('</g>');
  out.push(epochMarks(reports, seconds, toX, lossPanel.top, ratePanel.bottom));
  out.push(series('loss', seconds, loss, toX, yScale(lossPanel), '#4e79a7', false));
  out.push(series('words-per-second-average', seconds, average, toX, yScale(ratePanel), '#e15759', true));
  out.push(series('words-per-second', seconds, rate, toX, yScale(ratePanel), '#59a14f', false));
  out.push(
    `<g class="key" font-size="${FONT - 1}" fill="#444">` +
      `<line x1="${num(x1 - 250)}" y1="${num(ratePanel.top - 9)}" x2="${num(x1 - 230)}" y2="${num(ratePanel.top - 9)}" stroke="#59a14f" stroke-width="2"/>` +
      `<text x="${num(x1 - 226)}" y="${num(ratePanel.top - 5)}">between reports</text>` +
      `<line x1="${num(x1 - 120)}" y1="${num(ratePanel.top - 9)}" x2="${num(x1 - 100)}" y2="${num(ratePanel.top - 9)}" stroke="#e15759" stroke-width="1.5" stroke-dasharray="5 3"/>` +
      `<text x="${num(x1 - 96)}" y="${num(ratePanel.top - 5)}">since start</text></g>`,
  );
  out.push('</svg>');
  return out.join('\n') + '\n';
}

function finiteRange(values: readonly number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return lo <= hi ? [lo, hi] : [0, 1];
}

function yScale(panel: Panel): (v: number) => number {
  const { lo, hi } = panel.ticks;
  return (v) => panel.bottom - ((v - lo) / (hi - lo)) * (panel.bottom - panel.top);
}

function panelFrame(panel: Panel, time: Ticks, toX: (s: number) => number, x0: number, x1: number): string {
  const y = yScale(panel);
  const out = [`<g class="panel">`];
  for (const t of time.values) out.push(`<line x1="${num(toX(t))}" y1="${num(panel.top)}" x2="${num(toX(t))}" y2="${num(panel.bottom)}" stroke="#eeeeee"/>`);
  panel.ticks.values.forEach((v, i) => {
    const ty = y(v);
    out.push(`<line x1="${num(x0)}" y1="${num(ty)}" x2="${num(x1)}" y2="${num(ty)}" stroke="#eeeeee"/>`);
    out.push(`<line x1="${num(x0 - 5)}" y1="${num(ty)}" x2="${num(x0)}" y2="${num(ty)}" stroke="#888"/>`);
    out.push(`<text x="${num(x0 - 8)}" y="${num(ty + 4)}" text-anchor="end" fill="#444">${panel.labels[i]}</text>`);
  });
  out.push(`<rect x="${num(x0)}" y="${num(panel.top)}" width="${num(x1 - x0)}" height="${num(panel.bottom - panel.top)}" fill="none" stroke="#aaaaaa"/>`);
  const mid = (panel.top + panel.bottom) / 2;
  out.push(`<text x="16" y="${num(mid)}" text-anchor="middle" fill="#444" transform="rotate(-90 16 ${num(mid)})">${panel.title}</text>`);
  out.push('</g>');
  return out.join('\n');
}

/** A line through the finite values (gaps where a value is not finite), markers on each when few. */
function series(
  name: string, xs: readonly number[], ys: readonly number[], toX: (s: number) => number, toY: (v: number) => number,
  colour: string, dashed: boolean,
): string {
  const out = [`<g class="${name}">`];
  const runs: string[][] = [[]];
  xs.forEach((x, i) => {
    const v = ys[i]!;
    if (Number.isFinite(v)) runs[runs.length - 1]!.push(`${num(toX(x))},${num(toY(v))}`);
    else if (runs[runs.length - 1]!.length > 0) runs.push([]);
  });
  for (const run of runs) {
    if (run.length === 0) continue;
    out.push(
      `<polyline class="${name}" points="${run.join(' ')}" fill="none" stroke="${colour}" ` +
        `stroke-width="${dashed ? 1.5 : 2}" stroke-linejoin="round"${dashed ? ' stroke-dasharray="5 3"' : ''}/>`,
    );
  }
  if (!dashed && xs.length <= MAX_MARKERS) {
    xs.forEach((x, i) => {
      const v = ys[i]!;
      if (Number.isFinite(v)) out.push(`<circle cx="${num(toX(x))}" cy="${num(toY(v))}" r="2.5" fill="${colour}"/>`);
    });
  }
  out.push('</g>');
  return out.join('\n');
}

/**
 * A dashed line where each epoch after the first began: the time at which the words done
 * crossed the epoch's start, interpolated between the two reports around it.
 */
function epochMarks(reports: readonly Progress[], seconds: readonly number[], toX: (s: number) => number, top: number, bottom: number): string {
  const last = reports[reports.length - 1]!;
  const epochs = last.epochs;
  const out = ['<g class="epochs" fill="#777" font-size="11">'];
  if (epochs > 1) out.push(`<text x="${num(toX(0))}" y="${num(top - 5)}">epoch 1</text>`);
  for (let e = 1; e < epochs; e++) {
    const at = crossing(reports, seconds, (e * last.wordsTotal) / epochs, e);
    if (at === undefined) continue;
    const x = toX(at);
    out.push(`<line class="epoch" x1="${num(x)}" y1="${num(top)}" x2="${num(x)}" y2="${num(bottom)}" stroke="#999" stroke-dasharray="4 4"/>`);
    out.push(`<text x="${num(x)}" y="${num(top - 5)}" text-anchor="middle">epoch ${e + 1}</text>`);
  }
  out.push('</g>');
  return out.join('\n');
}

/** When `words` were done; without word totals, the first report of epoch `epoch`. */
function crossing(reports: readonly Progress[], seconds: readonly number[], words: number, epoch: number): number | undefined {
  if (!(reports[reports.length - 1]!.wordsTotal > 0)) {
    const i = reports.findIndex((p) => p.epoch >= epoch);
    return i < 0 ? undefined : seconds[i];
  }
  const i = reports.findIndex((p) => p.wordsDone >= words);
  if (i < 0) return undefined;
  const before = i === 0 ? { words: 0, t: 0 } : { words: reports[i - 1]!.wordsDone, t: seconds[i - 1]! };
  const span = reports[i]!.wordsDone - before.words;
  return span > 0 ? before.t + ((words - before.words) / span) * (seconds[i]! - before.t) : seconds[i];
}
