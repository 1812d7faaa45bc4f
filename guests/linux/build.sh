#!/bin/bash
# Reproducible build of the tsvisor Linux guest: a small Linux 6.1 kernel (Debian's linux-source-6.1) and a
# static BusyBox 1.35 userspace (Debian's busybox source package).
#
#   guests/linux/build.sh [--clean] [--no-install] [BUILD_DIR]
#
# BUILD_DIR defaults to guests/linux/build (gitignored). Steps whose outputs exist are skipped; the kernel is
# reconfigured and rebuilt when config.fragment changed; --clean deletes BUILD_DIR first and rebuilds all.
# Outputs, copied next to this script (they are committed):
#   Image              the kernel, uncompressed (load at 0x80200000, a1 = DTB)
#   initramfs.cpio.gz  the userspace as a gzip'd newc cpio (pass with -initrd)
#   rootfs.ext2        the same userspace as an 8 MiB ext2 disk image (virtio-blk, root=/dev/vda)
# Needs Debian bookworm and root for apt (only to install missing packages and to fetch the BusyBox source).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CLEAN=0
INSTALL=1
BUILD=
for a in "$@"; do
  case "$a" in
    --clean) CLEAN=1 ;;
    --no-install) INSTALL=0 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    -*) echo "build.sh: unknown option $a" >&2; exit 2 ;;
    *) BUILD=$a ;;
  esac
