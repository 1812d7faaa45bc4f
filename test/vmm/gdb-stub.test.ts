/**
 * The GDB stub over loopback TCP, driven packet by packet against the committed guest programs: what GDB sends
 * and what it expects back (GDB's "Remote Serial Protocol" documentation), with addresses and bytes from the ELF
 * files themselves. test/e2e/gdb.test.ts drives the same stub with a real gdb-multiarch.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunSession, type RunImageResult } from '../../src/vmm/run-image.js';
import { runUnderGdb } from '../../src/vmm/gdb/serve.js';
import { checksum, frame, RspReader, unescapeBinary } from '../../src/vmm/gdb/rsp.js';
import { buildDevice } from '../../src/devices/registry.js';
import { basicGuest, GUESTS } from '../support/guests.js';
import { readElf } from '../support/elf-symbols.js';
import { RspClient } from '../support/gdb-client.js';

const le64 = (hex: string): bigint => Buffer.from(hex, 'hex').readBigUInt64LE(0);
const hex64 = (n: number | bigint): string => BigInt(n).toString(16);

interface Debugged {
  readonly client: RspClient;
  readonly done: Promise<RunImageResult>;
  readonly console: () => string;
}

/** Run guests/bin/<program>.elf under the stub on a free port and connect a client. */
async function debug(program: string, o: { wait: boolean; vcpus?: number; timeoutSeconds?: number }): Promise<Debugged> {
  let out = '';
  const session = new RunSession({
    guest: basicGuest(), image: readFileSync(join(GUESTS, 'bin', `${program}.elf`)), vcpus: o.vcpus,
    timeoutSeconds: o.timeoutSeconds ?? 10, unmapped: 'fault', buildDevice,
    output: (_v, b) => { out += Buffer.from(b).toString('latin1'); },
  });
  let port = 0;
  let listening!: () => void;
  const ready = new Promise<void>((resolve) => { listening = resolve; });
  const done = runUnderGdb(session, {
    host: '127.0.0.1', port: 0, wait: o.wait,
    listening: (address) => { port = Number(address.split(':')[1]); listening(); },
  });
  await ready;
  return { client: await RspClient.connect(port), done, console: () => out };
}

describe('GDB remote protocol framing', () => {
  it('frames packets with the modulo-256 checksum and escapes $ # } *', () => {
    expect(frame('OK').toString()).toBe('$OK#9a');
    expect(checksum(Buffer.from('qSupported'))).toBe(0x37);
    const escaped = frame(Buffer.from([0x24, 0x23, 0x7d, 0x2a, 0x41]));
    expect([...escaped.subarray(1, -3)]).toEqual([0x7d, 0x04, 0x7d, 0x03, 0x7d, 0x5d, 0x7d, 0x0a, 0x41]);
    expect([...unescapeBinary(escaped.subarray(1, -3))]).toEqual([0x24, 0x23, 0x7d, 0x2a, 0x41]);
  });

  it('reads packets split anywhere, answers a bad checksum with a resend request, and sees Ctrl-C', () => {
    const r = new RspReader();
    const bytes = Buffer.from('+$g#67$m0,4#00\x03$c#63');
    const events = [...bytes].flatMap((b) => r.push(Buffer.from([b])));
    expect(events.map((e) => (e.kind === 'packet' ? e.payload.toString() : e.kind))).toEqual(['g', 'bad', 'interrupt', 'c']);
  });
});

