#!/bin/sh
# Run a guest ELF on the reference machine: qemu-system-riscv64 -M virt with its bundled OpenSBI.
#   guests/qemu-run.sh <elf> [timeout-seconds]     (default timeout 60)
# Prints the guest output from its "== name ==" line on (OpenSBI banner dropped, CR stripped).
# QEMU_EXTRA adds QEMU options (e.g. QEMU_EXTRA="-icount shift=0").
# Exit status: 0 = the guest passed, 1 = it failed, 124 = timeout (QEMU killed).
# The verdict needs both: QEMU exited 0 via SBI SRST *and* the last line is "PASS <name> ...". (On QEMU 7.2 +
# OpenSBI 1.1, SRST shutdown goes through the syscon-poweroff driver, which exits QEMU with 0 whatever the
# reason, so the exit code alone cannot tell a failure; see README.md.)
set -u
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: $0 <elf> [timeout-seconds]" >&2
    exit 2
fi
elf=$1
limit=${2:-60}
[ -f "$elf" ] || { echo "$0: no such file: $elf" >&2; exit 2; }

raw=$(mktemp)
err=$(mktemp)
trap 'rm -f "$raw" "$err"' EXIT INT TERM
# A program's own QEMU options, after the default "-smp 1" (a later -smp wins): tests/<name>/qemu.args, read as
# shell words (quotes work; lines starting with # are comments; $TESTDIR is the program's directory, for files it
# names), e.g. "-smp 4" or "-global virtio-mmio.force-legacy=false -device virtio-blk-device,drive=d0 ...".
name=$(basename "$elf" .elf)
TESTDIR=$(cd "$(dirname "$0")" && pwd)/tests/$name
set -- -smp 1
if [ -f "$TESTDIR/qemu.args" ]; then
    eval "set -- \"\$@\" $(grep -v '^[[:space:]]*#' "$TESTDIR/qemu.args" | tr '\n' ' ')"
fi
# shellcheck disable=SC2086
timeout -k 5 "$limit" qemu-system-riscv64 -M virt "$@" -m 128M -nographic -bios default \
    -nic none ${QEMU_EXTRA:-} -kernel "$elf" </dev/null >"$raw" 2>"$err"
rc=$?

tr -d '\r' <"$raw" | sed -n '/^== /,$p'
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
    echo "TIMEOUT after ${limit}s"
    grep -v 'terminating on signal' "$err" >&2
    exit 124
fi
last=$(tr -d '\r' <"$raw" | sed -n '/^== /,$p' | tail -n 1)
case $last in
    "PASS "*) [ $rc -eq 0 ] && exit 0 ;;
esac
[ $rc -ne 0 ] && { echo "qemu exit status $rc" >&2; cat "$err" >&2; }
exit 1
