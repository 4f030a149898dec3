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
# # A trace over time: the break and the mmapped bytes
#
# This notebook replays a real program's allocations in the [simulator](../../simulator/)
# and plots two numbers after every operation: how far the program break is above its start,
# and how many bytes sit in mmapped chunks. The trace is
# `examples/traces/python-startup.rep`: every `malloc`, `calloc`, `realloc` and `free` of
# `/usr/bin/python3 -S -c pass` (Python 3.11.2 on Debian 12), recorded with `brkdoc record`.
# [Fragmentation](../../simulator/fragmentation/) draws the heap at the end of it.

# %%
from pathlib import Path

from brkdoc.sim import Heap, simulate
from brkdoc.trace import parse_trace

# The trace lives in the repository's examples/ folder; look for it from here upwards, so the
# notebook runs from the repository root (as the site build does) or from docs/notebooks/.
TRACE = Path("examples/traces/python-startup.rep")
found = [
    folder / TRACE for folder in [Path.cwd(), *Path.cwd().parents] if (folder / TRACE).is_file()
]
if not found:
    raise FileNotFoundError(f"{TRACE} is not under {Path.cwd()} or any folder above it")
ops = list(parse_trace(found[0].read_text(encoding="utf-8").splitlines(), str(TRACE)))

heap = Heap()
observations = list(simulate(ops, heap=heap))
brk = [obs.brk for obs in observations]
mmapped = [obs.mmapped for obs in observations]
print(f"{len(ops):,} operations")
print(f"break: peak {max(brk):,} bytes, final {brk[-1]:,} bytes")
print(f"mmapped: peak {max(mmapped):,} bytes, final {mmapped[-1]:,} bytes")
print("system calls:", heap.syscall_counts)

# %%
from IPython.display import HTML, display

from brkdoc.render import render_timeline

# The site's own chart drawing, shown as HTML so that the page holds the SVG itself and its
# colours follow the page's light or dark scheme.
display(HTML(render_timeline(brk, mmapped, "python-startup: break and mmapped bytes")))

# %% [markdown]
# The break only ever goes up. It grows in steps of at least 128 KiB, because `sysmalloc`
# asks for `top_pad` (128 KiB by default) more than each request needs. No `free` in the
# trace leaves a top chunk as big as the trim threshold (128 KiB), so the break never comes
# down. One request of 256 KiB was served by `mmap` and was still live at the end.
#
# ## The same trace with other settings
#
# `mallopt` changes the policy before the first operation. A `top_pad` of 0 makes the heap
# grow only by what each request needs, rounded up to a page. An `mmap_threshold` of 64 KiB
# sends more requests to `mmap`. Each setting also switches the dynamic threshold off.

# %%
from brkdoc.render.timeline import render_step_chart
from brkdoc.sim import M_MMAP_THRESHOLD, M_TOP_PAD

KIB = 1024
settings = {
    "defaults": [],
    "M_TOP_PAD = 0": [(M_TOP_PAD, 0)],
    "M_MMAP_THRESHOLD = 64 KiB": [(M_MMAP_THRESHOLD, 64 * KIB)],
}
breaks = []
for name, calls in settings.items():
    heap = Heap()
    for param, value in calls:
        heap.mallopt(param, value)
    series = [obs.brk for obs in simulate(ops, heap=heap)]
    breaks.append((name, series))
    print(f"{name:<26} peak break {max(series) // KIB:>4} KiB, system calls {heap.syscall_counts}")
display(HTML(render_step_chart(breaks, "The break above its start, three settings")))

# %% [markdown]
# (Up to operation 528 the two settings move the break alike, so the default line is hidden
# under the 64 KiB one.) Without `top_pad` the heap peaks about 200 KiB lower, but the
# program makes 40 `brk` calls instead of 5. It also makes a second `mmap`: the 128 KiB
# request that the padded top chunk served with the defaults no longer fits in the top chunk,
# and it is at the threshold, so it goes to `mmap`. A 64 KiB mmap threshold also keeps the
# heap smaller: one more request, of about 100 KiB, goes to `mmap`. These
# variants were checked as well: replaying the trace through the live glibc after the same
# `mallopt` call gives the same break after every operation.
