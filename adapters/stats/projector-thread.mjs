// Entry of a statistics projector thread (see projector-thread.ts). A worker thread starts
// without the TypeScript loader, so it registers tsx first, as bin/govflow.mjs does.
import { register } from 'tsx/esm/api';

register();
const { runProjectorThread } = await import('./projector-thread.ts');
await runProjectorThread();
