/**
 * Growth-by-result measurement for hostile-input tests: compare the time for an input 8× longer against the 1×
 * time in the same process (a linear algorithm stays well under 16×), never a wall-clock limit.
 */

/** Best per-call time in ms of `fn` over 5 trials, each repeating it until ≥ 20 ms have passed (timer noise). */
export function perCallMs(fn: () => unknown): number {
  let best = Infinity;
  for (let trial = 0; trial < 5; trial++) {
    let calls = 0;
    const start = performance.now();
    let elapsed = 0;
    do {
      fn();
      calls++;
      elapsed = performance.now() - start;
    } while (elapsed < 20);
    best = Math.min(best, elapsed / calls);
  }
  return best;
}

/** Time ratio of `run(make(8n))` to `run(make(n))`, after one warm-up pass for the JIT. */
export function growth(make: (n: number) => string, n: number, run: (value: string) => unknown): number {
  const small = make(n);
  const large = make(8 * n);
  perCallMs(() => run(small));
  const t1 = perCallMs(() => run(small));
  const t8 = perCallMs(() => run(large));
  return t8 / t1;
}
