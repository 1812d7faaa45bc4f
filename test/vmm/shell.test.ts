/** The management shell's commands against a live hypervisor: devtree, vfs, host, help and errors. */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileSource } from '../../src/dts/compile.js';
import { validate } from '../../src/vmm/config/validate.js';
import { Hypervisor } from '../../src/vmm/hypervisor.js';
import { Shell } from '../../src/vmm/shell.js';

const ROOT = join(import.meta.dirname, '../..');

function shell(): { sh: Shell; hv: Hypervisor; out: string[] } {
  const path = join(ROOT, 'boards/host.dtsi');
  const tree = compileSource(readFileSync(path, 'latin1'), path).tree!;
  const v = validate([{ path, tree }]);
  const out: string[] = [];
  const hv = new Hypervisor(tree, v.host!, { output: (n, b) => out.push(`${n}:${Buffer.from(b).toString('latin1')}`) });
  return { sh: new Shell(hv, join(ROOT, 'boards/default.dts')), hv, out };
}

describe('shell', () => {
  it('devtree reads and edits the live board tree', () => {
    const { sh } = shell();
    expect(sh.execute('devtree attr get /vmm scheduler').lines).toEqual(['scheduler = "prr";']);
    expect(sh.execute('devtree attr set /vmm mterm_priority uint32 5').ok).toBe(true);
    expect(sh.execute('devtree attr get /vmm mterm_priority').lines).toEqual(['mterm_priority = <0x05>;']);
    expect(sh.execute('devtree attr del /vmm mterm_priority').ok).toBe(true);
    expect(sh.execute('devtree attr get /vmm mterm_priority').ok).toBe(false);
    expect(sh.execute('devtree node add /vmm extra').ok).toBe(true);
    expect(sh.execute('devtree node add /vmm extra').lines[0]).toContain('already has extra');
    expect(sh.execute('devtree node copy /vmm /cpus/cpu@0').ok).toBe(true);
    expect(sh.execute('devtree node show /vmm').lines).toEqual(['extra', 'cpu@0']);
    expect(sh.execute('devtree node dump /vmm/cpu@0').lines[0]).toBe('cpu@0 {');
    expect(sh.execute('devtree node del /vmm/extra').ok).toBe(true);
    expect(sh.execute('devtree node show /nowhere')).toEqual({ ok: false, lines: ['devtree: no node /nowhere'] });
  });

  it('vfs loads a guest, and a script stops at its first failing line', () => {
    const { sh, hv } = shell();
    expect(sh.execute('vfs guest_fdt_load g0 ../guests/dts/basic.dts 1').lines).toEqual(['g0: Loaded ../guests/dts/basic.dts']);
    expect(sh.execute('guest create g0').lines).toEqual(['g0: Created']);
    expect(sh.execute('vfs guest_load g0 0x80200000 ../guests/bin/hello.bin').lines[0]).toMatch(/^g0: Loaded 0x0000000080200000 with \d+ bytes$/);
    const dir = mkdtempSync(join(tmpdir(), 'tsvisor-shell-'));
    try {
      writeFileSync(join(dir, 'script'), '# a comment\necho one\nguest kick nosuch\necho never\n');
      const r = sh.execute(`vfs run ${join(dir, 'script')}`);
      expect(r).toEqual({ ok: false, lines: ['one', 'nosuch: Failed to kick (no such guest)'] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(hv.guests.has('g0')).toBe(true);
  });

  it('help, help <command>, version, host info, host cpu info, host ram info, and unknown commands', () => {
    const { sh } = shell();
    expect(sh.execute('help').lines).toContain('devtree   - show and edit the live board device tree');
    expect(sh.execute('help vcpu').lines.slice(0, 3)).toEqual(['vcpu: control commands for vcpu', 'Usage:', '   vcpu list']);
    expect(sh.execute('help vcpu').lines).toContain('   vcpu set_affinity <vcpu_id> <host_cpu>[,<host_cpu>...]');
    expect(sh.execute('help sleep').lines).toContain('   sleep <seconds>|<n>ms|<n>us');
    expect(sh.execute('help nope')).toEqual({ ok: false, lines: ['help: no command nope (try help)'] });
    expect(sh.execute('version').lines[0]).toMatch(/^tsvisor /);
    const info = sh.execute('host info').lines;
    expect(info[0]).toBe('Host Name                : tsvisor default host');
    expect(info).toContain('Total Online CPUs        : 4');
    const cpu = sh.execute('host cpu info').lines;
    expect(cpu).toContain('CPU Topology             : 2 cores x 2 threads');
    expect(cpu).toContain('CPU3 Hardware ID         : 0x3');
    expect(cpu).toContain('CPU3 NUMA Node           : 1');
    const ram = sh.execute('host ram info').lines;
    expect(ram[0]).toBe('Frame Size        : 4096 (0x00001000)');
    expect(ram).toContain('Bank01 Start      : 0x00000000c0000000');
    expect(ram).toContain('Bank01 NUMA Node  : 1');
    expect(ram).not.toEqual(cpu);
    expect(sh.execute('host cpu').ok).toBe(false);
    expect(sh.execute('frobnicate')).toEqual({ ok: false, lines: ['Unknown command: frobnicate (try help)'] });
    expect(sh.execute('   ').lines).toEqual([]);
  });

  it('; separates commands; sleep, shutdown and vserial bind come back as actions for the terminal', () => {
    const { sh } = shell();
    expect(sh.execute('echo a; echo "b;c" ;; echo d')).toEqual({ ok: true, lines: ['a', 'b;c', 'd'] });
    expect(sh.execute('echo a; frob; echo never')).toEqual({ ok: false, lines: ['a', 'Unknown command: frob (try help)'] });
    expect(sh.execute('sleep 2')).toEqual({ ok: true, lines: [], action: { kind: 'sleep', ns: 2e9 } });
    expect(sh.execute('sleep 250ms').action).toEqual({ kind: 'sleep', ns: 250e6 });
    expect(sh.execute('sleep 0.5').action).toEqual({ kind: 'sleep', ns: 500e6 });
    expect(sh.execute('sleep soon').lines[0]).toBe('sleep: "soon" is not a duration (seconds, or a number with ms, us or s)');
    expect(sh.execute('sleep 100000').ok).toBe(false); // more than a day
    expect(sh.execute('echo x; sleep 1').action).toEqual({ kind: 'sleep', ns: 1e9 });
    expect(sh.execute('sleep 1; echo x').ok).toBe(false);
    expect(sh.execute('echo bye; shutdown; echo never')).toEqual({ ok: true, lines: ['bye'], action: { kind: 'shutdown' } });
    expect(sh.execute('exit').action).toEqual({ kind: 'shutdown' });
    expect(sh.execute('vserial bind nope/uart0')).toEqual({ ok: false, lines: ['Failed to find vserial nope/uart0'] });
  });

  it('per-VCPU operations, dumpreg, dumpstat, region_list, dumpmem and vserial dump', () => {
    const { sh, hv } = shell();
    sh.execute('vfs guest_fdt_load g0 ../guests/dts/basic.dts 1');
    sh.execute('guest create g0');
    sh.execute('vfs guest_load g0 0x80200000 ../guests/bin/hello.bin');
    const id = hv.guests.get('g0')!.vcpuIds[0]!;
    expect(sh.execute(`vcpu pause ${id}`).lines).toEqual(['g0/vcpu0: Failed to pause']);
    expect(sh.execute(`vcpu kick ${id}`).lines).toEqual(['g0/vcpu0: Kicked']);
    expect(sh.execute(`vcpu pause ${id}`).lines).toEqual(['g0/vcpu0: Paused']);
    expect(sh.execute(`vcpu resume ${id}`).lines).toEqual(['g0/vcpu0: Resumed']);
    expect(sh.execute('vcpu kick 99').lines).toEqual(['Failed to find vcpu 99']);
    hv.runUntil(1e9);
    expect(sh.execute('vserial dump g0/sbi').lines).toContain('PASS hello (5 checks)');
    expect(sh.execute('vserial dump nope/uart0').ok).toBe(false);
    const regs = sh.execute(`vcpu dumpreg ${id}`).lines;
    expect(regs[0]).toMatch(/^ {9}pc=0x[0-9a-f]{16} {8}mode=S$/);
    expect(regs[1]).toMatch(/^ {7}zero=0x0{16} {10}ra=0x[0-9a-f]{16}$/); // a space between name and value
    expect(sh.execute('vcpu dumpreg g0/vcpu0').lines).toEqual(regs); // by name as well as by id
    const stat = sh.execute(`vcpu dumpstat ${id}`).lines;
    expect(stat).toContain('Reset Count      : 2'); // created, then SRST shutdown = reset
    expect(stat).toContain('Name             : g0/vcpu0');
    // Times are virtual: kicked again, paused after 50 us, it has been paused 9.95 ms at 10 ms past that.
    const t0 = hv.scheduler.now();
    sh.execute(`vcpu kick ${id}`);
    hv.runUntil(t0 + 50_000);
    sh.execute(`vcpu pause ${id}`);
    hv.runUntil(t0 + 10_050_000);
    const times = sh.execute(`vcpu dumpstat ${id}`).lines;
    expect(times).toContain('Paused Time      : 0:00:00:010');
    expect(times).toContain('Total Time       : 0:00:00:010');
    expect(times.find((l) => l.startsWith('Instructions'))).toMatch(/^Instructions {5}: 500[01]$/); // 50 us at 100 MIPS
    const regions = sh.execute('guest region_list g0').lines;
    expect(regions.some((l) => l.includes('mem0') && l.includes('0x0000000080000000') && l.includes('alloced_ram'))).toBe(true);
    const one = sh.execute('guest region g0 0x80001000').lines;
    expect(one.filter((l) => l.startsWith(' mem0 '))).toHaveLength(1);
    expect(one).toHaveLength(5);
    expect(sh.execute('guest region g0 0x1').lines).toEqual(['g0: no region holds 0x0000000000000001']);
    expect(sh.execute('vserial dump g0/sbi 10').lines.join('\n').length).toBeLessThanOrEqual(10);
    expect(sh.execute('vserial dump g0/sbi x').ok).toBe(false);
    expect(sh.execute('vcpu set_affinity g0/vcpu0 2,3').lines).toEqual(['g0/vcpu0: Affinity set to {2,3}']);
    expect(sh.execute('vcpu set_affinity g0/vcpu0 9').lines).toEqual(['g0/vcpu0: Failed to set affinity (no host CPU 9)']);
    const row = sh.execute('vcpu normal_list').lines.find((l) => l.includes('g0/vcpu0'))!;
    expect(row).toMatch(/^ \d+ +2 .*\{2,3\}$/);
    sh.execute(`vcpu resume ${id}`);
    hv.runUntil(hv.scheduler.now() + 1e6);
    expect(sh.execute('vcpu normal_list').lines.find((l) => l.includes('g0/vcpu0'))).toMatch(/^ \d+ +[23] /); // placed again, within it
    expect(sh.execute('guest dumpmem g0 0x80200000 16').lines[0]).toMatch(/^0x0000000080200000: ([0-9a-f]{2} ){15}[0-9a-f]{2}$/);
    expect(sh.execute('guest dumpmem g0 0x1000 16').ok).toBe(false);
  });

  it('memory dump/modify/copy on a guest\'s physical memory, as Xvisor prints them; device regions refused', () => {
    const { sh, hv } = shell();
    sh.execute('vfs guest_fdt_load g0 ../guests/dts/basic.dts 1');
    sh.execute('guest create g0');
    expect(sh.execute('memory modify32 g0 0x80300000 0xdeadbeef 1 0x2')).toEqual({ ok: true, lines: [] });
    expect(sh.execute('memory dump32 g0 0x80300000 4').lines).toEqual([
      'Guest g0 physical memory 0x0000000080300000 - 0x0000000080300010:',
      '0000000080300000: deadbeef 00000001 00000002 00000000',
    ]);
    // Little-endian, as the guest loads it; the address is aligned down to the width.
    expect(sh.execute('memory dump16 g0 0x80300001 3').lines[1]).toBe('0000000080300000: beef dead 0001');
    expect(sh.execute('memory dump8 g0 0x80300000 18').lines.slice(1)).toEqual([
      '0000000080300000: ef be ad de 01 00 00 00 02 00 00 00 00 00 00 00', '0000000080300010: 00 00']);
    expect(sh.execute('memory modify16 g0 0x80300004 0xffff').ok).toBe(true);
    expect(sh.execute('memory modify8 g0 0x80300008 7 8').ok).toBe(true);
    expect(sh.execute('memory copy g0 0x80300010 0x80300000 12').lines).toEqual(['Copied 12 (0xc) bytes.']);
    expect(sh.execute('memory dump32 g0 0x80300010 3').lines[1]).toBe('0000000080300010: deadbeef 0000ffff 00000807');
    // Written as the guest's stores are: the page is marked written (snapshots, migration).
    const bus = hv.guests.get('g0')!.instance.aspace.bus;
    expect(bus.dirty[bus.offsetOf(0x80300000) >>> 12]).toBe(1);
    // Device registers are never read (a read can change a device); nor is what no region holds.
    expect(sh.execute('memory dump8 g0 0x10000000 4').lines[0]).toMatch(/^g0: 0x0000000010000000 is in device region uart0 \(serial\): memory reads and writes RAM and ROM only/);
    expect(sh.execute('memory modify8 g0 0x10000000 0x41').ok).toBe(false);
    expect(sh.execute('memory copy g0 0x80300000 0x10000000 4').ok).toBe(false);
    expect(sh.execute('memory dump8 g0 0x1 4').lines).toEqual(['g0: no region holds 0x0000000000000001']);
    expect(sh.execute('memory dump8 g0 0x87fffffe 4').lines[0]).toMatch(/goes past the end of region mem0/);
    // Bad arguments: a message, never an exception.
    for (const bad of ['memory', 'memory frob g0 0 1', 'memory dump8', 'memory dump8 nope 0x80000000 1', 'memory dump8 g0', 'memory dump8 g0 x 1',
      'memory dump8 g0 0x80000000 0', 'memory dump32 g0 0x80000000 1025', 'memory modify8 g0 0x80000000', 'memory modify8 g0 0x80000000 256',
      'memory modify16 g0 0x80000000 -1', 'memory copy g0 1 2', 'memory copy g0 0x80000000 0x80001000 0x10000000', 'memory dump8 g0 0x80000000 99999999999999999999']) {
      const r = sh.execute(bad);
      expect(r.ok, bad).toBe(false);
      expect(r.lines.length, bad).toBeGreaterThan(0);
    }
    expect(sh.execute('memory modify8 g0 0x80000000 256').lines).toEqual(['g0: value 256 does not fit 8 bits']);
    expect(sh.execute('memory dump8 nope 0x80000000 1').lines).toEqual(['nope: no such guest']);
    expect(sh.execute('memory help').lines).toEqual(sh.execute('help memory').lines);
    expect(sh.execute('help memory').lines).toContain('   memory dump32 <guest_name> <guest_phys_addr> <count>');
    expect(sh.execute('help memory').lines.some((l) => l.includes('guest physical addresses of the named guest'))).toBe(true);
  });

  it('vcpu set_hcpu moves a VCPU within its affinity; vcpu monitor shows CPU load, RAM and the VCPUs', () => {
    const { sh, hv } = shell();
    sh.execute('vfs guest_fdt_load g0 ../guests/dts/basic.dts 1');
    sh.execute('guest create g0');
    sh.execute('vfs guest_load g0 0x80200000 ../guests/bin/bench.bin');
    expect(sh.execute('vcpu set_hcpu g0/vcpu0 2').lines).toEqual(['g0/vcpu0: Host CPU2 set']);
    expect(sh.execute('vcpu kick g0/vcpu0').ok).toBe(true);
    hv.runUntil(50e6);
    const row = (): string => sh.execute('vcpu list').lines.find((l) => l.includes('g0/vcpu0'))!;
    expect(row()).toMatch(/^ \d+ +2 +\d+ +Ready/);
    let screen = sh.monitorScreen();
    expect(screen[0]).toBe('CPU0: 0.0%  CPU1: 0.0%  CPU2: 100.0%  CPU3: 0.0%');
    expect(screen[1]).toMatch(/^RAM: free \d+KiB {2}used 131072KiB {2}total \d+KiB$/);
    expect(screen.slice(2)).toEqual(sh.execute('vcpu list').lines);
    // Moved while it runs: it runs on the new CPU from then on, and the next screen shows the load since the last.
    expect(sh.execute('vcpu set_hcpu 5 1').lines).toEqual(['g0/vcpu0: Host CPU1 set']);
    hv.runUntil(100e6);
    screen = sh.monitorScreen();
    expect(screen[0]).toBe('CPU0: 0.0%  CPU1: 100.0%  CPU2: 0.0%  CPU3: 0.0%');
    expect(row()).toMatch(/^ \d+ +1 /);
    expect(sh.execute('vcpu set_affinity g0/vcpu0 2 3').lines).toEqual(['g0/vcpu0: Affinity set to {2,3}']); // Xvisor's form too
    expect(sh.execute('vcpu set_hcpu g0/vcpu0 1').lines).toEqual(['g0/vcpu0: Failed to set host CPU1 (not in its affinity {2,3})']);
    expect(sh.execute('vcpu set_hcpu g0/vcpu0 9').lines).toEqual(['g0/vcpu0: Failed to set host CPU9 (no host CPU 9)']);
    expect(sh.execute('vcpu set_hcpu g0/vcpu9 1').lines).toEqual(['Failed to find vcpu g0/vcpu9']);
    expect(sh.execute('vcpu set_hcpu g0/vcpu0 x').lines).toEqual(['vcpu: invalid host CPU "x" (a decimal, 0x hex or 0 octal number)']);
    expect(sh.execute('vcpu set_hcpu g0/vcpu0').lines).toEqual(['Usage: vcpu set_hcpu <vcpu_id> <host_cpu>']);
    expect(sh.execute('vcpu monitor')).toEqual({ ok: true, lines: [], action: { kind: 'monitor' } });
    expect(sh.execute('vcpu monitor uart0').ok).toBe(false);
    expect(sh.execute('help vcpu').lines).toEqual(expect.arrayContaining(['   vcpu monitor', '   vcpu set_hcpu <vcpu_id> <host_cpu>']));
  });
});
