import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * main.ts is the composition root: the only file of src/ that constructs Redis connections, BullMQ queues,
 * workers and queue-event streams. Roles get them through the JobRuntime main.ts builds (src/jobs/runtime.ts).
 */

const ROOT = join(import.meta.dirname, '../..');
const CONSTRUCTORS = /\bnew\s+(Queue|Worker|Redis|QueueEvents|IORedis)\s*[<(]/;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = join(dir, e.name);
    return e.isDirectory() ? sources(full) : e.name.endsWith('.ts') ? [full] : [];
  });
}

describe('composition root', () => {
  it('no file of src/ but src/main.ts constructs Queue, Worker, Redis or QueueEvents', () => {
    const offenders = sources(join(ROOT, 'src'))
      .filter((f) => CONSTRUCTORS.test(readFileSync(f, 'utf8')))
      .map((f) => relative(ROOT, f));
    expect(offenders).toEqual(['src/main.ts']);
  });
});
