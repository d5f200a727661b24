/**
 * Parse benchmark: the whole per-mail path (analyzeMail = MIME decode → sender check → classify → extract →
 * artifacts → whitelist) over the fixture corpus, against a bare mailparser parse of the same bytes, in the same
 * process, after a warm-up. Run: `node --import tsx bench/parse.ts [seconds-per-round]`.
 * Two more contenders (decodeMail alone, decodeMail + extract) attribute the pipeline's extra time by difference.
 * Prints mails/s (per CPU-second of this process and per wall-second) and the ratios (time per mail of the
 * pipeline / time per mail of the bare parse). CPU time is the figure to trust on a shared machine.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { simpleParser } from 'mailparser';
import { analyzeMail, type AnalyzeOptions } from '../src/intake/analyze.ts';
import { extractNotification } from '../src/mail/extract.ts';
import { decodeMail, PARSER_OPTIONS } from '../src/mail/mime.ts';
import { compileWhitelist } from '../src/whitelist/index.ts';
import { fixtureOptions } from '../test/helpers/fixture-config.ts';

const dir = fileURLToPath(new URL('../fixtures/emails/', import.meta.url));
const corpus = readdirSync(dir)
  .filter((f) => f.endsWith('.eml'))
  .sort()
  .map((f) => readFileSync(`${dir}${f}`));
const seconds = Number(process.argv[2] ?? 3);

// The golden-fixture configuration, with a larger whitelist so every list kind is exercised per mail.
const options: AnalyzeOptions = fixtureOptions({
  whitelist: compileWhitelist({
    ips: ['10.0.0.0/8', '192.168.0.0/16', 'fd00::/8'],
    domains: ['*.sepmdomain.com', 'corp.example'],
    hosts: ['dc01', 'sepm01'],
    riskNames: ['EICAR*'],
    paths: ['C:\\Program Files\\**'],
    users: ['svc_*'],
  }),
});

type Body = (raw: Buffer) => Promise<unknown>;

const contenders: Record<string, Body> = {
  'bare mailparser (defaults)': (raw) => simpleParser(raw),
  'bare mailparser (our limits)': (raw) => simpleParser(raw, PARSER_OPTIONS),
  'decodeMail (+ cut, forwards)': (raw) => decodeMail(raw),
  'decodeMail + extract': async (raw) => {
    const d = await decodeMail(raw);
    return extractNotification(d.meta.subject, d.text || d.html || '', { timeZone: options.timeZone, html: !d.text });
  },
  'pipeline analyzeMail': (raw) => analyzeMail(raw, options),
};

interface Rate {
  /** Mails per second of process CPU time (user + system): robust on a shared, loaded machine. */
  cpu: number;
  /** Mails per second of wall-clock time. */
  wall: number;
}

/** Runs whole corpus passes for about `secs` seconds of wall time. */
async function measure(body: Body, secs: number): Promise<Rate> {
  let mails = 0;
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  const until = start + BigInt(Math.round(secs * 1e9));
  while (process.hrtime.bigint() < until) {
    for (const raw of corpus) await body(raw);
    mails += corpus.length;
  }
  const wallSec = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu0);
  return { cpu: mails / ((used.user + used.system) / 1e6), wall: mails / wallSec };
}

async function main(): Promise<void> {
  for (const body of Object.values(contenders)) await measure(body, 1); // warm-up (JIT, lazy loads)
  const rates: Record<string, Rate[]> = {};
  // Interleave three rounds so drift (GC, load from other processes) hits every contender alike; keep the best.
  for (let round = 0; round < 3; round++) {
    for (const [name, body] of Object.entries(contenders)) (rates[name] ??= []).push(await measure(body, seconds));
  }
  const best: Record<string, Rate> = {};
  for (const [n, r] of Object.entries(rates)) {
    best[n] = { cpu: Math.max(...r.map((x) => x.cpu)), wall: Math.max(...r.map((x) => x.wall)) };
  }
  const bytes = corpus.reduce((s, b) => s + b.length, 0);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(
    `corpus: ${corpus.length} mails, ${(bytes / 1024).toFixed(0)} KiB; node ${process.version}; ${seconds} s x 3 rounds`,
  );
  out(`${''.padEnd(30)} ${'mails/CPU-s'.padStart(12)} ${'mails/wall-s'.padStart(13)}`);
  for (const [name, r] of Object.entries(best)) {
    out(`${name.padEnd(30)} ${r.cpu.toFixed(0).padStart(12)} ${r.wall.toFixed(0).padStart(13)}`);
  }
  const pipeline = best['pipeline analyzeMail'] as Rate;
  for (const base of ['bare mailparser (defaults)', 'bare mailparser (our limits)']) {
    const b = best[base] as Rate;
    const cpu = (b.cpu / pipeline.cpu).toFixed(3);
    out(`time per mail, pipeline / ${base}: ${cpu}x CPU, ${(b.wall / pipeline.wall).toFixed(3)}x wall`);
  }
  // Attribution by difference (CPU µs per mail): where the pipeline's time goes beyond the bare parse.
  const us = (name: string) => 1e6 / (best[name] as Rate).cpu;
  const bare = us('bare mailparser (our limits)');
  const decode = us('decodeMail (+ cut, forwards)');
  const extract = us('decodeMail + extract');
  const all = us('pipeline analyzeMail');
  out(
    `CPU µs/mail: bare parse ${bare.toFixed(0)}, decodeMail +${(decode - bare).toFixed(0)}, extract +${(extract - decode).toFixed(0)}, sender check + artifacts + whitelist +${(all - extract).toFixed(0)}`,
  );
}

await main();
