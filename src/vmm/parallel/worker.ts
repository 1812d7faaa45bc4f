/** The entry point of a parallel-mode worker thread (see worker-loop.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { ParallelWorker, type WorkerInit } from './worker-loop.js';
import type { FromWorker } from './messages.js';

const port = parentPort;
if (port) {
  const send = (m: FromWorker): void => port.postMessage(m);
  try {
    new ParallelWorker(workerData as WorkerInit, send).run();
  } catch (e) {
    send({ t: 'failed', error: e instanceof Error ? e.stack ?? e.message : String(e) });
  }
}
