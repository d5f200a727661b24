import { existsSync } from 'node:fs';
import { loadConfig } from '../../config/load.ts';
import { AppError, ErrorCodes } from '../../shared/errors.ts';
import { openEmbeddedStore, type EmbeddedStore } from '../../soar/embedded/store.ts';
import type { Incident, IncidentDetail, IncidentState, Severity } from '../../soar/port.ts';
import { parseCommandArgs } from '../args.ts';

const USAGE = `usage: sepm-intake incidents list [--state open|closed] [--severity Low|Medium|High] [--computer TEXT]
                                [--risk TEXT] [--limit N] [--offset N] [--json] [--config FILE] [--db FILE]
       sepm-intake incidents show <id> [--json] [--config FILE] [--db FILE]
Reads the incident store of the config: embedded (soar.embedded.path; --db FILE overrides it) or postgres
(soar.postgres.url, e.g. from SEPM_INTAKE_SOAR_POSTGRES_URL).
`;

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  db: { type: 'string' },
  state: { type: 'string' },
  severity: { type: 'string' },
  computer: { type: 'string' },
  risk: { type: 'string' },
  limit: { type: 'string' },
  offset: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

type Values = ReturnType<typeof parseCommandArgs<typeof OPTIONS>>['values'];

/** What the command reads; the embedded and the PostgreSQL store both offer it. */
type IncidentReader = Pick<EmbeddedStore, 'searchIncidents' | 'getIncidentDetail' | 'close'>;

/** `sepm-intake incidents list|show <id>`: prints incidents of our incident store as tables or JSON. */
export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS);
  const [sub, idText, ...extra] = positionals;
  if (values.help || !sub || extra.length > 0 || (sub !== 'list' && sub !== 'show')) {
    process.stderr.write(USAGE);
    return values.help ? 0 : 2;
  }
  const store = await openStore(values);
  try {
    if (sub === 'list') return await list(store, values);
    const id = Number(idText);
    if (!idText || !Number.isSafeInteger(id) || id <= 0) {
      process.stderr.write(`sepm-intake incidents show: expected a positive incident id\n${USAGE}`);
      return 2;
    }
    return await show(store, id, values.json);
  } finally {
    await store.close();
  }
}

async function openStore(values: Values): Promise<IncidentReader> {
  let path = values.db;
  if (!path) {
    const config = loadConfig({ file: values.config });
    if (config.soar.kind === 'postgres') {
      const { openPostgresStore, postgresSettings } = await import('../../soar/postgres/store.ts');
      return openPostgresStore(postgresSettings(config.soar.postgres));
    }
    if (config.soar.kind !== 'embedded') {
      throw new AppError(
        ErrorCodes.CONFIG_INVALID,
        'soar.kind is ibm: incidents live in IBM SOAR (use --db for an embedded store file)',
      );
    }
    path = config.soar.embedded.path;
  }
  // Reading must not leave an empty database behind where the operator mistyped a path.
  if (!existsSync(path)) throw new AppError(ErrorCodes.STORE_IO, `no incident store at ${path}`);
  return openEmbeddedStore(path);
}

function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new AppError(ErrorCodes.CONFIG_INVALID, `--${name} must be one of ${allowed.join(', ')}`);
}

function count(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new AppError(ErrorCodes.CONFIG_INVALID, `--${name} must be a count`);
  return n;
}