describe('GDB stub', () => {
  it('stops before the first instruction, serves registers, memory, breakpoints, watchpoints and steps, and detaches', async () => {
    const elf = readElf(join(GUESTS, 'bin/hello.elf'));
    const main = elf.symbols.get('main')!, checks = elf.symbols.get('test_checks')!;
    const { client, done, console } = await debug('hello', { wait: true });
    expect(await client.request('qSupported:multiprocess+;swbreak+;hwbreak+;vContSupported+')).toMatch(/PacketSize=[0-9a-f]+;qXfer:features:read\+/);
    expect(await client.request('QStartNoAckMode')).toBe('OK');
    // The target description, read in pieces as GDB reads it.
    let xml = '';
    for (;;) {
      const part = await client.request(`qXfer:features:read:target.xml:${xml.length.toString(16)},200`);
      xml += part.slice(1);
      if (part[0] === 'l') break;
    }
    expect(xml).toContain('<architecture>riscv:rv64</architecture>');
    expect(xml.match(/<reg /g)!.length).toBeGreaterThan(33 + 32);
    expect(await client.request('?')).toBe('T05thread:1;');
    expect(await client.request('qfThreadInfo')).toBe('m1');
    const g = await client.request('g');
    expect(g.length).toBe(33 * 16);
    expect(le64(g.slice(32 * 16))).toBe(0x80200000n); // pc: the image entry
    expect(le64(await client.request('p20'))).toBe(0x80200000n);
    expect(le64(await client.request(`p${(65 + 0x1000).toString(16)}`))).toBe(1n); // priv: S mode
    // Memory is the loaded image.
    expect(await client.request(`m${hex64(main)},8`)).toBe(elf.bytesAt(main, 8)!.toString('hex'));
    expect(await client.request('m0,4')).toBe('E14'); // no RAM there
    // A breakpoint at main, and continue.
    expect(await client.request(`Z0,${hex64(main)},2`)).toBe('OK');
    expect(await client.request('vCont;c')).toMatch(/^T05(swbreak:;)?thread:1;$/);
    expect(le64(await client.request('p20'))).toBe(BigInt(main));
    expect(await client.request(`z0,${hex64(main)},2`)).toBe('OK');
    // Registers and memory can be written.
    expect(await client.request('Pa=efbeadde00000000')).toBe('OK');
    expect(await client.request('pa')).toBe('efbeadde00000000');
    expect(await client.request('Pa=' + (await client.request('pa')))).toBe('OK');
    // A write watchpoint on test_checks stops after each store (test_begin zeroes it, check_eq counts 1): the new
    // value is in memory.
    expect(await client.request(`Z2,${hex64(checks)},4`)).toBe('OK');
    await client.request(`M${hex64(checks)},4:ffffffff`);
    expect(await client.request('vCont;c')).toBe(`T05watch:${hex64(checks)};thread:1;`);
    expect(await client.request(`m${hex64(checks)},4`)).toBe('00000000');
    expect(await client.request('vCont;c')).toBe(`T05watch:${hex64(checks)};thread:1;`);
    expect(await client.request(`m${hex64(checks)},4`)).toBe('01000000');
    expect(await client.request(`z2,${hex64(checks)},4`)).toBe('OK');
    // One step moves pc by one instruction.
    const before = le64(await client.request('p20'));
    expect(await client.request('vCont;s:1')).toBe('T05thread:1;');
    const after = le64(await client.request('p20'));
    expect(after - before === 2n || after - before === 4n || after !== before).toBe(true);
    // Detach: the guest runs to its end.
    expect(await client.request('D')).toBe('OK');
    const result = await done;
    client.close();
    expect(result.outcome).toBe('shutdown');
    expect(result.status).toBe(0);
    expect(console()).toContain('PASS hello (5 checks)');
  });

  it('stops a running guest when GDB attaches and at Ctrl-C, and kill ends the run', async () => {
    const { client, done } = await debug('bench', { wait: false, timeoutSeconds: 1000 });
    expect(await client.request('?')).toBe('T02thread:1;'); // attaching stopped it
    const pc1 = await client.request('p20');
    client.send('vCont;c');
    await new Promise((resolve) => setTimeout(resolve, 300));
    client.interrupt();
    expect(await client.next()).toBe('T02thread:1;');
    expect(await client.request('p20')).not.toBe(pc1);
    client.send('k');
    const result = await done;
    client.close();
    expect(result.outcome).toBe('stopped');
    expect(result.reasons.join()).toContain('the debugger ended the run');
    expect(result.status).toBe(1);
  });

  it('reads memory and stops at breakpoints through the guest page tables (Sv39, U mode)', async () => {
    const elf = readElf(join(GUESTS, 'bin/mmu_sv39.elf'));
    const upage = elf.symbols.get('upage_start')!;
    const VA_U_CODE = 0x40600000; // where the guest maps upage_start, with U=1 (guests/tests/mmu_common.h)
    const { client, done } = await debug('mmu_sv39', { wait: true });
    expect(await client.request(`Z0,${hex64(VA_U_CODE)},4`)).toBe('OK');
    expect(await client.request('vCont;c')).toBe('T05thread:1;');
    expect(le64(await client.request('p20'))).toBe(BigInt(VA_U_CODE));
    expect(le64(await client.request(`p${(65 + 0x1000).toString(16)}`))).toBe(0n); // priv: U mode
    expect(le64(await client.request(`p${(65 + 0x180).toString(16)}`)) >> 60n).toBe(8n); // satp: Sv39
    expect(await client.request(`m${hex64(VA_U_CODE)},10`)).toBe(elf.bytesAt(upage, 16)!.toString('hex'));
    expect(await client.request(`z0,${hex64(VA_U_CODE)},4`)).toBe('OK');
    expect(await client.request('D')).toBe('OK');
    const result = await done;
    client.close();
    expect(result.outcome).toBe('shutdown');
    expect(result.status).toBe(0);
  });

  it('shows one thread per VCPU and reports which one stopped', async () => {
    const elf = readElf(join(GUESTS, 'bin/smp.elf'));
    const secondary = elf.symbols.get('secondary_main')!;
    const { client, done } = await debug('smp', { wait: true, vcpus: 4 });
    expect(await client.request('qfThreadInfo')).toBe('m1,2,3,4');
    expect(await client.request('qsThreadInfo')).toBe('l');
    expect(Buffer.from(await client.request('qThreadExtraInfo,3'), 'hex').toString()).toMatch(/vcpu2/);
    expect(await client.request(`Z0,${hex64(secondary)},2`)).toBe('OK');
    const stop = await client.request('vCont;c');
    expect(stop).toMatch(/^T05thread:[234];$/);
    const thread = stop.match(/thread:(\d)/)![1];
    expect(await client.request(`Hg${thread}`)).toBe('OK');
    expect(le64(await client.request('p20'))).toBe(BigInt(secondary));
    expect(le64(await client.request('pa'))).toBe(BigInt(Number(thread) - 1)); // a0 = its hart id
    expect(await client.request(`z0,${hex64(secondary)},2`)).toBe('OK');
    expect(await client.request('D')).toBe('OK');
    const result = await done;
    client.close();
    expect(result.status).toBe(0);
  });
});

