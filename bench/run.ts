/** `npm run bench`: every benchmark, printing figures. */
import { runCorpusBench } from './dts-corpus.js';
import { runGuestBench } from './guest.js';

const log = (s: string) => console.log(s);
console.log(`tsvisor benchmarks (node ${process.version})`);
runGuestBench(log);
runCorpusBench(log);
