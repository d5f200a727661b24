import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../../..');
const TRIGGER = join(ROOT, 'test/helpers/fatal-trigger.ts');

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `sepm-intake parse -` (it waits on stdin, which stays open) with the trigger preloaded. */
function runWithTrigger(trigger: 'rejection' | 'exception'): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--import', TRIGGER, 'bin/sepm-intake.js', 'parse', '-'],
      {
        cwd: ROOT,
        env: { ...process.env, FATAL_TRIGGER: trigger, LOG_LEVEL: 'info' },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The pino lines (JSON objects) among stderr's lines. */
function logLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('fatal handlers installed by the CLI entry', () => {
  it.each([
    ['rejection', 'unhandledRejection', 'fatal-test: rejected'],
    ['exception', 'uncaughtException', 'fatal-test: thrown'],
  ] as const)('an unhandled %s is logged as one fatal pino line and exits 1', async (trigger, kind, message) => {
    const out = await runWithTrigger(trigger);
    expect(out.code).toBe(1);
    const fatal = logLines(out.stderr).filter((l) => l.level === 60);
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toMatchObject({ name: 'sepm-intake', kind, msg: `${kind}: exiting`, err: { message } });
    // The command's stdout (its JSON output) stays clean.
    expect(out.stdout).toBe('');
  });
});
