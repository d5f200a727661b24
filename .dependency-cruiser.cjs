// Layer rules for src/ and sim/, checked by `npm run lint:deps` (part of `npm run lint`, hence `npm test`).
// The picture is docs/architecture.md: data flows mail → ingest → intake → soar, and jobs → enrich → sepm.
// A folder may import only the folders listed for it in LAYERS (and itself); everything else is an error.
//
// Known violations of today's tree are listed in .dependency-cruiser-known-violations.json (read through
// `--ignore-known`). They are to be removed by the re-layout (issue 11): delete each entry as its import is fixed,
// and delete the file (and the flag in package.json) when it is empty. `npx depcruise src sim bin` without the
// flag lists them. Regenerate only on purpose: `npx depcruise-baseline src sim bin`.

/** The SOAR port as seen by use cases: the incident-store interface, the SEP data tables, the merge rules. */
const SOAR_PORT = 'soar/(port|sep-tables|merge-rules)(\\.ts$|/)';
const SOAR_TABLES = 'soar/sep-tables(\\.ts$|/)';
/**
 * The data contract of a mail (notification, events, artifact types): plain JSON-serialisable types and constants
 * with no imports, carried in job data from intake to enrichment. Every layer that handles jobs may use it; the
 * rest of mail/ (the parsers) stays the worker role's.
 */
const MAIL_TYPES = 'mail/types\\.ts$';
/** The SEP function input schemas: the jobs catalog validates SEP function jobs with them (one schema per name). */
const SEP_SCHEMAS = 'sepm/functions/schemas\\.ts$';

/**
 * Restricted src/ folders (cli/ and main.ts are the composition roots and may import any of them).
 * folder → what it may import in src/ besides itself. Entries are path fragments after `src/`.
 * `types:X` means only `import type` from X (the value would pull a layer in; a type does not).
 */
const LAYERS = {
  shared: [],
  config: ['shared/'],
  match: ['shared/'],
  mail: ['match/', 'shared/', 'types:config/'],
  whitelist: ['match/', 'mail/', 'shared/', 'types:config/'],
  jobs: ['shared/', 'types:config/', MAIL_TYPES, SEP_SCHEMAS],
  ingest: ['jobs/', 'mail/', 'shared/', 'config/'],
  intake: ['mail/', 'whitelist/', 'match/', SOAR_PORT, 'jobs/', 'shared/', 'config/'],
  soar: ['shared/', 'config/', 'types:mail/'],
  sepm: ['shared/', 'config/', SOAR_TABLES],
  enrich: ['jobs/', 'sepm/', SOAR_PORT, MAIL_TYPES, 'match/', 'shared/', 'config/'],
  http: ['jobs/', SOAR_PORT, 'enrich/', 'shared/', 'config/'],
};

/** Domain folders that must stay pure: no I/O modules, no Redis/queue/HTTP/IMAP/SQL clients. */
const PURE = ['mail', 'match', 'whitelist'];
const IO_CORE = '^(node:)?(net|tls|http|https|http2|dgram|dns|fs|child_process|worker_threads|cluster|readline)(/|$)';
const IO_NPM =
  '(^|/)node_modules/(bullmq|ioredis|imapflow|undici|fastify|@fastify/[^/]+|@bull-board/[^/]+|better-sqlite3|nodemailer|pino|prom-client)/';

const alt = (parts) => `^src/(${parts.join('|')})`;

function layerRules() {
  return Object.entries(LAYERS).flatMap(([folder, allowed]) => {
    const full = allowed.filter((a) => !a.startsWith('types:'));
    const typeOnly = allowed.filter((a) => a.startsWith('types:')).map((a) => a.slice('types:'.length));
    const from = { path: `^src/${folder}/` };
    const rules = [
      {
        name: `layer-${folder}`,
        comment: `src/${folder}/ may import only ${allowed.join(', ') || 'itself'} (see LAYERS)`,
        severity: 'error',
        from,
        to: { path: '^src/', pathNot: alt([`${folder}/`, ...full, ...typeOnly]) },
      },
    ];
    if (typeOnly.length > 0) {
      rules.push({
        name: `layer-${folder}-types-only`,
        comment: `src/${folder}/ may use only types from ${typeOnly.join(', ')}`,
        severity: 'error',
        from,
        to: { path: alt(typeOnly), dependencyTypesNot: ['type-only'] },
      });
    }
    return rules;
  });
}

/**
 * Folder edges that are part of a cycle in today's tree (old layout, then the layout after relayout.map).
 * Folder-level violations cannot go in the known-violations file (dependency-cruiser softens only module-level
 * ones), so they are listed here. To be removed by the re-layout: delete each edge once its cycle is gone; a
 * circular folder edge that is not listed is an error. `DEPCRUISE_STRICT=1` (npm run lint:deps:all) ignores
 * this list and the known-violations file, and shows everything that is left.
 */
