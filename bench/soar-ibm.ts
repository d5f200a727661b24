/**
 * IBM SOAR adapter cost per alert, against the SOAR simulator over HTTPS (verification on, keep-alive):
 * `node --import tsx bench/soar-ibm.ts [alerts]`.
 * Baseline (same process, same connection pool): one bare authenticated GET round trip (ping). The adapter's cost
 * is mostly round trips, so figures are ms per alert, REST calls per alert and the ratio to one round trip.
 * The simulator answers in microseconds; against a real SOAR multiply the call counts by its latency.
 */
import { pino } from 'pino';
import { startSoarSim } from '../sim/soar/index.ts';
import { ArtifactTypes } from '../src/mail/types.ts';
import { createIbmSoarClient } from '../src/soar/ibm/soar.ts';
import type { NewIncident, SoarClient } from '../src/soar/port.ts';

const N = Number(process.argv[2] ?? 100);
const WINDOW = 24 * 3600_000;

function incident(i: number): NewIncident {
  return {
    dedupKey: `bench-${i}`,
    name: `SEP Single Risk Event: Trojan.Gen.NPE on WS-${i} (Cleaned by deletion)`,
    description: '<table><tr><th>Risk name</th><td>Trojan.Gen.NPE</td></tr></table>'.repeat(10),
    descriptionFormat: 'html',
    discoveredDate: 1_700_000_000_000 + i,
    severity: 'Low',
    incidentTypes: ['Malware'],
    properties: { sepm_computer: `WS-${i}`, sepm_risk_name: 'Trojan.Gen.NPE', sepm_action: 'Quarantined' },
    artifacts: [
      { type: ArtifactTypes.systemName, value: `WS-${i}` },
      { type: ArtifactTypes.filePath, value: `C:\\Users\\u${i}\\AppData\\evil.exe` },
      { type: ArtifactTypes.malwareFamily, value: 'Trojan.Gen.NPE' },
    ],
  };
}

async function measure(
  label: string,
  n: number,
  sim: { state: { stats: { requests: number } } },
  op: (i: number) => Promise<unknown>,
) {
  const calls0 = sim.state.stats.requests;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await op(i);
  const ms = (performance.now() - t0) / n;
  return { label, ms, calls: (sim.state.stats.requests - calls0) / n };
}

async function main(): Promise<void> {
  const sim = await startSoarSim();
  const logger = pino({ level: 'silent' });
  const client: SoarClient = await createIbmSoarClient(
    {
      url: sim.url,
      org: sim.org.name,
      apiKeyId: sim.apiKeyId,
      apiKeySecret: sim.apiKeySecret,
      dedupField: 'sepm_alert_key',
      timeoutMs: 30_000,
      caBundle: sim.caFile ?? undefined,
    },
    logger,
  );
  const now = Date.now();
  for (let i = 0; i < 20; i++) await client.ping(); // warm the connection pool
  const ids: number[] = [];
  const rows = [
    await measure('baseline: one GET round trip', N * 2, sim, () => client.ping()),
    await measure('create (3 artifacts)', N, sim, async (i) => {
      const res = await client.findOrCreateIncident(incident(i), {
        sourceMessageId: `<c${i}>`,
        mergeWindowMs: WINDOW,
        now,
      });
      ids.push(res.incident.id);
    }),
    await measure('merge (1 new artifact, note, counter)', N, sim, (i) => {
      const inc = incident(i);
      inc.artifacts.push({ type: ArtifactTypes.ipAddress, value: `10.0.${i >> 8}.${i & 255}` });
      return client.findOrCreateIncident(inc, { sourceMessageId: `<m${i}>`, mergeWindowMs: WINDOW, now: now + 1000 });
    }),
    await measure('duplicate (same Message-ID)', N, sim, (i) =>
      client.findOrCreateIncident(incident(i), { sourceMessageId: `<m${i}>`, mergeWindowMs: WINDOW, now: now + 2000 }),
    ),
    await measure('add table row (lists rows first)', N, sim, (i) =>
      client.addTableRow(ids[i % ids.length]!, 'sep_groups', { group_name: `G${i}` }),
    ),
  ];
  const base = rows[0]!.ms;
  console.log(`IBM SOAR adapter on the simulator, ${N} alerts per figure`);
  for (const r of rows) {
    console.log(
      `${r.label.padEnd(40)} ${r.ms.toFixed(2).padStart(7)} ms/op  ${r.calls.toFixed(1).padStart(4)} calls/op  ${(r.ms / base).toFixed(1).padStart(5)}× baseline`,
    );
  }
  await client.close();
  await sim.stop();
}

await main();
