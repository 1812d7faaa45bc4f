/** `npm run bench`: every benchmark, printing figures. */
import { runCorpusBench } from './dts-corpus.js';
import { runFpuBench } from './fpu.js';
import { runGuestBench } from './guest.js';
import { runValidateBench } from './validate.js';
import { runSchedBench } from './sched.js';
import { runLinuxBench } from './linux.js';
import { runUbootBench } from './uboot.js';
import { runStartupBench } from './startup.js';
import { runSnapshotBench } from './snapshot.js';
import { runParallelBench } from './parallel.js';

const log = (s: string) => console.log(s);
console.log(`tsvisor benchmarks (node ${process.version})`);
runGuestBench(log);
await runLinuxBench(log);
await runUbootBench(log);
runSnapshotBench(log);
await runParallelBench(log);
runStartupBench(log);
runFpuBench(log);
runValidateBench(log);
runSchedBench(log);
runCorpusBench(log);
