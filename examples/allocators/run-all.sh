#!/bin/sh
# Run alloc.c under the five allocators, each under strace. Needs gcc, musl-tools, strace,
# libjemalloc2, libtcmalloc-minimal4 and libmimalloc2.0 (Debian 12 package names).
set -eu
cd "$(dirname "$0")"
lib=/usr/lib/x86_64-linux-gnu
gcc -Wall -Werror alloc.c -o alloc
musl-gcc -static -Wall -Werror alloc.c -o alloc-musl
trace() { strace -e trace=brk,mmap,munmap "$@" 2>&1; }
echo "== glibc";    trace ./alloc
echo "== musl";     setarch -R strace -e trace=brk,mmap,munmap ./alloc-musl 2>&1
echo "== jemalloc"; trace -E LD_PRELOAD=$lib/libjemalloc.so.2 ./alloc
echo "== tcmalloc"; trace -E LD_PRELOAD=$lib/libtcmalloc_minimal.so.4 ./alloc
echo "== mimalloc"; trace -E LD_PRELOAD=$lib/libmimalloc.so.2 ./alloc
