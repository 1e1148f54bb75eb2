#!/usr/bin/env node
// Runs the TypeScript CLI directly through tsx so `npx govflow` needs no build step.
import { register } from 'tsx/esm/api';

register();
await import('../api/cli/main.ts');
