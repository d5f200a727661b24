/**
 * Child process for the multi-process store test: opens the store file, prints "ready", waits for a line on
 * stdin (so all writers start together), applies the same sequence of alerts as its siblings, prints the counts.
 * argv: <db path> <operations> <distinct keys> <offset> (where in the sequence this writer starts)
 */
import { openEmbeddedStore } from '../../src/soar/embedded/store.ts';

const [path, opsArg, keysArg, offsetArg] = process.argv.slice(2);
const ops = Number(opsArg);
const keys = Number(keysArg);
const store = openEmbeddedStore(path!, { busyTimeoutMs: 10_000 });
const counts: Record<string, number> = { created: 0, merged: 0, duplicate: 0 };
process.stdout.write('ready\n');
await new Promise((resolve) => process.stdin.once('data', resolve));
process.stdin.pause();
for (let j = 0; j < ops; j++) {
  const i = (j + Number(offsetArg)) % ops;
  const res = await store.findOrCreateIncident(
    {
      dedupKey: `sep1:concurrent-${i % keys}`,
      name: `incident ${i % keys}`,
      description: 'concurrency test',
      descriptionFormat: 'text',
      discoveredDate: 1_700_000_000_000,
      severity: 'Low',
      incidentTypes: ['Malware'],
      properties: { sepm_action: 'Quarantined' },
      artifacts: [{ type: 'IP Address', value: `10.0.0.${i % 7}` }],
    },
    { sourceMessageId: `<m${i}@sepm.example>`, mergeWindowMs: 3_600_000 },
  );
  counts[res.outcome]! += 1;
}
await store.close();
process.stdout.write(JSON.stringify(counts));
