#!/usr/bin/env python3
"""Boot the tsvisor Linux guest on QEMU (reference machine) and check it.

    guests/linux/qemu-check.py [--log FILE] [--timeout SECS] [--only a,b,c,d] [--icount]

Checks (each prints PASS/FAIL):
  a  initramfs, console=ttyS0 earlycon: banner and shell prompt, the shell answers a command
  b  ext2 root on virtio-blk, console=ttyS0 root=/dev/vda rw: / is ext2 from /dev/vda (shown as /dev/root),
     a file written and read back; also prints the wall seconds from QEMU start to the prompt
  c  console=hvc0 earlycon=sbi: banner and prompt on the SBI console, answers typed input
  d  initramfs, console=ttyS0: uname -a; cat /proc/cpuinfo; cat /proc/interrupts; mount; ls /dev; date;
     poweroff: 2 CPUs, timer interrupts on both, IPI lines, the UART's PLIC interrupt, date from the goldfish
     RTC (within 10 minutes of the host clock), and QEMU exits after poweroff. Its console log is written to
     --log (default: none; guests/linux/qemu-boot.log is such a log).
--icount also counts guest instructions to the prompt in case b, with a tiny TCG plugin (insn-count.c, built here
with the host cc into a temporary directory) and single-threaded TCG (-accel tcg,thread=single). With 2 harts the
count varies a lot between runs (round-robin TCG lets a hart that spins waiting for the other run a whole time
slice); QEMU's -icount cannot be used instead: on QEMU 7.2 this guest hangs after "Run /sbin/init" with -icount.
Exit status: 0 when every check run passed.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
QEMU = os.environ.get("QEMU", "qemu-system-riscv64")
# QEMU's bundled OpenSBI 1.1 (fw_dynamic), as guests/qemu-run.sh; QEMU_BIOS=/usr/lib/riscv64-linux-gnu/opensbi/
# generic/fw_jump.bin (Debian's opensbi 1.1) works as well.
BIOS = os.environ.get("QEMU_BIOS", "default")
PROMPT = re.compile(r"^# ", re.M)  # PS1='# ' from /etc/profile, at the start of a line
SMP = "2"
BANNER = "tsvisor linux guest: userspace up"


class Guest:
    def __init__(self, extra, append, timeout, plugin=None):
        cmd = [QEMU, "-M", "virt", "-smp", SMP, "-m", "256M", "-nographic", "-no-reboot",
               "-bios", BIOS,
               "-kernel", os.path.join(HERE, "Image")] + extra + ["-append", append]
        if plugin:
            cmd += ["-accel", "tcg,thread=single", "-plugin", plugin[0]]
            self.count_file = plugin[1]
        self.cmd = cmd
        self.timeout = timeout
        self.buf = ""
        self.pos = 0
        self.lock = threading.Condition()
        self.t0 = time.monotonic()
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        while True:
            data = self.p.stdout.read1(4096)
            if not data:
                break
            with self.lock:
                self.buf += data.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "")
                self.lock.notify_all()
        with self.lock:
            self.lock.notify_all()

    def expect(self, what, timeout=None):
        """Wait until `what` (str or compiled regex) appears after the read position; move past it."""
        deadline = time.monotonic() + (timeout or self.timeout)
        with self.lock:
            while True:
                if isinstance(what, str):
                    i = self.buf.find(what, self.pos)
                    m = (i, i + len(what)) if i >= 0 else None
                else:
                    r = what.search(self.buf, self.pos)
                    m = r.span() if r else None
                if m:
                    out = self.buf[self.pos:m[0]]
                    self.pos = m[1]
                    return out
                left = deadline - time.monotonic()
                if left <= 0 or (self.p.poll() is not None and not self.reader.is_alive()):
                    raise TimeoutError("waiting for %r; last output: %r" % (what if isinstance(what, str) else what.pattern,
                                                                           self.buf[-300:]))
                self.lock.wait(min(left, 0.5))

    def send(self, line):
        self.p.stdin.write(line.encode() + b"\r")
        self.p.stdin.flush()

    def run(self, line, timeout=None):
        """Type a command at the prompt; return its output (without the echoed command line)."""
        self.send(line)
        self.expect(line + "\n", timeout)
        return self.expect(PROMPT, timeout)

    def wait_exit(self, timeout=30):
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()
        self.reader.join(2)


class Check:
    def __init__(self, name):
        self.name, self.fails, self.notes = name, [], []

    def ok(self, cond, what):
        if not cond:
            self.fails.append(what)
        return cond

    def report(self):
        print("%s %s%s" % ("PASS" if not self.fails else "FAIL", self.name,
                           "".join("\n    " + n for n in self.notes) +
                           "".join("\n    failed: " + f for f in self.fails)))
        sys.stdout.flush()
        return not self.fails


def boot_to_prompt(g, c):
    g.expect(BANNER)
    g.expect(PROMPT)
    return time.monotonic() - g.t0


def poweroff(g, c):
    g.send("poweroff")
    rc = g.wait_exit(30)
    c.ok(rc is not None, "QEMU exits after poweroff")
    c.ok("reboot: Power down" in g.buf, "kernel prints 'reboot: Power down'")


def check_a(args):
    c = Check("a: initramfs, console=ttyS0 earlycon")
    g = Guest(["-initrd", os.path.join(HERE, "initramfs.cpio.gz")], "console=ttyS0 earlycon", args.timeout)
    try:
        t = boot_to_prompt(g, c)
        c.notes.append("prompt after %.2f s wall" % t)
        c.ok("earlycon: ns16550a0 at MMIO 0x0000000010000000" in g.buf, "earlycon on the ns16550")
        out = g.run("echo answer-$((6*7)); cat /proc/cmdline")
        c.ok("answer-42\n" in out, "shell computes $((6*7))")
        c.ok("console=ttyS0 earlycon" in out, "/proc/cmdline")
        poweroff(g, c)
    except Exception as e:  # noqa: BLE001 - report any failure as FAIL
        c.ok(False, str(e))
    finally:
        g.kill()
    return c.report()


def check_b(args):
    c = Check("b: ext2 root on virtio-blk, console=ttyS0 root=/dev/vda rw")
    drive = ["-drive", "file=%s,format=raw,if=none,id=hd0,snapshot=on" % os.path.join(HERE, "rootfs.ext2"),
             "-device", "virtio-blk-device,drive=hd0"]
    plugin = None
    tmp = None
    if args.icount:
        tmp = tempfile.mkdtemp(prefix="insn-count.")
        so = os.path.join(tmp, "insn-count.so")
        subprocess.check_call(["cc", "-shared", "-fPIC", "-O2", "-o", so, os.path.join(HERE, "insn-count.c"),
                               "-lpthread"])
        cf = os.path.join(tmp, "count")
        plugin = ("%s,out=%s" % (so, cf), cf)
    g = Guest(drive, "console=ttyS0 root=/dev/vda rw", args.timeout, plugin)
    try:
        t = boot_to_prompt(g, c)
        c.notes.append("wall seconds from QEMU start to the shell prompt: %.2f%s" % (t, " (single-threaded TCG with the plugin)" if plugin else ""))
        if plugin:
            counts = []
            for _ in range(3):  # the guest idles at the prompt (WFI, no tick): the count settles
                time.sleep(1.0)
                with open(plugin[1]) as f:
                    counts.append(int(f.read().split()[0]))
            c.notes.append("guest instructions from reset to the shell prompt (all harts, incl. OpenSBI and "
                           "the firmware's reset code): %d; 1 s and 2 s later: +%d, +%d (idle)"
                           % (counts[0], counts[1] - counts[0], counts[2] - counts[0]))
        c.ok("virtio_blk virtio0: [vda] 16384 512-byte logical blocks" in g.buf, "virtio-blk vda is 8 MiB")
        c.ok("VFS: Mounted root (ext2 filesystem) on device 254:0." in g.buf, "kernel mounts the ext2 root")
        out = g.run("mount")
        c.ok(re.search(r"^/dev/(root|vda) on / type ext2 \(rw", out, re.M) is not None, "/ is ext2 rw: %r" % out)
        # (commands stay shorter than the 80-column line editor, which would wrap them)
        g.run("echo written-$((2+3)) > /root/t.txt; sync")
        out = g.run("cat /root/t.txt; rm /root/t.txt; ls /root | wc -l")
        c.ok(out.split() == ["written-5", "0"], "write, read back and remove a file: %r" % out)
        poweroff(g, c)
        c.ok("remounted read-only" in g.buf or "EXT2-fs" not in g.buf.split("poweroff", 1)[-1],
             "root remounted read-only at shutdown")
    except Exception as e:  # noqa: BLE001
        c.ok(False, str(e))
    finally:
        g.kill()
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    return c.report()


def check_c(args):
    c = Check("c: console=hvc0 earlycon=sbi (SBI console)")
    g = Guest(["-initrd", os.path.join(HERE, "initramfs.cpio.gz")], "console=hvc0 earlycon=sbi", args.timeout)
    try:
        boot_to_prompt(g, c)
        c.ok("earlycon: sbi0 at I/O port 0x0" in g.buf, "earlycon=sbi")
        c.ok("printk: console [hvc0] enabled" in g.buf, "hvc0 console")
        out = g.run("echo typed-$((3*3)); tty; cat /sys/class/tty/console/active")
        c.ok(out.split() == ["typed-9", "/dev/hvc0", "hvc0"], "answers typed input on hvc0: %r" % out)
        poweroff(g, c)
    except Exception as e:  # noqa: BLE001
        c.ok(False, str(e))
    finally:
        g.kill()
    return c.report()


def check_d(args):
    c = Check("d: uname, cpuinfo, interrupts, mount, /dev, date, poweroff (ttyS0)")
    g = Guest(["-initrd", os.path.join(HERE, "initramfs.cpio.gz")], "console=ttyS0", args.timeout)
    try:
        boot_to_prompt(g, c)
        out = g.run("uname -a")
        c.ok(out.startswith("Linux tsvisor 6.1.") and "riscv64" in out, "uname -a: %r" % out)
        out = g.run("cat /proc/cpuinfo")
        c.ok(re.findall(r"^processor\s*: (\d+)", out, re.M) == ["0", "1"], "2 CPUs in /proc/cpuinfo")
        c.ok("isa\t\t: rv64imafdc" in out, "isa rv64imafdc")
        out = g.run("cat /proc/interrupts")
        lines = out.splitlines()
        timer = [l for l in lines if re.search(r"RISC-V INTC\s+5\s", l)]
        c.ok(len(timer) == 1 and all(int(x) > 0 for x in timer[0].split()[1:3]),
             "timer interrupts (INTC 5) on both CPUs: %r" % timer)
        c.ok(len([l for l in lines if re.match(r"\s*IPI\d:", l)]) >= 5, "IPI lines")
        uart = [l for l in lines if "ttyS0" in l]
        c.ok(len(uart) == 1 and "SiFive PLIC  10 " in uart[0], "UART on PLIC interrupt 10: %r" % uart)
        out = g.run("mount")
        c.ok("proc on /proc type proc" in out and "devtmpfs on /dev type devtmpfs" in out, "mounts")
        out = g.run("ls /dev")
        c.ok(all(d in out.split() for d in ("console", "null", "ttyS0", "hvc0", "rtc0")), "/dev nodes")
        out = g.run("date +%s; date")
        guest = int(out.split()[0])
        c.ok(abs(guest - time.time()) < 600, "date from the RTC within 10 minutes of the host (guest %d)" % guest)
        c.ok("goldfish_rtc 101000.rtc: setting system clock to" in g.buf, "RTC sets the system clock")
        poweroff(g, c)
    except Exception as e:  # noqa: BLE001
        c.ok(False, str(e))
    finally:
        g.kill()
        if args.log:
            with open(args.log, "w") as f:
                f.write(g.buf)
    return c.report()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--log", help="write the console log of check d here")
    ap.add_argument("--timeout", type=float, default=120, help="seconds per expected output (default 120)")
    ap.add_argument("--only", default="a,b,c,d")
    ap.add_argument("--icount", action="store_true", help="count instructions to the prompt in check b")
    ap.add_argument("--smp", default="2", help="harts (default 2; checks c and d expect 2)")
    args = ap.parse_args()
    global SMP
    SMP = args.smp
    checks = {"a": check_a, "b": check_b, "c": check_c, "d": check_d}
    res = [checks[k](args) for k in args.only.split(",")]
    print("%d passed, %d failed" % (res.count(True), res.count(False)))
    sys.exit(0 if all(res) else 1)


if __name__ == "__main__":
    main()
