/** Small deterministic PRNG helpers so an estate is the same for the same seed at any size. */
import { randomUUID } from 'node:crypto';

export type Rng = () => number;

/** mulberry32: fast 32-bit PRNG, uniform in [0, 1). */
export function makeRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Derives an independent stream for item `index` of a seeded estate. */
export function mixSeed(seed: number, index: number, salt = 0): number {
  let h = (seed * 0x9e3779b1) ^ (index * 0x85ebca6b) ^ (salt * 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

export function randInt(rng: Rng, minIncl: number, maxIncl: number): number {
  return minIncl + Math.floor(rng() * (maxIncl - minIncl + 1));
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  const item = items[Math.floor(rng() * items.length)];
  if (item === undefined) throw new Error('pick from empty list');
  return item;
}

const scratch = Buffer.alloc(32);

/**
 * Upper-case hex characters (default 32, the shape of every SEPM object id). Written through a scratch buffer:
 * one flat string per id instead of a chain of concatenations keeps 50,000-computer estates cheap to build.
 */
export function hexId(rng: Rng, length = 32): string {
  const bytes = Math.ceil(length / 2);
  for (let i = 0; i < bytes; i++) scratch[i] = Math.floor(rng() * 256);
  return scratch.toString('hex', 0, bytes).slice(0, length).toUpperCase();
}

/** Random 32-hex ids for objects created at run time (commands, lists, files). */
export function newId(): string {
  return randomUUID().replace(/-/g, '').toUpperCase();
}
