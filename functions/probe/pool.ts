/** A bounded worker pool: at most `concurrency` tasks in flight, results in input order. */

export interface PoolOutcome<R> {
  results: R[];
  /** The highest number of tasks that were in flight at once (never above `concurrency`). */
  maxInFlight: number;
}

export async function runPool<T, R>(items: readonly T[], concurrency: number, task: (item: T, index: number) => Promise<R>): Promise<PoolOutcome<R>> {
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive whole number, got ${concurrency}`);
  const results = new Array<R>(items.length);
  let next = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        results[index] = await task(items[index], index);
      } finally {
        inFlight -= 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return { results, maxInFlight };
}