async function list(store: IncidentReader, values: Values): Promise<number> {
  const query = {
    state: oneOf<IncidentState>('state', values.state, ['open', 'closed']),
    severity: oneOf<Severity>('severity', values.severity, ['Low', 'Medium', 'High']),
    computer: values.computer,
    risk: values.risk,
    limit: count('limit', values.limit) ?? 50,
    offset: count('offset', values.offset) ?? 0,
  };
  const { total, incidents } = await store.searchIncidents(query);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ total, incidents }, null, 2)}\n`);
    return 0;
  }
  const rows = incidents.map((i) => [
    String(i.id),
    i.state,
    i.severity,
    String(i.occurrences),
    isoMinute(i.createdAt),
    String(i.properties.sepm_computer ?? ''),
    i.name,
  ]);
  process.stdout.write(table(['ID', 'STATE', 'SEVERITY', 'OCC', 'CREATED (UTC)', 'COMPUTER', 'NAME'], rows));
  process.stdout.write(`${incidents.length} of ${total} incident(s)\n`);
  return 0;
}

async function show(store: IncidentReader, id: number, json: boolean): Promise<number> {
  const detail = await store.getIncidentDetail(id);
  process.stdout.write(json ? `${JSON.stringify(detail, null, 2)}\n` : formatDetail(detail));
  return 0;
}

function formatDetail(d: IncidentDetail): string {
  const out: string[] = [];
  const i: Incident = d.incident;
  out.push(`Incident ${i.id}: ${clean(i.name)}\n`);
  const facts: [string, string][] = [
    ['state', i.state + (i.resolution ? ` (${i.resolution}: ${i.resolutionSummary ?? ''})` : '')],
    ['severity', i.severity],
    ['types', i.incidentTypes.join(', ')],
    ['occurrences', String(i.occurrences)],
    ['discovered', iso(i.discoveredDate)],
    ['created', iso(i.createdAt)],
    ['updated', iso(i.updatedAt)],
    ['dedup key', i.dedupKey ?? ''],
    ...Object.entries(i.properties).map(([k, v]): [string, string] => [k, v === null ? '' : String(v)]),
  ];
  out.push(table(['FIELD', 'VALUE'], facts));
  out.push(section('Artifacts', d.artifacts.length));
  out.push(
    table(
      ['ID', 'TYPE', 'VALUE'],
      d.artifacts.map((a) => [String(a.id), a.type, a.value]),
    ),
  );
  out.push(section('Notes', d.notes.length));
  for (const n of d.notes) out.push(`[${iso(n.createdAt)}] ${clean(n.text)}\n`);
  if (d.notes.length === 0) out.push('(none)\n');
  for (const [name, rows] of Object.entries(d.tables)) {
    out.push(section(`Data table ${name}`, rows.length));
    const columns = [...new Set(rows.flatMap((r) => Object.keys(r.cells)))];
    out.push(
      table(
        ['ROW', ...columns],
        rows.map((r) => [String(r.id), ...columns.map((c) => cell(r.cells[c]))]),
      ),
    );
  }
  out.push(section('Attachments', d.attachments.length));
  out.push(
    table(
      ['ID', 'NAME', 'TYPE', 'BYTES', 'ADDED (UTC)'],
      d.attachments.map((a) => [String(a.id), a.name, a.contentType, String(a.size), isoMinute(a.createdAt)]),
    ),
  );
  out.push(section('Source mails', d.messages.length));
  out.push(
    table(
      ['MESSAGE-ID', 'OUTCOME', 'APPLIED (UTC)'],
      d.messages.map((m) => [m.messageId, m.outcome, iso(m.appliedAt)]),
    ),
  );
  return out.join('');
}

function section(title: string, n: number): string {
  return `\n${title} (${n})\n`;
}

function cell(v: string | number | boolean | null | undefined): string {
  return v === null || v === undefined ? '' : String(v);
}

function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : '';
}

function isoMinute(ms: number): string {
  return iso(ms).slice(0, 16).replace('T', ' ');
}

/** Mail-derived text must not drive the terminal: control characters (ESC sequences, CR) are shown as '?'. */
function clean(text: string): string {
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    out += c < 0x20 || (c >= 0x7f && c <= 0x9f) ? '?' : ch;
  }
  return out;
}

const MAX_WIDTH = 80;

function fit(text: string): string {
  const chars = [...clean(text)];
  return chars.length > MAX_WIDTH ? `${chars.slice(0, MAX_WIDTH - 1).join('')}…` : chars.join('');
}

/** Fixed-width text table; the last column is not padded. */
export function table(header: string[], rows: string[][]): string {
  if (rows.length === 0) return '(none)\n';
  const cells = [header, ...rows].map((r) => r.map(fit));
  const widths = header.map((_, c) => Math.max(...cells.map((r) => [...(r[c] ?? '')].length)));
  const line = (r: string[]) =>
    r
      .map((v, c) => (c === r.length - 1 ? v : v + ' '.repeat(widths[c]! - [...v].length)))
      .join('  ')
      .trimEnd();
  return `${cells.map(line).join('\n')}\n`;
}
