#!/usr/bin/env bash
# Rebuilds redirect.bpf.o, the eBPF object the Linux redirector loads, and puts it where the jar picks it up.
# Needs clang and libbpf-dev (Debian/Ubuntu: apt-get install clang libbpf-dev). Users never run this: the
# object is committed. No vmlinux.h is needed: the two kernel structs read are declared in the source with
# preserve_access_index, and libbpf relocates them against the running kernel's BTF at load time.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../resources/dev/apptap/redirector/linux/redirect.bpf.o"
arch_include="/usr/include/$(gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)"
clang -O2 -g -target bpf -Wall -Werror -I"$arch_include" -c "$here/redirect.bpf.c" -o "$out.tmp"
# Strip DWARF (keeps BTF/.BTF.ext, which libbpf needs) so the committed object stays small and reproducible.
if command -v llvm-strip >/dev/null 2>&1; then
  llvm-strip -g "$out.tmp"
fi
mv "$out.tmp" "$out"
echo "wrote $out"
