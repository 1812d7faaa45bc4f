#!/bin/sh
# Rebuild the generator guest and regenerate ../vectors.txt (needs riscv64-unknown-elf-gcc and
# qemu-system-riscv64; the tests themselves need neither).
set -eu
cd "$(dirname "$0")"
CC=${CC:-riscv64-unknown-elf-gcc}
$CC -march=rv64gc -mabi=lp64d -mcmodel=medany -nostdlib -ffreestanding -fno-builtin -O2 -Wall -Wextra \
    -Wno-unused-function -Wl,--no-warn-rwx-segments -T link.ld -o gen.elf start.S main.c -lgcc
if [ "${1:-}" = "--build-only" ]; then exit 0; fi
timeout 1200 qemu-system-riscv64 -M virt -nographic -monitor none -serial stdio -bios default -kernel gen.elf \
    | tr -d '\r' | sed -n '/^BEGIN-FPU-VECTORS$/,/^END-FPU-VECTORS$/p' | sed '1d;$d' > ../vectors.txt.tmp
tail -n 1 ../vectors.txt.tmp | grep -q '^# vectors ' || { echo "generator output incomplete" >&2; exit 1; }
mv ../vectors.txt.tmp ../vectors.txt
ls -l ../vectors.txt
