/**
 * A thread that compiles the wasm tier's batches (compile-worker.ts), one per process, shared by every code cache
 * that uses it. Building a batch's module and V8's compiling it cost Linux's boot about a quarter of its main-thread
 * time (~290 ms for 1,030 blocks: the generator is cold code, run a thousand times); on another thread they overlap
 * with the guest, which keeps interpreting the blocks until their module is back.
 *
 * The guest's thread never waits for it: `take` reads a shared counter of replies posted and, only when it moved,
 * receives them synchronously (receiveMessageOnPort), so the run loop needs no event loop turn. Which tier runs a
 * block is invisible to the guest (translate.ts), so compiling later changes nothing it sees.
 *
 * It pays only where cores are to spare. On a 2-core machine the guest's thread and V8's own background threads
 * (optimising JavaScript, collecting garbage: ~1.2 s of CPU during Linux's boot) already take both, and a second
 * isolate warms the generator up again: `tsvisor run` of Linux to its shell took 1.65-1.71 s with the thread against
 * 1.55-1.64 s without (2 VCPUs: 1.75 against 1.65 s). So it is used with more than two cores, or when
 * TSVISOR_COMPILER_THREAD is 1 (0: never).
 *
 * The worker is the compiled JavaScript in dist/; from the TypeScript sources (unit tests) there is none and the code
 * caches compile on their own thread.
 */
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import type { MessagePort } from 'node:worker_threads';

/** What the worker is started with. */
export interface CompilerInit {
  readonly port: MessagePort;
  /** [0]: replies posted so far. */
  readonly posted: Int32Array;
}

/** A batch: the raw words of its blocks' instructions one after another, the count of each block's. */
export interface CompileRequest {
  readonly id: number;
  readonly words: Int32Array;
  readonly counts: Int32Array;
  readonly pages: number;
  readonly shared: boolean;
  readonly threads: boolean;
}

export type CompileReply = { readonly id: number; readonly module: WebAssembly.Module } | { readonly id: number; readonly error: string };

const NONE: readonly CompileReply[] = [];

/**
 * node:worker_threads, loaded with the compiler thread, not by every run that never starts one (a few ms of a
 * trivial run). (process.getBuiltinModule is Node 20.16+; a require does the same on older 20s.)
 */
const workerThreads = (): typeof import('node:worker_threads') => typeof process.getBuiltinModule === 'function'
  ? process.getBuiltinModule('node:worker_threads') : createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads');

export class BackgroundCompiler {
  private readonly port: MessagePort;
  private readonly threads = workerThreads();
  private readonly posted = new Int32Array(new SharedArrayBuffer(4));
  private taken = 0;
  private nextId = 1;

  constructor(url: URL) {
    const { port1, port2 } = new this.threads.MessageChannel();
    this.port = port1;
    const init: CompilerInit = { port: port2, posted: this.posted };
    // No execArgv: the worker is plain compiled JavaScript, and a loader the parent runs under (tsx) is not needed.
    const worker = new this.threads.Worker(url, { workerData: init, transferList: [port2], execArgv: [] });
    // It never keeps the process alive. If it fails, the code caches compile on their own thread again.
    worker.unref();
    worker.on('error', () => { this.failed = true; });
    worker.on('exit', () => { this.failed = true; });
  }

  /** The thread stopped (seen at the event loop's next turn): batches it had will not come back. */
  failed = false;

  /** Queue a batch: its id. */
  submit(request: Omit<CompileRequest, 'id'>): number {
    const id = this.nextId++;
    this.port.postMessage({ ...request, id });
    return id;
  }

  /** The replies posted since the last call (none without a look at the port when nothing moved). */
  take(): readonly CompileReply[] {
    const posted = Atomics.load(this.posted, 0);
    if (posted === this.taken) return NONE;
    const replies: CompileReply[] = [];
    const receive = this.threads.receiveMessageOnPort;
    for (let m = receive(this.port); m !== undefined; m = receive(this.port)) {
      replies.push(m.message as CompileReply);
    }
    this.taken += replies.length;
    return replies;
  }
}

let compiler: BackgroundCompiler | undefined | null = null;

/** Whether this machine gets a compiler thread (see the file comment). */
function wanted(): boolean {
  const setting = process.env['TSVISOR_COMPILER_THREAD'];
  if (setting === '1' || setting === '0') return setting === '1';
  return availableParallelism() > 2;
}

/** The process's compiler thread, started on first use; undefined from the TypeScript sources, or where it does not pay. */
export function backgroundCompiler(): BackgroundCompiler | undefined {
  if (compiler === null) {
    compiler = import.meta.url.endsWith('.ts') || !wanted() ? undefined : new BackgroundCompiler(new URL('./compile-worker.js', import.meta.url));
  }
  return compiler;
}
