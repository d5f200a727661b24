import { startSoarSim } from './index.ts';

const USAGE = 'usage: sepm-intake sim soar [--port N] [--http] [--org NAME]\n';

/** `sepm-intake sim soar`: runs the IBM SOAR simulator in the foreground until SIGINT/SIGTERM. */
export async function run(args: string[]): Promise<number> {
  let port = 0;
  let tls = true;
  let orgName: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--http') tls = false;
    else if (a === '--port' && /^\d+$/.test(args[i + 1] ?? '')) port = Number(args[++i]);
    else if (a === '--org' && args[i + 1]) orgName = args[++i];
    else {
      process.stderr.write(USAGE);
      return 2;
    }
  }
  const sim = await startSoarSim({
    tls,
    port,
    orgName,
    users: [{ email: 'analyst@example.test', password: 'sim-password' }],
  });
  process.stdout.write(
    [
      `SOAR simulator listening on ${sim.url}`,
      `org: ${sim.org.name} (id ${sim.org.id})`,
      `api key id: ${sim.apiKeyId}`,
      `api key secret: ${sim.apiKeySecret}`,
      'user: analyst@example.test / sim-password',
      sim.caFile ? `CA file (soar.ibm.caBundle): ${sim.caFile}` : 'plain HTTP (no TLS)',
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await sim.stop();
  return 0;
}