const KNOWN_FOLDER_CYCLES = [
  // old layout (before relayout.map)
  'src/enrich/jobs → src/enrich/playbooks',
  'src/enrich/jobs → src/enrich/tracking',
  'src/enrich/playbooks → src/enrich/jobs',
  'src/enrich/playbooks → src/enrich/tracking',
  'src/enrich/tracking → src/enrich/jobs',
  'src/enrich/tracking → src/enrich/playbooks',
  // new layout (after relayout.map)
  'src/enrich/containment → src/enrich/jobs',
  'src/enrich/containment → src/enrich/playbooks',
  'src/enrich/containment → src/sepm/functions',
  'src/enrich/jobs → src/enrich/containment',
  'src/enrich/jobs → src/enrich/playbooks',
  'src/enrich/jobs → src/enrich/tracking',
  'src/enrich/jobs → src/jobs',
  'src/enrich/jobs → src/sepm/client',
  'src/enrich/jobs → src/sepm/functions',
  'src/enrich/playbooks → src/enrich/containment',
  'src/enrich/playbooks → src/enrich/jobs',
  'src/enrich/playbooks → src/enrich/rows',
  'src/enrich/playbooks → src/enrich/tracking',
  'src/enrich/playbooks → src/jobs',
  'src/enrich/playbooks → src/sepm/functions',
  'src/enrich/rows → src/sepm/functions',
  'src/enrich/rows → src/sepm/results',
  'src/enrich/tracking → src/enrich/jobs',
  'src/enrich/tracking → src/enrich/rows',
  'src/enrich/tracking → src/jobs',
  'src/enrich/tracking → src/sepm/client',
  'src/enrich/tracking → src/sepm/functions',
  'src/enrich/tracking → src/sepm/results',
  'src/ingest → src/jobs',
  'src/ingest/imap → src/ingest',
  'src/ingest/imap → src/jobs',
  'src/intake → src/ingest/imap',
  'src/intake → src/jobs',
  'src/jobs → src/sepm/functions',
  'src/sepm/client → src/sepm/functions',
  'src/sepm/functions → src/sepm/client',
  'src/sepm/functions → src/sepm/results',
  'src/sepm/results → src/sepm/functions',
];

const STRICT = process.env.DEPCRUISE_STRICT === '1';
const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function folderCycleRules() {
  const rule = (from, toNot) => ({
    name: 'no-circular-folders',
    comment: 'No import cycle between folders: the folder list must show the direction of the data flow.',
    severity: 'error',
    scope: 'folder',
    from,
    to: toNot ? { circular: true, pathNot: toNot } : { circular: true },
  });
  const known = new Map();
  for (const edge of STRICT ? [] : KNOWN_FOLDER_CYCLES) {
    const [from, to] = edge.split(' → ');
    known.set(from, [...(known.get(from) ?? []), to]);
  }
  if (known.size === 0) return [rule({})];
  const oneOf = (names) => `^(${names.map(escapeRe).join('|')})$`;
  return [
    rule({ pathNot: oneOf([...known.keys()]) }),
    ...[...known].map(([from, tos]) => rule({ path: oneOf([from]) }, oneOf(tos))),
  ];
}

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import cycle between files (type-only imports count: they couple the files just the same).',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...folderCycleRules(),
    {
      name: 'src-not-sim',
      comment: 'The simulators are wired in by the CLI (demo, `sim`), never by the service itself.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^sim/' },
    },
    {
      name: 'sim-only-soar-tables',
      comment: 'sim/ may take from src/ only the SEP data tables and the SOAR port types (it mimics, not reuses).',
      severity: 'error',
      from: { path: '^sim/' },
      to: { path: '^src/', pathNot: `^src/(${SOAR_TABLES}|soar/port\\.ts$)` },
    },
    {
      name: 'sim-only-soar-port-types',
      comment: 'sim/ may use only the types of the SOAR port.',
      severity: 'error',
      from: { path: '^sim/' },
      to: { path: '^src/soar/port\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'pure-domain-no-io',
      comment: `${PURE.join(', ')} are pure: no I/O modules and no clients of external systems.`,
      severity: 'error',
      from: { path: alt(PURE.map((p) => `${p}/`)) },
      to: { path: [IO_CORE, IO_NPM, '^src/shared/redis\\.ts$'] },
    },
    ...layerRules(),
    {
      name: 'not-to-unresolvable',
      comment: 'An import that does not resolve is a typo or a missing dependency.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports are dependencies too (they are how the whitelist ↔ parser cycle was hidden).
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // Worktrees link node_modules; keep the link's path so the npm rules match `node_modules/<name>/`.
    preserveSymlinks: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
