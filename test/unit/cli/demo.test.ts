import { describe, expect, it } from 'vitest';
import { demoConfig, demoUser } from '../../../src/cli/commands/demo.ts';
import { DEMO_TIMING, withDemoSepm } from '../../../src/cli/demo.ts';
import { configSchema } from '../../../src/config/schema.ts';
import { verifyPassword } from '../../../src/http/auth/password.ts';
import { DEMO_HOSTS, shapeDemoEstate } from '../../../sim/sepm/demo-estate.ts';
import { generateEstate } from '../../../sim/sepm/estate.ts';

describe('demo wiring', () => {
  it('switches to the simulator with the demo timing, keeping smaller configured values', () => {
    const d = withDemoSepm(configSchema.parse({}));
    expect(d.sepm).toMatchObject({ mode: 'simulator', ...DEMO_TIMING });
    const fast = withDemoSepm(configSchema.parse({ sepm: { scanTimeoutSec: 4, pollIntervalSec: 0.5 } }));
    expect(fast.sepm).toMatchObject({ scanTimeoutSec: 4, pollIntervalSec: 0.5, pollMaxIntervalSec: 15 });
  });

  it('makes a demo user: random password unless given, operator role, stored only as a hash', async () => {
    const random = demoUser({});
    expect(random).toMatchObject({ name: 'demo', generated: true });
    expect(random.password.length).toBeGreaterThanOrEqual(16);
    expect(demoUser({}).password).not.toBe(random.password);
    const given = demoUser({ SEPM_INTAKE_DEMO_USER: 'ana', SEPM_INTAKE_DEMO_PASSWORD: 'long-enough' });
    expect(given).toEqual({ name: 'ana', password: 'long-enough', generated: false });
    expect(() => demoUser({ SEPM_INTAKE_DEMO_PASSWORD: 'short' })).toThrow(/at least 8/);
    const config = await demoConfig(configSchema.parse({}), given);
    const [user] = config.http.users;
    expect(user).toMatchObject({ name: 'ana', role: 'operator' });
    expect(JSON.stringify(config)).not.toContain('long-enough');
    await expect(verifyPassword('long-enough', user!.passwordHash!)).resolves.toBe(true);
    await expect(demoConfig(configSchema.parse({ mail: { spool: { enabled: false } } }), given)).rejects.toThrow(
      /mail.spool.enabled/,
    );
  });
});

describe('demo estate', () => {
  const estate = generateEstate(1, 300, 1_700_000_000_000);
  shapeDemoEstate(estate, 1_700_000_000_000);
  const byName = new Map(estate.computers.map((c) => [c.computerName, c]));

  it('holds every fixture host online, in its group, with its address and files', () => {
    const groups = new Map(estate.groups.map((g) => [g.id, g.fullPathName]));
    for (const h of DEMO_HOSTS) {
      const c = byName.get(h.name);
      expect(c, h.name).toBeDefined();
      expect(c).toMatchObject({ onlineStatus: 1, ipAddress: h.ip, os: h.os });
      expect(groups.get(c!.groupId)).toBe(h.group);
      expect(c!.files.map((f) => f.path)).toEqual(h.files.map((f) => f.path));
    }
    expect(byName.get('ws042')!.files[0]!.md5).toBe('44d88612fea8a8f36de82e1278abb02f');
  });

  it('keeps the estate size, its sort order and group counts, and nearly every endpoint online', () => {
    expect(estate.computers).toHaveLength(300);
    const names = estate.computers.map((c) => c.computerName.toUpperCase());
    expect(names).toEqual([...names].sort());
    expect(estate.groups.reduce((n, g) => n + g.computerCount, 0)).toBe(300);
    const offline = estate.computers.filter((c) => c.onlineStatus === 0).length;
    expect(offline).toBeGreaterThan(0);
    expect(offline / 300).toBeLessThan(0.05);
  });
});
