/**
 * The wasm tier's compiler thread (background-compiler.ts): it builds and compiles the modules of batches of warm
 * blocks, so that the thread running the guest only instantiates them. Each request holds the blocks' raw instruction
 * words and counts; the reply holds the compiled WebAssembly.Module, or the error that stopped it.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { setFlagsFromString } from 'node:v8';
import { batchModule, blockCodes } from './block-wasm.js';
import type { CompileReply, CompileRequest, CompilerInit } from './background-compiler.js';

const { port, posted } = workerData as CompilerInit;
// As the tier on the guest's thread does (wasm-tier.ts): modules compiled whole, not function by function on first call.
setFlagsFromString('--no-wasm-lazy-compilation');

(port as MessagePort).on('message', (request: CompileRequest) => {
  let reply: CompileReply;
  try {
    const bytes = batchModule(blockCodes(request.words, request.counts), request.pages, request.shared, request.threads);
    reply = { id: request.id, module: new WebAssembly.Module(bytes) };
  } catch (e) {
    reply = { id: request.id, error: e instanceof Error ? e.message : String(e) };
  }
  port.postMessage(reply);
  Atomics.add(posted, 0, 1);
});
