import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../../../sim/sepm/cli.ts';

describe('sepm-intake sim sepm options', () => {
  it('parses every option', () => {
    expect(parseArgs(['--port', '8446', '--http', '--computers', '50000', '--seed', '9', '--step-ms', '50'])).toEqual({
      port: 8446,
      tls: false,
      computers: 50000,
      seed: 9,
      commandStepMs: 50,
    });
    expect(parseArgs([])).toEqual({});
  });

  it('rejects unknown options and bad numbers', () => {
    expect(() => parseArgs(['--bogus'])).toThrow(/unknown option/);
    expect(() => parseArgs(['--port', 'x'])).toThrow(/non-negative integer/);
    expect(() => parseArgs(['--computers'])).toThrow(/non-negative integer/);
  });
});
