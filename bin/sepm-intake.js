#!/usr/bin/env node
// Entry point: runs the TypeScript sources through tsx's ESM loader so no build step is needed to operate.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/entry.ts');
