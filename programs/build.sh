#!/bin/sh
# Build faultline's guest programs: programs/src/* -> OUT (default programs/bin).
# Usage: programs/build.sh [OUT]
# The binaries are committed; this script is run by hand after changing a
# source, and by test/programs/programs.test.ts, which rebuilds into a temporary
# folder and checks the result is byte-identical when the toolchain is the
# one named in programs/TOOLCHAIN (otherwise it only checks that it builds).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/bin}
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

CC=${CC:-gcc}
# The flags the issue names, plus: no unwind tables or build-id (smaller,
# and nothing that varies between builds), no CET notes (endbr64 is fine but
# the property note would be noise).
CFLAGS="-O2 -static -nostdlib -ffreestanding -fno-pic -no-pie -fno-stack-protector \
 -mgeneral-regs-only -fno-asynchronous-unwind-tables -fcf-protection=none -Wall -Werror"
PIEFLAGS="-O2 -static-pie -nostdlib -ffreestanding -fPIE -fno-stack-protector \
 -mgeneral-regs-only -fno-asynchronous-unwind-tables -fcf-protection=none -Wall -Werror"
LDFLAGS="-Wl,--build-id=none"

# Hand-written assembly: no start file, no library.
for name in hello compute_loop; do
	$CC $CFLAGS $LDFLAGS -o "$out/$name" "$here/src/$name.S"
done

# Freestanding C: crt0 + the tiny library.
$CC $CFLAGS -c -o "$tmp/crt0.o" "$here/lib/crt0.S"
$CC $CFLAGS -c -o "$tmp/sys.o" "$here/lib/sys.c"
for name in touch_write touch_read_then_write stack_grow brk_grow mmap_churn \
	segv_null segv_readonly trap mem_sum sort hashtable sha256 matmul sieve \
	upcase syscall_probe files_probe stack_dump signals fork_cow file_sum thrash numa_demo; do
	$CC $CFLAGS $LDFLAGS -o "$out/$name" "$tmp/crt0.o" "$here/src/$name.c" "$tmp/sys.o"
done

# The static PIE: everything position-independent, and no dynamic
# relocations allowed (nothing here would apply them).
$CC $PIEFLAGS -c -o "$tmp/crt0-pie.o" "$here/lib/crt0.S"
$CC $PIEFLAGS -c -o "$tmp/sys-pie.o" "$here/lib/sys.c"
for pair in pie_hello:pie_hello stack_dump_pie:stack_dump; do
	name=${pair%%:*}
	$CC $PIEFLAGS $LDFLAGS -o "$out/$name" "$tmp/crt0-pie.o" "$here/src/${pair#*:}.c" "$tmp/sys-pie.o"
	if readelf -r "$out/$name" | grep -q '^ *[0-9a-f]\{12\}'; then
		echo "build.sh: $name has dynamic relocations" >&2
		readelf -r "$out/$name" >&2
		exit 1
	fi
done
