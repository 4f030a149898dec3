"""Text and Markdown renderings of a bench report (the CLI's table and the page's tables)."""

from __future__ import annotations

from collections.abc import Sequence

from brkdoc.bench.report import GROUPS, BenchReport
from brkdoc.render.svg import format_size

__all__ = [
    "format_bytes",
    "format_ns",
    "markdown_costs",
    "markdown_machine",
    "markdown_returns",
    "markdown_sweep",
    "markdown_vmas",
    "text_report",
]


def format_ns(ns: float) -> str:
    """A duration with three significant figures in the unit that reads best."""
    magnitude = abs(ns)
    if magnitude >= 1e6:
        return f"{ns / 1e6:.3g} ms"
    if magnitude >= 1e3:
        return f"{ns / 1e3:.3g} µs"
    return f"{ns:.3g} ns"


def format_bytes(count: int) -> str:
    """A byte count: whole KiB or MiB, else MiB to two decimals, and "0" for nothing."""
    if count <= 0:
        return "0"
    if count % 1024 == 0:
        return format_size(count, exact=True)
    return f"{count / (1 << 20):.2f} MiB"


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> list[str]:
    widths = [max(len(headers[i]), *(len(r[i]) for r in rows)) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(cells)
        ]
        return "  ".join(parts).rstrip()

    return [line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def text_report(report: BenchReport) -> str:
    """The table `brkdoc bench` prints."""
    m = report.machine
    out = [
        f"machine: {m.get('cpu')}, {m.get('online_cpus')} CPUs, kernel {m.get('kernel')}, "
        f"{m.get('libc')} {m.get('libc_version')}, {m.get('distribution')}",
        "",
    ]
    groups: dict[str, list[list[str]]] = {}
    for row in report.costs:
        groups.setdefault(row.group, []).append([row.what, format_ns(row.ns), row.per])
    for group, rows in groups.items():
        out += [group, *_table(["operation", "median", "per"], rows, {1}), ""]
    vma_rows = [[r.what, str(r.calls), str(r.vmas_added)] for r in report.vmas]
    out += ["VMA count growth", *_table(["operation", "calls", "VMAs added"], vma_rows, {1, 2}), ""]
    sweep_rows = _sweep_rows(report)
    out += [
        "malloc + free, per pair (dynamic threshold on / off; 'touched' writes every page)",
        *_table(
            ["size", "dynamic", "fixed 128 KiB", "dynamic, touched", "fixed, touched"],
            sweep_rows,
            {0, 1, 2, 3, 4},
        ),
        "",
    ]
    ret_rows = [
        [r.what, r.syscall, format_ns(r.ns), format_bytes(r.rss_returned)] for r in report.returns
    ]
    out += [
        f"Returning a touched {format_size(report.return_bytes, exact=True)} block",
        *_table(["operation", "syscall", "median", "RSS returned"], ret_rows, {2, 3}),
    ]
    return "\n".join(out)


def _md_table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> str:
    align = ["---:" if i in right else "---" for i in range(len(headers))]
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(cells) + " |" for cells in rows]
    return "\n".join(lines)


def markdown_machine(report: BenchReport) -> str:
    m = report.machine
    rows = [
        ["CPU", f"{m.get('cpu')} ({m.get('online_cpus')} online)"],
        ["Kernel", str(m.get("kernel"))],
        ["Distribution", str(m.get("distribution"))],
        ["C library", f"{m.get('libc')} {m.get('libc_version')}"],
        ["Page size", f"{m.get('page_size')} bytes"],
        ["Transparent huge pages", str(m.get("transparent_hugepage"))],
        ["vm.max_map_count", str(m.get("max_map_count"))],
    ]
    return _md_table(["", "build machine"], rows, set())


def markdown_costs(report: BenchReport, group_id: str) -> str:
    """The cost rows of one group, named by its short id in `GROUPS`."""
    group = GROUPS[group_id]
    rows = [[r.what, format_ns(r.ns), r.per] for r in report.costs if r.group == group]
    return _md_table(["operation", "median", "per"], rows, {1})


def markdown_vmas(report: BenchReport) -> str:
    rows = [[r.what, str(r.calls), str(r.vmas_added)] for r in report.vmas]
    return _md_table(["operation", "calls", "VMAs added"], rows, {1, 2})


def _sweep_rows(report: BenchReport) -> list[list[str]]:
    """One row a request size: malloc + free cost with the dynamic threshold on and off."""
    return [
        [
            format_size(p.size, exact=True),
            format_ns(p.dynamic_ns),
            format_ns(p.fixed_ns),
            format_ns(p.dynamic_touched_ns),
            format_ns(p.fixed_touched_ns),
        ]
        for p in report.sweep
    ]


def markdown_sweep(report: BenchReport) -> str:
    rows = _sweep_rows(report)
    headers = ["request", "dynamic", "fixed", "dynamic, touched", "fixed, touched"]
    return _md_table(headers, rows, {0, 1, 2, 3, 4})


def markdown_returns(report: BenchReport) -> str:
    rows = [
        [
            r.what,
            f"`{r.syscall}`" if r.syscall != "none" else "none",
            format_ns(r.ns),
            format_bytes(r.rss_returned),
        ]
        for r in report.returns
    ]
    return _md_table(["operation", "system call", "median", "RSS returned"], rows, {2, 3})
