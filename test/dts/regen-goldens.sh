#!/usr/bin/env bash
# Regenerate the dtc golden outputs for the src/dts compiler tests.
#
# Usage (from anywhere; the script cd's to the repo root):
#   test/dts/regen-goldens.sh
#
# Requires dtc 1.6.1 (Debian/Ubuntu package device-tree-compiler) on PATH,
# and node (only to write test/dts/malformed/expected.json).
#
# For every test/dts/fixtures/<name>.dts it writes into test/dts/golden/:
#   <name>.dtb      dtc -I dts -O dtb
#   <name>.stderr   dtc's stderr from that same dts->dtb run (may be empty)
#   <name>.dts      dtc -I dts -O dts
#   <name>.sym.dtb  dtc -@ -I dts -O dtb
#   <name>.rt.dts   dtc -I dtb -O dts of <name>.dtb (the DTB->DTS form)
# If line 1 of the fixture is `// dtc-flags: <flags...>`, those flags are
# added to every dtc invocation for that fixture (including the .rt.dts one).
#
# All commands run with the repo root as cwd, the fixture given as
# test/dts/fixtures/<name>.dts and `-i test/dts/fixtures`, so file names in
# <name>.stderr look like `test/dts/fixtures/<name>.dts:12.3-20: Warning ...`
# and, for messages without a source position, `test/dts/golden/<name>.dtb:`.
# /include/ and /incbin/ resolve relative to the including file's directory
# first and then the -i directory, exactly as dtc does.
#
# It also re-derives test/dts/malformed/expected.json by running
#   dtc -i test/dts/malformed -I dts -O dtb -o /dev/null test/dts/malformed/<file>
# on every malformed input and failing if dtc unexpectedly accepts one.
set -euo pipefail

export LC_ALL=C

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

FIX=test/dts/fixtures
GOLD=test/dts/golden
BAD=test/dts/malformed

if ! command -v dtc >/dev/null 2>&1; then
	echo "regen-goldens: dtc not found (need dtc 1.6.1)" >&2
	exit 1
fi
ver="$(dtc --version 2>&1 | head -n1)"
if ! [[ "$ver" =~ [[:space:]]1\.6\.1([^0-9]|$) ]]; then
	echo "regen-goldens: need dtc 1.6.1, found: $ver" >&2
	exit 1
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# run STDERR-FILE DTC-ARGS...: run dtc, keep its stderr in STDERR-FILE, and
# abort (showing that stderr) if it fails.
run() {
	local errfile="$1"
	shift
	if ! dtc "$@" 2>"$errfile"; then
		echo "regen-goldens: FAILED: dtc $*" >&2
		cat "$errfile" >&2
		exit 1
	fi
}

rm -rf "$GOLD"
mkdir -p "$GOLD"

