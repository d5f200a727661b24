import { beforeAll, describe, expect, it } from 'vitest';
import { decodeSepmFileZip } from '../../../../src/sepm/results/file-content.ts';
import { ErrorCodes } from '../../../../src/shared/errors.ts';
import { buildZip, deflated, deflatedZeros, type RawMember } from '../../../helpers/zip-builder.ts';

/**
 * Zip bombs in SEPM file downloads (issue 10 item 8). Limits are the shipped default `sepm.maxFileBytes` (100 MiB).
 * Outcomes are measured in this process: RSS growth while the archive is handled, and the worst timer lag
 * against an idle baseline of the same length (a synchronous inflate shows as a lag of seconds).
 */

const MiB = 1 << 20;
const CAP = 100 * MiB;
const HASH = '275A021BBFB6489E54D471899F7DB9D1663FC695EC2FE2A2C4538AABF651FD0F';
const META = deflated(Buffer.from('<Metadata><File Key="7" Name="x.exe"/></Metadata>'));

/** Awaits the decoder (an async wrapper, so a synchronous implementation is measured the same way). */
const decode = async (zip: Buffer): Promise<unknown> => decodeSepmFileZip(zip, CAP);

let zeros100: Awaited<ReturnType<typeof deflatedZeros>>;
let zeros400: Awaited<ReturnType<typeof deflatedZeros>>;

beforeAll(async () => {
  zeros100 = await deflatedZeros(100);
  zeros400 = await deflatedZeros(400);
});

function member(name: string, z: { data: Buffer; crc: number; size: number }, size = z.size): RawMember {
  return { name, data: z.data, crc: z.crc, size };
}

/** Worst gap beyond the 5 ms period of an interval timer, and peak RSS, while `work` runs. */
async function observe(work: () => Promise<unknown>): Promise<{ lagMs: number; rssGrowthMiB: number }> {
  const rss0 = process.memoryUsage().rss;
  let peak = rss0;
  let lag = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    lag = Math.max(lag, now - last - 5);
    last = now;
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  try {
    await work().catch(() => undefined);
    peak = Math.max(peak, process.memoryUsage().rss);
    await new Promise((resolve) => setTimeout(resolve, 20));
  } finally {
    clearInterval(timer);
  }
  return { lagMs: lag, rssGrowthMiB: (peak - rss0) / MiB };
}

async function baselineLag(): Promise<number> {
  return (await observe(() => new Promise((resolve) => setTimeout(resolve, 300)))).lagMs;
}

describe('SEPM file download: zip bombs are refused cheaply', () => {
  it('16 members × 100 MiB of zeros: refused from the central directory (SEPM_FILE_UNSAFE), no inflation', async () => {
    const zip = buildZip([
      member('metadata.xml', META),
      ...Array.from({ length: 16 }, (_, i) => member(`${HASH.slice(0, 63)}${i.toString(16)}`, zeros100)),
    ]);
    const base = await baselineLag();
    let err: unknown;
    const seen = await observe(() => decode(zip).catch((e: unknown) => (err = e)));
    expect(err).toMatchObject({ code: ErrorCodes.SEPM_FILE_UNSAFE, message: expect.stringMatching(/17 members/) });
    expect(seen.rssGrowthMiB).toBeLessThan(100);
    expect(seen.lagMs).toBeLessThan(base * 4 + 100);
  });

  it('a member whose header claims 4 KiB but inflates to 400 MiB is cut at 4 KiB, off the event loop', async () => {
    const zip = buildZip([member('metadata.xml', META), member(HASH, zeros400, 4096)]);
    const base = await baselineLag();
    let err: unknown;
    const seen = await observe(() => decode(zip).catch((e: unknown) => (err = e)));
    expect(err).toMatchObject({ code: ErrorCodes.SEPM_FILE_UNSAFE, message: expect.stringMatching(/declared 4096/) });
    expect(seen.rssGrowthMiB).toBeLessThan(100);
    expect(seen.lagMs).toBeLessThan(base * 4 + 100);
  });

  it('two honest members that together declare more than the cap are refused before inflating', async () => {
    const zip = buildZip([member('metadata.xml', zeros100), member(HASH, zeros100)]);
    await expect(decode(zip)).rejects.toMatchObject({ code: ErrorCodes.SEPM_FILE_UNSAFE });
  });

  it.each([
    ['a parent-folder segment', `../${HASH}`],
    ['an absolute name', `/tmp/${HASH}`],
    ['a drive letter', `C:${HASH}`],
    ['a backslash', `x\\${HASH}`],
  ])('refuses a member name with %s', async (_what, name) => {
    const zip = buildZip([member('metadata.xml', META), member(name, deflated(Buffer.from('abc')))]);
    await expect(decode(zip)).rejects.toMatchObject({ code: ErrorCodes.SEPM_FILE_UNSAFE });
  });

  it('refuses a member whose bytes fail the CRC-32 of the directory', async () => {
    const data = deflated(Buffer.from('payload'));
    const zip = buildZip([member('metadata.xml', META), { ...member(HASH, data), crc: data.crc ^ 1 }]);
    await expect(decode(zip)).rejects.toMatchObject({ code: ErrorCodes.SEPM_FILE_FORMAT });
  });

  it('still decodes a well-formed hand-built download inside a folder entry', async () => {
    const payload = Buffer.from('MZ fake exe');
    const xored = Buffer.from(payload.map((b) => b ^ 7));
    const zip = buildZip([
      { name: 'dir/', data: Buffer.alloc(0), method: 0, size: 0, crc: 0 },
      member('dir/metadata.xml', META),
      member(`dir/${HASH}`, deflated(xored)),
    ]);
    const out = await decodeSepmFileZip(zip, CAP);
    expect(out).toMatchObject({ hash: HASH, key: 7 });
    expect(out.bytes.equals(payload)).toBe(true);
  });
});
