import { govflowCommands, rawBaseline } from './runtime-workloads.ts';
const url = 'postgres://postgres@127.0.0.1:5432/test';
const mode = process.argv[2] ?? 'single';
const c = Number(process.argv[3] ?? 8);
if (mode === 'raw') console.log('raw', await rawBaseline(url, c, 5));
else console.log(mode, await govflowCommands(url, c, 5, mode === 'group'));
