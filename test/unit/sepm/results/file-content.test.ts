import { describe, expect, it } from 'vitest';
import { zipSync } from 'fflate';
import { decodeSepmFileZip, xorKeyFromMetadata } from '../../../../src/sepm/results/file-content.ts';
import { ErrorCodes } from '../../../../src/shared/errors.ts';
import { fixture } from '../../../helpers/fake-sepm.ts';

const EICAR_B64 = fixture<{ content: string }>('file_content.sepm14_3.integration_output.json').content;
const EICAR = Buffer.from(EICAR_B64, 'base64');
const SHA256 = '275A021BBFB6489E54D471899F7DB9D1663FC695EC2FE2A2C4538AABF651FD0F';

function sepmZip(payload: Buffer, key: number, extra: Record<string, Uint8Array> = {}, name = SHA256) {
  const xored = Buffer.from(payload.map((b) => b ^ key));
  return zipSync({
    [name]: xored,
    'metadata.xml': Buffer.from(`<?xml version="1.0"?><Metadata><File Key="${key}" Name="eicar.com" /></Metadata>`),
    ...extra,
  });
}

describe('SEPM file download decoding (docs/reference/sepm-rest-api.md §9)', () => {
  it('unzips the hash-named member and XORs every byte with metadata Key → the EICAR oracle', async () => {
    const out = await decodeSepmFileZip(sepmZip(EICAR, 0xa7), 1 << 20);
    expect(out.bytes.toString('base64')).toBe(EICAR_B64);
    expect(out.bytes.toString('latin1')).toContain('EICAR-STANDARD-ANTIVIRUS-TEST-FILE');
    expect(out).toMatchObject({ hash: SHA256, key: 0xa7 });
  });

  it('decodes the mock raw bytes ("Hi there") with MD5-named member and key 0', async () => {
    const raw = Buffer.from(
      fixture<{ raw_bytes_as_text: string }>('file_content.mock.json').raw_bytes_as_text,
      'base64',
    );
    const out = await decodeSepmFileZip(sepmZip(raw, 0, {}, 'CD02BC8E0A6606D53533F2428BB86D4E'), 1000);
    expect(out.bytes.toString('utf8')).toBe('Hi there');
  });

  it.each([
    ['not a zip', Buffer.from('{"error":"x"}')],
    ['a third member', sepmZip(EICAR, 1, { 'other.txt': Buffer.from('x') })],
    ['no hash-named member', sepmZip(EICAR, 1, {}, 'eicar.com')],
    ['no metadata.xml', zipSync({ [SHA256]: EICAR, 'x.xml': Buffer.from('<File Key="3"/>') })],
    ['metadata without a key', zipSync({ [SHA256]: EICAR, 'metadata.xml': Buffer.from('<File Name="x"/>') })],
  ])('rejects %s with SEPM_FILE_FORMAT', async (_what, zip) => {
    await expect(decodeSepmFileZip(zip, 1 << 20)).rejects.toThrow(
      expect.objectContaining({ code: ErrorCodes.SEPM_FILE_FORMAT }),
    );
  });

  it('refuses a member larger than the cap before inflating it', async () => {
    const big = sepmZip(Buffer.alloc(10_000, 0x41), 5);
    await expect(decodeSepmFileZip(big, 1000)).rejects.toThrow(/larger than 1000 bytes/);
  });

  it('reads the key only as a one-byte integer', () => {
    expect(xorKeyFromMetadata("<Meta><File Name='a' Key='255'/></Meta>")).toBe(255);
    expect(() => xorKeyFromMetadata('<File Key="256"/>')).toThrow(/one-byte/);
  });
});
