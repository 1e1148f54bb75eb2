// Entry of a timer thread (see timer-threads.ts). A worker thread starts without the TypeScript
// loader, so it registers tsx first, as bin/govflow.mjs does.
import { register } from 'tsx/esm/api';

register();
const { runTimerThread } = await import('./timer-thread.ts');
await runTimerThread();