done
BUILD=${BUILD:-$HERE/build}
mkdir -p "$BUILD"
BUILD=$(cd "$BUILD" && pwd)
if [ "$CLEAN" = 1 ]; then
  # only a directory that is empty or holds nothing but this script's own build products
  for e in "$BUILD"/* "$BUILD"/.[!.]*; do
    [ -e "$e" ] || continue
    case "${e##*/}" in
      linux-source-6.1|busybox-1.35.0|busybox_*|src|rootfs|applets.txt|*.cpio|*.cpio.gz|*.ext2|*.list|*.config|debugfs.*|sha256sums) ;;
      *) echo "build.sh: --clean: $BUILD holds $e, which build.sh did not make; not deleting" >&2; exit 1 ;;
    esac
  done
  echo "== clean $BUILD"
  rm -rf "${BUILD:?}"/*
fi

# --- fixed inputs for reproducibility ---
export SOURCE_DATE_EPOCH=1704067200                  # 2024-01-01 00:00:00 UTC
export KBUILD_BUILD_TIMESTAMP="2024-01-01 00:00:00 UTC"
export KBUILD_BUILD_USER=tsvisor KBUILD_BUILD_HOST=tsvisor KBUILD_BUILD_VERSION=1
export KCONFIG_NOTIMESTAMP=1
export E2FSPROGS_FAKE_TIME=$SOURCE_DATE_EPOCH
export TZ=UTC LC_ALL=C
umask 022
FS_UUID=7a5e1150-0000-4000-8000-000000000001
FS_HASH_SEED=7a5e1150-0000-4000-8000-000000000002
ROOTFS_SIZE=8M
JOBS=${JOBS:-$(nproc)}
CROSS=riscv64-linux-gnu-
KSRC=$BUILD/linux-source-6.1
BBSRC=$BUILD/busybox-1.35.0
ROOT=$BUILD/rootfs
log() { echo "== $*"; }
die() { echo "build.sh: $*" >&2; exit 1; }

# --- 0. host packages and the BusyBox source ---
PKGS="gcc-riscv64-linux-gnu libc6-dev-riscv64-cross linux-source-6.1 bc flex bison libssl-dev cpio dpkg-dev
      e2fsprogs xz-utils gzip make"
missing=
for p in $PKGS; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"; done
if [ -n "$missing" ]; then
  [ "$INSTALL" = 1 ] || die "missing packages:$missing"
  log "apt-get install$missing"
  apt-get update -qq && apt-get install -y -qq $missing
fi

if [ ! -f "$BBSRC/.tsvisor-extracted" ]; then
  mkdir -p "$BUILD/src"
  if ! ls "$BUILD"/src/busybox_1.35.0-*.dsc >/dev/null 2>&1; then
    if ! apt-cache showsrc busybox 2>/dev/null | grep -q '^Package: busybox'; then
      [ "$INSTALL" = 1 ] || die "no deb-src entry for bookworm main (needed for apt-get source busybox)"
      # Copy the mirror of the bookworm binary entry into a deb-src entry.
      uri=$(grep -rhs '^URIs:' /etc/apt/sources.list.d/debian.sources | head -1 | awk '{print $2}')
      uri=${uri:-http://deb.debian.org/debian}
      log "adding deb-src $uri bookworm main"
      cat > /etc/apt/sources.list.d/debian-src.sources <<EOF
Types: deb-src
URIs: $uri
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
      apt-get update -qq
    fi
    log "apt-get source busybox"
    (cd "$BUILD/src" && apt-get source --download-only busybox 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
  fi
  dsc=$(ls "$BUILD"/src/busybox_1.35.0-*.dsc 2>/dev/null | tail -1)
  [ -n "$dsc" ] || die "apt-get source busybox did not give BusyBox 1.35.0 ($(ls "$BUILD/src"))"
  rm -rf "$BBSRC"
  (cd "$BUILD" && dpkg-source --no-check -x "$dsc" "$BBSRC" >/dev/null)
  basename "$dsc" > "$BBSRC/.tsvisor-extracted"
fi

# --- 1. kernel ---
if [ ! -f "$KSRC/.tsvisor-extracted" ]; then
  log "extract /usr/src/linux-source-6.1.tar.xz"
  rm -rf "$KSRC"
  tar -C "$BUILD" -xf /usr/src/linux-source-6.1.tar.xz
  dpkg-query -W -f='${Version}\n' linux-source-6.1 > "$KSRC/.tsvisor-extracted"
fi
kmake() { make -C "$KSRC" ARCH=riscv CROSS_COMPILE=$CROSS KCFLAGS="-ffile-prefix-map=$BUILD/=" "$@"; }

check_config() {  # every line of the fragment must hold in the final .config
  local cfg=$1 frag=$2 bad=0 line name
  while IFS= read -r line; do
    case "$line" in
      CONFIG_*=*)
        grep -qxF -- "$line" "$cfg" || { echo "config check: want '$line', have '$(grep -E "^(# )?${line%%=*}[= ]" "$cfg" || echo unset)'" >&2; bad=1; } ;;
      "# CONFIG_"*" is not set")
        name=${line#\# }; name=${name%% *}
        if grep -qE "^$name=" "$cfg"; then echo "config check: want $name unset, have '$(grep -E "^$name=" "$cfg")'" >&2; bad=1; fi ;;
    esac
  done < "$frag"
  [ "$bad" = 0 ] || die "config.fragment is not fully honoured by $cfg (a dependency is missing?)"
}

if ! cmp -s "$HERE/config.fragment" "$KSRC/.tsvisor-fragment" || [ ! -f "$KSRC/.config" ]; then
  log "configure kernel: tinyconfig + config.fragment + olddefconfig"
  rm -f "$KSRC/arch/riscv/boot/Image"
  kmake -s tinyconfig
  (cd "$KSRC" && ARCH=riscv CROSS_COMPILE=$CROSS scripts/kconfig/merge_config.sh -m .config "$HERE/config.fragment" >/dev/null)
  kmake -s olddefconfig
  cp "$HERE/config.fragment" "$KSRC/.tsvisor-fragment"
fi
check_config "$KSRC/.config" "$HERE/config.fragment"
if [ ! -f "$KSRC/arch/riscv/boot/Image" ]; then
  log "build kernel Image (-j$JOBS)"
  kmake -j"$JOBS" Image
fi
cp "$KSRC/.config" "$BUILD/kernel.config"

# --- 2. BusyBox (static) ---
# BusyBox: defconfig, static, minus these. Everything in defconfig builds against Debian's 6.1 uapi headers
# (tc too: it breaks only with >= 6.3 headers, which dropped CBQ; add "TC FEATURE_TC_INGRESS" here then).
# ls colours would put escape sequences into every test's ls output.
BB_OFF="FEATURE_LS_COLOR_IS_DEFAULT"
BB_SPEC="defconfig STATIC=y EXTRA_CFLAGS=-ffile-prefix-map off:$BB_OFF"
bbmake() { make -C "$BBSRC" CROSS_COMPILE=$CROSS "$@"; }
if [ ! -f "$BBSRC/busybox" ] || [ "$(cat "$BBSRC/.tsvisor-spec" 2>/dev/null)" != "$BB_SPEC" ]; then
  log "configure BusyBox: $BB_SPEC"
  rm -f "$BBSRC/busybox" "$BBSRC/.tsvisor-spec"
  bbmake -s defconfig >/dev/null
  sed -i -e 's/^# CONFIG_STATIC is not set$/CONFIG_STATIC=y/' \
         -e 's|^CONFIG_EXTRA_CFLAGS=.*|CONFIG_EXTRA_CFLAGS="-ffile-prefix-map='"$BUILD"'/="|' "$BBSRC/.config"
  for o in $BB_OFF; do sed -i "s/^CONFIG_$o=y$/# CONFIG_$o is not set/" "$BBSRC/.config"; done
  { yes '' || true; } | bbmake -s oldconfig >/dev/null
  grep -qx 'CONFIG_STATIC=y' "$BBSRC/.config" || die "BusyBox CONFIG_STATIC not set"
  for o in $BB_OFF; do grep -q "^CONFIG_$o=y" "$BBSRC/.config" && die "BusyBox CONFIG_$o still set"; done
  log "build BusyBox (-j$JOBS)"
  bbmake -j"$JOBS" busybox
  echo "$BB_SPEC" > "$BBSRC/.tsvisor-spec"
fi
cp "$BBSRC/.config" "$BUILD/busybox.config"

# --- 3. the userspace tree ---
log "assemble rootfs tree"
rm -rf "$ROOT"
mkdir -p "$ROOT"
bbmake -s CONFIG_PREFIX="$ROOT" install >/dev/null
rm -f "$ROOT/linuxrc"
mkdir -p "$ROOT"/{dev,proc,sys,tmp,root,mnt,etc/init.d,usr/bin,usr/sbin}
chmod 1777 "$ROOT/tmp"
chmod 0700 "$ROOT/root"
ln -s bin/busybox "$ROOT/init"     # initramfs: the kernel runs /init; BusyBox sees argv[0] "init"
cp "$HERE/rootfs/inittab" "$HERE/rootfs/profile" "$HERE/rootfs/passwd" "$HERE/rootfs/group" "$ROOT/etc/"
cp "$HERE/rootfs/rcS" "$ROOT/etc/init.d/rcS"
chmod 0755 "$ROOT/etc/init.d/rcS"
echo tsvisor > "$ROOT/etc/hostname"
find "$ROOT" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
(cd "$ROOT" && find bin sbin usr -type l -printf '%f\n' | sort) > "$HERE/applets.txt"

# --- 4. initramfs: newc cpio written by the kernel's gen_init_cpio (no root needed for /dev nodes) ---
log "pack initramfs.cpio.gz"
LIST=$BUILD/initramfs.list
{
  echo "nod /dev/console 0600 0 0 c 5 1"
  echo "nod /dev/null 0666 0 0 c 1 3"
  (cd "$ROOT" && find . -mindepth 1 | sed 's|^\./||' | sort) | while IFS= read -r p; do
    f=$ROOT/$p
    m=$(stat -c %a "$f")
    if [ -L "$f" ]; then echo "slink /$p $(readlink "$f") 0777 0 0"
    elif [ -d "$f" ]; then echo "dir /$p 0$m 0 0"
    else echo "file /$p $f 0$m 0 0"
    fi
  done
} > "$LIST"
# dir /dev must precede its nodes: gen_init_cpio writes entries in list order
{ grep '^dir /dev ' "$LIST"; grep -v '^dir /dev ' "$LIST"; } > "$LIST.tmp" && mv "$LIST.tmp" "$LIST"
"$KSRC/usr/gen_init_cpio" -t "$SOURCE_DATE_EPOCH" "$LIST" > "$BUILD/initramfs.cpio"
gzip -n -9 -c "$BUILD/initramfs.cpio" > "$BUILD/initramfs.cpio.gz"

# --- 5. ext2 root disk (no root needed: ownership and times are forced afterwards with debugfs) ---
log "make rootfs.ext2 ($ROOTFS_SIZE)"
rm -f "$BUILD/rootfs.ext2"
mke2fs -q -F -t ext2 -b 1024 -m 0 -L tsvisor-root -U "$FS_UUID" \
  -E "hash_seed=$FS_HASH_SEED,root_owner=0:0" -d "$ROOT" "$BUILD/rootfs.ext2" "$ROOTFS_SIZE" >/dev/null
# mke2fs -d copies each file's uid/gid and its ctime (which touch cannot set); pin them.
T=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y%m%d%H%M%S)
(cd "$ROOT" && find . | sed 's|^\.||; s|^$|/|' | sort) | while IFS= read -r p; do
  for fld in uid gid atime mtime ctime; do
    case $fld in uid|gid) v=0 ;; *) v=$T ;; esac
    printf 'sif "%s" %s %s\n' "$p" "$fld" "$v"
  done
done > "$BUILD/debugfs.cmds"
debugfs -w -f "$BUILD/debugfs.cmds" "$BUILD/rootfs.ext2" >/dev/null 2>"$BUILD/debugfs.err" || { cat "$BUILD/debugfs.err" >&2; die "debugfs failed"; }
if grep -v '^debugfs ' "$BUILD/debugfs.err" | grep -q .; then cat "$BUILD/debugfs.err" >&2; die "debugfs reported errors"; fi
e2fsck -fn "$BUILD/rootfs.ext2" >/dev/null 2>&1 || die "e2fsck found problems in rootfs.ext2"

# --- 6. outputs ---
cp "$KSRC/arch/riscv/boot/Image" "$HERE/Image"
cp "$BUILD/initramfs.cpio.gz" "$HERE/initramfs.cpio.gz"
cp "$BUILD/rootfs.ext2" "$HERE/rootfs.ext2"
(cd "$HERE" && sha256sum Image initramfs.cpio.gz rootfs.ext2 | tee "$BUILD/sha256sums")
log "done"
