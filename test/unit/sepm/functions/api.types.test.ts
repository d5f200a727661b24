import { describe, expect, expectTypeOf, it } from 'vitest';
import type { JobContext } from '../../../../src/enrich/jobs/context.ts';
import type { SepmApi, SepmRawApi } from '../../../../src/sepm/functions/api.ts';
import type { SepFunctionRawInput } from '../../../../src/sepm/functions/schemas.ts';
import type {
  CommandIds,
  GetComputersOutput,
  GetFingerprintListOutput,
  MoveEndpointOutput,
  SepmDomain,
  SepResult,
} from '../../../../src/sepm/functions/types.ts';

/**
 * Compile-time contract of the SEPM port, checked by `tsc --noEmit -p .` (tsconfig includes test/): a wrong input
 * to a SEP call is a compile error and the result is the function's output type. Each `@ts-expect-error` line
 * must be an error, or tsc fails on the unused directive. The calls sit in a function that is never run.
 */

function compileOnly(ctx: JobContext, api: SepmApi): void {
  void ctx.sepm.getComputers({ computerName: 'WIN-*', allPages: true });
  void ctx.sepm.quarantineEndpoints({ computerIds: ['C1'], undo: true });
  void ctx.sepm.scanEndpoints({ computerIds: 'C1,C2', scanType: 'QUICK_SCAN', description: 'd' });
  void api.getDomains();
  void api.raw.getGroups();

  // @ts-expect-error wrong field name
  void ctx.sepm.getComputers({ computerNmae: 'WIN-1' });
  // @ts-expect-error wrong field type (hardwareKey is text)
  void ctx.sepm.moveEndpoint({ groupId: 'G', hardwareKey: 42 });
  // @ts-expect-error missing required field (hardwareKey)
  void ctx.sepm.moveEndpoint({ groupId: 'G' });
  // @ts-expect-error missing required input altogether
  void ctx.sepm.cancelCommand();
  // @ts-expect-error value outside the enum
  void ctx.sepm.scanEndpoints({ computerIds: ['C1'], scanType: 'DEEP_SCAN', description: 'd' });
  // @ts-expect-error get-domains takes no fields
  void api.raw.getDomains({ domain: 'D' });
  // @ts-expect-error no such SEP function
  void api.formatDisk({});
  // @ts-expect-error run() takes a known function name only
  void api.run('format-disk', {});
}

const runGetComputers = (api: SepmApi) => api.run('get-computers', {});

describe('SepmApi types', () => {
  it('types every method by its input and output', () => {
    expectTypeOf<SepmApi['getComputers']>()
      .parameter(0)
      .toEqualTypeOf<SepFunctionRawInput<'get-computers'> | undefined>();
    expectTypeOf<SepmApi['moveEndpoint']>().parameter(0).toEqualTypeOf<SepFunctionRawInput<'move-endpoint'>>();
    expectTypeOf<SepmApi['getComputers']>().returns.resolves.toEqualTypeOf<GetComputersOutput>();
    expectTypeOf<SepmApi['getDomains']>().returns.resolves.toEqualTypeOf<SepmDomain[]>();
    expectTypeOf<SepmApi['quarantineEndpoints']>().returns.resolves.toEqualTypeOf<CommandIds>();
    expectTypeOf<SepmApi['getFingerprintList']>().returns.resolves.toEqualTypeOf<GetFingerprintListOutput>();
    expectTypeOf<SepmRawApi['moveEndpoint']>().returns.resolves.toEqualTypeOf<SepResult<MoveEndpointOutput>>();
    expectTypeOf<SepmApi['raw']>().toEqualTypeOf<SepmRawApi>();
    expectTypeOf<JobContext['sepm']>().toEqualTypeOf<SepmApi>();
    expect(typeof compileOnly).toBe('function');
  });

  it('run() answers the named function result', () => {
    expectTypeOf<SepmApi['run']>().toBeCallableWith('get-computers', { untrusted: 'checked at run time' });
    expectTypeOf<Awaited<ReturnType<typeof runGetComputers>>>().toEqualTypeOf<SepResult<GetComputersOutput>>();
    expect(typeof runGetComputers).toBe('function');
  });
});