count=0
for src in "$FIX"/*.dts; do
	name="$(basename "$src" .dts)"
	flags=()
	first="$(head -n1 "$src")"
	if [[ "$first" =~ ^//[[:space:]]*dtc-flags:(.*)$ ]]; then
		read -r -a flags <<<"${BASH_REMATCH[1]}"
	fi
	common=(${flags[@]+"${flags[@]}"} -i "$FIX")

	run "$GOLD/$name.stderr" "${common[@]}" -I dts -O dtb -o "$GOLD/$name.dtb" "$src"
	run "$tmp/err" "${common[@]}" -I dts -O dts -o "$GOLD/$name.dts" "$src"
	run "$tmp/err" "${common[@]}" -@ -I dts -O dtb -o "$GOLD/$name.sym.dtb" "$src"
	run "$tmp/err" "${common[@]}" -I dtb -O dts -o "$GOLD/$name.rt.dts" "$GOLD/$name.dtb"
	count=$((count + 1))
done
echo "regen-goldens: $count fixtures -> $GOLD"

# ---- malformed inputs -------------------------------------------------------
: >"$tmp/results.tsv"
nbad=0
for src in "$BAD"/*.dts; do
	file="$(basename "$src")"
	rc=0
	dtc -i "$BAD" -I dts -O dtb -o /dev/null "$src" 2>"$tmp/err" >/dev/null || rc=$?
	if [[ $rc -eq 0 ]]; then
		echo "regen-goldens: dtc unexpectedly accepted $src" >&2
		exit 1
	fi
	# file <TAB> exit code <TAB> first stderr line
	printf '%s\t%s\t%s\n' "$file" "$rc" "$(head -n1 "$tmp/err")" >>"$tmp/results.tsv"
	nbad=$((nbad + 1))
done

node - "$tmp/results.tsv" "$BAD/expected.json" <<'EOF'
const fs = require("fs");
const [tsv, out] = process.argv.slice(2);
const result = {};
for (const row of fs.readFileSync(tsv, "utf8").split("\n")) {
  if (!row) continue;
  const [file, code, ...rest] = row.split("\t");
  const stderr = rest.join("\t");
  // dtc source positions look like `path:LINE.COL-COL` or
  // `path:LINE.COL-LINE.COL`; messages without one (FATAL ERROR: Couldn't
  // open ..., `<outfile>: ERROR (...)`) get line null.
  const m = /(?:^|\s)[^\s:]+:(\d+)\.\d+/.exec(stderr);
  result[file] = { dtcExit: Number(code), dtcStderr: stderr, line: m ? Number(m[1]) : null };
}
fs.writeFileSync(out, JSON.stringify(result, null, 2) + "\n");
EOF
echo "regen-goldens: $nbad malformed inputs -> $BAD/expected.json"

# ---- reliability reproducers -----------------------------------------------
# test/dts/repro/*.dts (from the fuzzing campaign of issue 18): what dtc 1.6.1 makes of each, after GCC's cpp
# as Linux runs it when the file has preprocessor directives. Writes golden/repro/<name>.dtb when dtc accepts
# the file, golden/repro/<name>.rejected (dtc's stderr) when it does not.
REPRO=test/dts/repro
mkdir -p "$GOLD/repro"
nrep=0
for src in "$REPRO"/*.dts; do
	name="$(basename "$src" .dts)"
	input="$src"
	if grep -qE '^[[:space:]]*#[[:space:]]*(include|define|if|ifdef|ifndef|undef)\b' "$src"; then
		cpp -nostdinc -undef -D__DTS__ -x assembler-with-cpp "$src" >"$tmp/$name.pp"
		input="$tmp/$name.pp"
	fi
	if dtc -q -i "$REPRO" -I dts -O dtb -o "$GOLD/repro/$name.dtb" "$input" 2>"$tmp/err"; then
		:
	else
		rm -f "$GOLD/repro/$name.dtb"
		cp "$tmp/err" "$GOLD/repro/$name.rejected"
	fi
	nrep=$((nrep + 1))
done
echo "regen-goldens: $nrep reproducers -> $GOLD/repro"

# ---- DTB versions ------------------------------------------------------------
# For a few fixtures, dtc -V N for every version dtc writes other than 17 (1, 2, 3, 16):
#   golden/versions/<name>.v<N>.dtb   dtc -V N -I dts -O dtb
#   golden/versions/<name>.v<N>.dts   dtc -I dtb -O dts of that blob (how dtc reads it back)
VERS=(minimal riscv-virt memreserve strings-lists name-prop)
mkdir -p "$GOLD/versions"
for name in "${VERS[@]}"; do
	for v in 1 2 3 16; do
		run "$tmp/err" -i "$FIX" -V "$v" -I dts -O dtb -o "$GOLD/versions/$name.v$v.dtb" "$FIX/$name.dts"
		run "$tmp/err" -I dtb -O dts -o "$GOLD/versions/$name.v$v.dts" "$GOLD/versions/$name.v$v.dtb"
	done
done
echo "regen-goldens: ${#VERS[@]} fixtures x 4 DTB versions -> $GOLD/versions"

# ---- DTB inputs dtc cannot make from DTS (test/dts/fixtures-dtb) -------------
#   golden/dtb/<name>.dts and <name>.dtb: dtc -I dtb -O dts / -O dtb, or <name>.rejected (dtc's stderr)
DTBIN=test/dts/fixtures-dtb
mkdir -p "$GOLD/dtb"
for src in "$DTBIN"/*.dtb; do
	name="$(basename "$src" .dtb)"
	if dtc -q -I dtb -O dts -o "$GOLD/dtb/$name.dts" "$src" 2>"$tmp/err"; then
		run "$tmp/err" -q -I dtb -O dtb -o "$GOLD/dtb/$name.dtb" "$src"
	else
		rm -f "$GOLD/dtb/$name.dts"
		cp "$tmp/err" "$GOLD/dtb/$name.rejected"
	fi
done
echo "regen-goldens: DTB inputs -> $GOLD/dtb"

# ---- other output formats and -d ---------------------------------------------
#   golden/formats/<name>.S     dtc -O asm
#   golden/formats/<name>.yaml  dtc -O yaml
#   golden/formats/<name>.d     dtc -d (make dependencies), output to /dev/null
FMT="$GOLD/formats"
mkdir -p "$FMT"
for name in minimal riscv-virt labels-in-values labels-multiple memreserve phandle-refs; do
	run "$tmp/err" -i "$FIX" -I dts -O asm -o "$FMT/$name.S" "$FIX/$name.dts"
done
run "$tmp/err" -i "$FIX" -V 1 -I dts -O asm -o "$FMT/riscv-virt.v1.S" "$FIX/riscv-virt.dts"
for name in riscv-virt bytestrings cells-bits phandle-refs prop-names empty-props; do
	run "$tmp/err" -i "$FIX" -I dts -O yaml -o "$FMT/$name.yaml" "$FIX/$name.dts"
done
for name in include-basic include-in-node incbin; do
	run "$tmp/err" -i "$FIX" -d "$FMT/$name.d" -I dts -O dtb -o /dev/null "$FIX/$name.dts"
done
for name in include-basic include-in-node merge-root-blocks merge-label-ref delete-first-body riscv-virt; do
	run "$tmp/err" -i "$FIX" -T -I dts -O dts -o "$FMT/$name.T.dts" "$FIX/$name.dts"
done
echo "regen-goldens: asm, yaml, -T and dependency outputs -> $FMT"
