"""`brkdoc bench`: what brk, mmap, page faults, munmap and malloc cost on this machine.

The measuring is done by a small C program (`bench_probe.c`), compiled on first use and run
once per experiment in a child process; this package organises and renders its numbers.
"""

from brkdoc.bench.report import BenchReport, build_report, report_from_dict
from brkdoc.bench.runner import run_bench

__all__ = ["BenchReport", "build_report", "report_from_dict", "run_bench"]
