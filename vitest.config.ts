import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Coverage of src/ by the unit suite: `npm run test:unit` checks the thresholds, `npm run test:coverage`
    // also writes the HTML report to coverage/. Thresholds sit about one point under what the unit suite reached
    // when they were set (statements 62.1 %, branches 61.5 %, functions 61.4 %, lines 62.6 %): raise them as
    // tests are added, never lower them to make a change pass.
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      reporter: ['text-summary'],
      reportsDirectory: 'coverage',
      thresholds: { statements: 61, branches: 60, functions: 60, lines: 61 },
    },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/helpers/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // Integration tests share one Dovecot and one Redis; files run in parallel with isolated prefixes.
          fileParallelism: true,
          maxWorkers: 2,
        },
      },
    ],
  },
});
