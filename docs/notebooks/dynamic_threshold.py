# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # The dynamic threshold, step by step
#
# glibc serves a request with its own `mmap()` when the request is at least
# `mmap_threshold` bytes (128 KiB to start with) and the top chunk cannot serve it. The
# threshold moves: when a program frees an mmapped chunk that is at least as big as the
# threshold and smaller than 32 MiB, glibc raises the threshold to that chunk's size and sets
# `trim_threshold` to twice as much (`__libc_free` in glibc 2.36's `malloc/malloc.c`). The
# [dynamic threshold](../../policy/dynamic-threshold/) page has the reasons and a live
# `strace`. This notebook follows the rule in the [simulator](../../simulator/), which
# is checked against the real glibc operation by operation.
#
# ## The same request twice
#
# For each size, allocate a block, free it, and allocate the same size again.

# %%
from brkdoc.sim import Heap


def twice(heap: Heap, size: int) -> tuple[str, str]:
    """Allocate `size` bytes, free them, allocate again: where each block came from."""
    first = heap.malloc(size)
    first_where = "mmap" if heap.is_mmapped(first) else "heap"
    heap.free(first)
    second = heap.malloc(size)
    second_where = "mmap" if heap.is_mmapped(second) else "heap"
    heap.free(second)
    return first_where, second_where


heap = Heap()
print(f"{'request':>12} {'first':>6} {'second':>7} {'threshold after':>16} {'break':>10}")
for size in [200_000, 1 << 20, 4 << 20, 16 << 20, 32 << 20, 40 << 20]:
    first, second = twice(heap, size)
    print(f"{size:>12,} {first:>6} {second:>7} {heap.mmap_threshold:>16,} {heap.brk:>#10x}")

# %% [markdown]
# Every first request was mmapped: it was at least as big as the threshold of the moment.
# Freeing it raised the threshold to the chunk's size (the request plus its header, rounded
# up to a page), so the same request a second time came from the heap. The rule stops at
# 32 MiB (`DEFAULT_MMAP_THRESHOLD_MAX` on 64-bit). A 32 MiB request makes a chunk a little
# bigger than that, so freeing it left the threshold where it was, and the second 32 MiB
# request was mmapped again, like the 40 MiB ones.
#
# The break column shows the cost. The heap grew to serve the second requests, and freeing
# them did not shrink it: the free space at the top of the heap stayed below the raised
# `trim_threshold`, so `free` never trimmed.
#
# ## The threshold only goes up
#
# Here the program frees mmapped chunks of growing and then shrinking sizes, and we record
# the threshold after each free.

# %%
from IPython.display import SVG, display

from brkdoc.render.timeline import render_step_chart

heap = Heap()
sizes = [300_000, 600_000, 2 << 20, 8 << 20, 1 << 20, 12 << 20, 500_000, 20 << 20, 40 << 20]
thresholds = [heap.mmap_threshold]
for size in sizes:
    # Once the threshold is above `size`, the block comes from the heap, and freeing it
    # changes nothing.
    heap.free(heap.malloc(size))
    thresholds.append(heap.mmap_threshold)

# The site's own chart drawing: its colours follow the page's light or dark scheme.
chart = render_step_chart(
    [("mmap threshold", thresholds)],
    "The mmap threshold after each free",
    "after this many frees",
    marks=[(32 << 20, "DEFAULT_MMAP_THRESHOLD_MAX (32 MiB)")],
)
display(SVG(chart))

# %% [markdown]
# The threshold never comes down by itself. Frees of smaller chunks (1 MiB after 8 MiB) do
# not lower it. The 40 MiB chunk at the end is above the cap and changes nothing.
#
# ## Setting the threshold turns the rule off
#
# `mallopt(M_MMAP_THRESHOLD, n)`, like `M_TRIM_THRESHOLD`, `M_TOP_PAD` and `M_MMAP_MAX`, sets
# glibc's `no_dyn_threshold` flag. After that, freeing an mmapped chunk leaves both thresholds
# alone. Here is a loop that allocates and frees 1 MiB 100 times, with and without a fixed
# threshold:

# %%
from brkdoc.sim import M_MMAP_THRESHOLD


def churn(fixed_threshold: bool) -> Heap:
    """Allocate and free 1 MiB a hundred times; return the heap to read its counters."""
    heap = Heap()
    if fixed_threshold:
        heap.mallopt(M_MMAP_THRESHOLD, 128 * 1024)
    for _ in range(100):
        heap.free(heap.malloc(1 << 20))
    return heap


for fixed in (False, True):
    heap = churn(fixed)
    label = "fixed threshold  " if fixed else "dynamic threshold"
    print(f"{label}: break {heap.brk:>#9x}, system calls {heap.syscall_counts}")

# %% [markdown]
# With the dynamic threshold, only the first 1 MiB block was mmapped. The second grew the heap
# with one `brk`, and the other 98 reused that memory with no system call at all; the heap
# kept 1.1 MiB (0x121000) afterwards. With a fixed
# threshold, every block cost an `mmap` and a `munmap`, and the heap stayed at its first
# 132 KiB. That trade (fewer system calls against memory held) is what the dynamic threshold
# was added for in glibc 2.5 (commit 1d05c2fb9c, August 2006, in `malloc/malloc.c`).
