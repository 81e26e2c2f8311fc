/**
 * Keeping the event loop responsive while JS tokenizes and encodes a corpus.
 * @packageDocumentation
 */

/**
 * Gives the event loop a turn (a macrotask, so timers and I/O run) when more than
 * `budgetMs` have passed since the last one. Awaiting resolved promises alone never does.
 */
export function eventLoopYielder(budgetMs = 3): () => Promise<void> | undefined {
  let last = performance.now();
  return () => {
    if (performance.now() - last < budgetMs) return undefined;
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        last = performance.now();
        resolve();
      }),
    );
  };
}

/**
 * A turn of the event loop (a macrotask): awaited between two phases of synchronous work
 * (counting, building the vocabulary, starting the trainer), so their costs do not add up into
 * one long stall.
 */
export function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}
