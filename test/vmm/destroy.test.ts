/**
 * Destroyed guests are freed: the PRR policy forgets their VCPU tasks (placement and load), their timers are
 * cancelled, and 1,000 create/run/destroy cycles leave the heap and RSS flat (measured in a child process with
 * --expose-gc).
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileSource } from '../../src/dts/compile.js';
import { validate } from '../../src/vmm/config/validate.js';
import { guestFdtLoad } from '../../src/vmm/config/guest-load.js';
import { Hypervisor } from '../../src/vmm/hypervisor.js';

const ROOT = join(import.meta.dirname, '../..');

describe('destroying guests', () => {
  it('a new guest after three destroyed ones lands on an idle host CPU, and no timer of theirs is left', () => {
    const boardPath = join(ROOT, 'boards/host.dtsi');
    const board = compileSource(readFileSync(boardPath, 'latin1'), boardPath).tree!;
    const guestPath = join(ROOT, 'guests/dts/basic.dts');
    for (const g of ['busy', 'a', 'b', 'c', 'next']) {
      expect(guestFdtLoad(board, g, compileSource(readFileSync(guestPath, 'latin1'), guestPath).tree!, 1, ['mem0,physical_size,physsize,0x400000']).ok).toBe(true);
    }
    const hv = new Hypervisor(board, validate([{ path: boardPath, tree: board }]).host!, { output: () => {} });
    const image = readFileSync(join(ROOT, 'guests/bin/interrupts.elf'));
    const start = (g: string): void => {
      expect(hv.createGuest(g).ok).toBe(true);
      hv.guests.get(g)!.instance.loadImage(image);
      hv.kickGuest(g);
    };
    const cpuOf = (g: string): number => hv.vcpuRows().find((r) => r.name === `${g}/vcpu0`)!.cpu;
    start('busy');
    hv.runUntil(1e6);
    expect(cpuOf('busy')).toBe(0);
    const timersBefore = hv.scheduler.pendingTimers;
    for (const g of ['a', 'b', 'c']) start(g);
    expect(['a', 'b', 'c'].map(cpuOf)).toEqual([1, 2, 3]);
    hv.runUntil(3e6);
    for (const g of ['a', 'b', 'c']) expect(hv.destroyGuest(g).ok).toBe(true);
    start('next');
    expect(cpuOf('next')).toBe(1);
    expect(hv.destroyGuest('next').ok).toBe(true);
    expect(hv.scheduler.pendingTimers).toBeLessThanOrEqual(timersBefore + 1);
    hv.destroyGuest('busy');
    expect(hv.scheduler.pendingTimers).toBe(0);
  });

  it('1,000 create/run/destroy cycles leave the heap and RSS flat', async () => {
    const result = await new Promise<string>((done, fail) => {
      const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', join(ROOT, 'test/vmm/fixtures/churn.ts'), '1000'],
        { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '', err = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
      child.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
      child.on('error', fail);
      child.on('close', (status) => (status === 0 ? done(out) : fail(new Error(`churn exited ${status}: ${err}`))));
    });
    const r = JSON.parse(result) as { cycles: number; heapGrowth: number; buffersGrowth: number; rssGrowth: number; timers: number; ms: number };
    console.log(`1,000 cycles: heap +${(r.heapGrowth / 1024).toFixed(0)} KiB, array buffers +${r.buffersGrowth} bytes, ` +
      `RSS ${r.rssGrowth >= 0 ? '+' : ''}${(r.rssGrowth / 1024).toFixed(0)} KiB, ${r.ms} ms`);
    expect(r.cycles).toBe(1000);
    expect(r.heapGrowth).toBeLessThan(4 * 1024 * 1024); // before the fix: ~110 KiB a cycle (21.9 MB per 200)
    expect(r.buffersGrowth).toBeLessThan(8 * 1024 * 1024); // one guest's 4 MiB of RAM at most
    // Each cycle maps 4 MiB of guest RAM (4 GiB over the run if none were freed); allocator slack stays far below.
    expect(r.rssGrowth).toBeLessThan(64 * 1024 * 1024);
    expect(r.timers).toBe(0);
  }, 180_000);
});
