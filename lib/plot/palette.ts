/**
 * Colours of groups: Tableau's categorical palette first, then hues a golden angle apart.
 * @packageDocumentation
 */

// Tableau 10 without its grey, which is kept for "no group".
const CATEGORICAL = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f'];

/** The colour of points that belong to no group. */
export const UNGROUPED_COLOUR = '#a0a0a0';

/** The colour of the `index`-th group (0-based); distinct for every index. */
export function groupColour(index: number): string {
  if (index < CATEGORICAL.length) return CATEGORICAL[index]!;
  // Hue steps of the golden angle never repeat; lightness alternates so neighbours differ more.
  const k = index - CATEGORICAL.length;
  const hue = (k * 137.50776405) % 360;
  const lightness = 38 + (k % 3) * 9;
  return `hsl(${hue.toFixed(2)},60%,${lightness}%)`;
}
