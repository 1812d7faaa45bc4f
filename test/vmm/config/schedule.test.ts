/** /vmm/schedule: the table policy's configuration, every rule failing and passing, with positions. */
import { describe, expect, it } from 'vitest';
import { HOST, check, edit, expectNone, expectOne } from './fixtures.js';

/** HOST with line 11 (`scheduler = "prr";`) replaced by these lines; line 11 + i is lines[i]. */
const withVmm = (...lines: string[]) => check(['board.dts', edit(HOST, { 11: lines })]);
const table = (entry: string[], frame = '    major_frame = <10000000>;') => withVmm(
  /* 11 */ '    scheduler = "table";',
  /* 12 */ '    schedule {',
  /* 13 */ frame,
  /* 14 */ '      core0 {',
  /* 15.. */ ...entry,
  '      };',
  '    };',
);

describe('/vmm/schedule', () => {
  it('a valid table becomes the typed schedule', () => {
    const v = table(['        cpu = <&cpu1>;', '        windows = "mterm";', '        durations = <4000000>;']);
    expect(v.diagnostics).toEqual([]);
    expect(v.host!.vmm.scheduler).toBe('table');
    expect(v.host!.vmm.schedule!.frame).toBe(10_000_000);
    expect(v.host!.vmm.schedule!.cores.map((c) => [c.cpu, c.core, c.windows])).toEqual([
      [1, '/cpus/cpu-map/core0', [{ target: 'mterm', duration: 4_000_000 }]],
    ]);
  });

  it('scheduler "table" without a schedule', () => {
    expectOne(withVmm('    scheduler = "table";'), {
      code: 'schedule', severity: 'error', file: 'board.dts', line: 11, column: 5, message: 'needs a /vmm/schedule node',
    });
  });

  it('a schedule the prr scheduler ignores is a warning', () => {
    const v = withVmm('    scheduler = "prr";', '    schedule {', '      major_frame = <10>;', '    };');
    expectOne(v, { code: 'schedule', severity: 'warning', file: 'board.dts', line: 12, column: 5, message: 'is ignored' });
  });

  it('windows longer than the major frame', () => {
    const v = table(['        cpu = <&cpu0>;', '        windows = "mterm", "mterm";', '        durations = <6000000 5000000>;']);
    expectOne(v, { code: 'schedule', severity: 'error', file: 'board.dts', line: 17, column: 9, message: 'longer than the 10000000 ns major frame' });
    expectNone(table(['        cpu = <&cpu0>;', '        windows = "mterm", "mterm";', '        durations = <5000000 5000000>;']), 'schedule');
  });

  it('a window naming neither a guest nor a hypervisor thread', () => {
    const v = table(['        cpu = <&cpu0>;', '        windows = "guest7";', '        durations = <1000>;']);
    expectOne(v, { code: 'schedule', severity: 'error', file: 'board.dts', line: 16, column: 9, message: 'window "guest7" names neither' });
  });

  it('windows and durations of different lengths, a zero duration, a zero frame', () => {
    expectOne(table(['        cpu = <&cpu0>;', '        windows = "mterm";', '        durations = <1 2>;']), {
      code: 'schedule', severity: 'error', file: 'board.dts', line: 17, column: 9, message: '1 windows but 2 durations',
    });
    expectOne(table(['        cpu = <&cpu0>;', '        windows = "mterm";', '        durations = <0>;']), {
      code: 'schedule', severity: 'error', file: 'board.dts', line: 17, column: 9, message: 'duration 0',
    });
    expectOne(table(['        cpu = <&cpu0>;', '        windows = "mterm";', '        durations = <1>;'], '    major_frame = <0>;'), {
      code: 'schedule', severity: 'error', file: 'board.dts', line: 13, column: 5, message: 'major_frame must not be 0',
    });
  });

  it('an entry whose cpu is not a CPU, and two entries for one core', () => {
    expectOne(table(['        cpu = <0x1234>;', '        windows = "mterm";', '        durations = <1>;']), {
      code: 'schedule', severity: 'error', file: 'board.dts', line: 15, column: 9, message: "'cpu' does not reference",
    });
    const twice = withVmm(
      '    scheduler = "table";', '    schedule {', '      major_frame = <10>;',
      '      a { cpu = <&cpu0>; windows = "mterm"; durations = <1>; };',
      '      b { cpu = <&cpu1>; windows = "mterm"; durations = <1>; };',
      '    };',
    );
    expectOne(twice, { code: 'schedule', severity: 'error', file: 'board.dts', line: 15, column: 11, message: 'already has its windows in a' });
  });

  it('missing major_frame and entry attributes', () => {
    const v = withVmm('    scheduler = "table";', '    schedule {', '      e { };', '    };');
    expect(v.diagnostics.filter((d) => d.code === 'missing_attribute').map((d) => [d.line, d.message.split("'")[1]])).toEqual([
      [12, 'major_frame'], [13, 'cpu'], [13, 'windows'], [13, 'durations'],
    ]);
  });
});
