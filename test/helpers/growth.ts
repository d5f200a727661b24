/**
 * Growth-by-result measurement for hostile-input tests: compare the time for an input 8× longer against the 1×
 * time in the same process (a linear algorithm stays well under 16×, a quadratic one lands near 64×), never a
 * wall-clock limit.
 */

/** Per-call time in ms of one trial: `fn` repeated until ≥ 20 ms have passed (timer noise). */
function trialMs(fn: () => unknown): number {
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    fn();
    calls++;
    elapsed = performance.now() - start;
  } while (elapsed < 20);
  return elapsed / calls;
}

/** Best per-call time in ms of `fn` over 5 trials. */
export function perCallMs(fn: () => unknown): number {
  let best = Infinity;
  for (let trial = 0; trial < 5; trial++) best = Math.min(best, trialMs(fn));
  return best;
}

/**
 * Time ratio of `run(make(8n))` to `run(make(n))`, after one warm-up pass for the JIT. The small and large trials
 * alternate and each side keeps its best, so a load spike on a shared CI machine (other processes on 2 cores) hits
 * both sides alike instead of inflating one: the ratio stays a property of the algorithm.
 */
export function growth(make: (n: number) => string, n: number, run: (value: string) => unknown): number {
  const small = make(n);
  const large = make(8 * n);
  return timeRatio(
    () => run(large),
    () => run(small),
  );
}

/** Best time of `large` over best time of `small`, trials alternating (see `growth`), after one warm-up each. */
export function timeRatio(large: () => unknown, small: () => unknown): number {
  trialMs(small);
  trialMs(large);
  let tSmall = Infinity;
  let tLarge = Infinity;
  for (let round = 0; round < 7; round++) {
    tSmall = Math.min(tSmall, trialMs(small));
    tLarge = Math.min(tLarge, trialMs(large));
  }
  return tLarge / tSmall;
}