describe('GDB stub robustness', () => {
  it('answers any packet, of any content, without throwing', async () => {
    const { GdbStub } = await import('../../src/vmm/gdb/stub.js');
    const session = new RunSession({
      guest: basicGuest(), image: readFileSync(join(GUESTS, 'bin/hello.elf')), vcpus: 2, timeoutSeconds: 1, unmapped: 'fault',
      buildDevice, output: () => {},
    });
    const sent: Buffer[] = [];
    const stub = new GdbStub({ vcpus: session.guest.vcpus, wake: () => {}, interrupt: () => {}, kill: () => {} }, true);
    stub.connect((b) => sent.push(b));
    let seed = 99;
    const random = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
    const heads = ['g', 'G', 'p', 'P', 'm', 'M', 'X', 'H', 'T', 'c', 's', 'C', 'S', 'v', 'vCont;', 'vCont?', 'Z', 'z', 'q', 'Q',
      'qXfer:features:read:target.xml:', 'qThreadExtraInfo,', 'D', '?', 'Z2,', 'z0,', 'Pa=', 'm80200000,'];
    const alphabet = '0123456789abcdefABCDEFxyz,;:=#$}*-.\x00\xff';
    for (let i = 0; i < 5000; i++) {
      let body = heads[random(heads.length)]!;
      for (let n = random(24); n > 0; n--) body += alphabet[random(alphabet.length)];
      if (body === 'D' || body.startsWith('vKill') || body === 'k') continue; // they end the session (tested above)
      expect(() => stub.receive(frame(Buffer.from(body, 'latin1'))), JSON.stringify(body)).not.toThrow();
    }
    expect(sent.length).toBeGreaterThan(5000);
  });
});
