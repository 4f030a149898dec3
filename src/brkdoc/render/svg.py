"""Small, dependency-free helpers for writing SVG text: escaping, numbers, sizes, the palette.

The palette lives in one `<style>` block that every figure carries. Colours are CSS custom
properties on the figure's root class `bkf`, so one figure reads well:
- on its own (opened as a file, or in an `<img>`): light colours, and dark ones under
  `@media (prefers-color-scheme: dark)`;
- inlined into a Material page: the figure's own opaque foreground for text and lines (not the
  page's `--md-typeset-color`, which is translucent in the slate scheme and loses contrast on
  coloured chunks), and the dark colours exactly when the page uses the slate scheme
  (`[data-md-color-scheme="slate"]`), whatever the operating system prefers.

>>> format_size(656), format_size(131072), format_size(135168), format_size(14_000_000)
('656 B', '128 KiB', '132 KiB', '13.4 MiB')
>>> escape('<A & "B">')
'&lt;A &amp; &quot;B&quot;&gt;'
"""

from __future__ import annotations

from brkdoc.sim.view import STATES

__all__ = [
    "DARK",
    "LIGHT",
    "STYLE",
    "contrast_ratio",
    "escape",
    "format_size",
    "num",
    "svg_document",
    "text_width",
]

# Fill colours per chunk state. Light and dark sets were picked so that the text drawn on each
# fill (always the figure's foreground colour) keeps a contrast ratio of at least 4.5:1.
LIGHT = {
    "fg": "#1b1f24",
    "bg": "#ffffff",
    "in_use": "#9db4d6",
    "tcache": "#f2d49b",
    "fastbin": "#f5b88f",
    "unsorted": "#e9a7c4",
    "smallbin": "#b9dca4",
    "largebin": "#8fd3c9",
    "top": "#e6e8eb",
    "mmap": "#c9b8e8",
    "brk": "#c62828",
    "series2": "#6a3fb5",
    "series3": "#1d7a4a",
}
DARK = {
    "fg": "#e6edf3",
    "bg": "#1e2129",
    "in_use": "#34507a",
    "tcache": "#7a5a14",
    "fastbin": "#8a4a1f",
    "unsorted": "#7c3457",
    "smallbin": "#3d6b2a",
    "largebin": "#1f6b62",
    "top": "#3a3f4b",
    "mmap": "#54407d",
    "brk": "#ff8a80",
    "series2": "#c3a6ff",
    "series3": "#7fd8a4",
}


def _variables(colours: dict[str, str]) -> str:
    return "".join(f"--bkf-{name.replace('_', '-')}:{value};" for name, value in colours.items())


_STATE_RULES = "".join(
    f".bkf .s-{state}{{fill:var(--bkf-{state.replace('_', '-')})}}" for state in (*STATES, "mmap")
)

STYLE = (
    f".bkf{{{_variables(LIGHT)}color:var(--bkf-fg);"
    "font-family:var(--md-text-font-family,system-ui,sans-serif);font-size:12px;"
    # Scale down, never up, on narrow screens.
    "max-width:100%;height:auto}"
    # Standalone figure in a dark OS: the :not() keeps this off figures inlined into Material,
    # which follow the page's own scheme switch instead.
    "@media (prefers-color-scheme:dark){.bkf:not([data-md-color-scheme] .bkf){"
    f"{_variables(DARK)}}}}}"
    f'[data-md-color-scheme="slate"] .bkf{{{_variables(DARK)}}}'
    ".bkf .bg{fill:var(--bkf-bg)}"
    "[data-md-color-scheme] .bkf .bg{fill:none}"
    ".bkf text{fill:currentColor}"
    ".bkf .chunk{stroke:currentColor;stroke-width:1}"
    ".bkf .free{stroke-dasharray:4 2}"
    ".bkf .brk{stroke:var(--bkf-brk);stroke-width:2.5}"
    ".bkf .brk-label{fill:var(--bkf-brk);font-weight:600}"
    ".bkf .wrap{stroke:currentColor;stroke-opacity:.6;stroke-width:1.25;fill:none;"
    "stroke-dasharray:3 2}"
    ".bkf .wrap-head{fill:currentColor;fill-opacity:.6}"
    ".bkf .axis{stroke:currentColor;stroke-width:1;fill:none}"
    ".bkf .grid{stroke:currentColor;stroke-opacity:.15;stroke-width:1}"
    ".bkf .line-brk{stroke:var(--bkf-brk);stroke-width:2;fill:none}"
    ".bkf .line-mmap{stroke:var(--bkf-series2);stroke-width:2;fill:none;stroke-dasharray:6 3}"
    ".bkf .line-3{stroke:var(--bkf-series3);stroke-width:2;fill:none;stroke-dasharray:2 2}"
    ".bkf .mark{stroke:currentColor;stroke-opacity:.6;stroke-width:1;stroke-dasharray:5 3}"
    ".bkf .muted{fill-opacity:.75}"
    ".bkf .small{font-size:10.5px}"
    ".bkf .heading{font-weight:600}" + _STATE_RULES
)

# Average advance of a character at 12px in a sans-serif face, used to decide whether a label
# fits in a box. Over-estimating errs on the side of leaving a label out (it stays in <title>).
_CHAR_WIDTH = 7.0


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    """The WCAG 2 contrast ratio of two `#rrggbb` colours (1 to 21).

    >>> round(contrast_ratio("#000000", "#ffffff"), 1)
    21.0
    """
    high, low = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def text_width(text: str, font_size: float = 12.0) -> float:
    """A generous estimate of the rendered width of `text` in pixels."""
    return len(text) * _CHAR_WIDTH * font_size / 12.0


def escape(text: str) -> str:
    """Text made safe for SVG character data and double-quoted attribute values."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def num(value: float) -> str:
    """A coordinate with at most two decimals and no trailing zeros (keeps files small)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def format_size(size: int) -> str:
    """Bytes as the pages write them: exact KiB/MiB when whole, plain bytes below 10 KiB."""
    for unit, factor in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= factor and size % factor == 0:
            return f"{size // factor} {unit}"
    if size < 10 * 1024:
        return f"{size} B"
    if size < 1 << 20:
        return f"{size / 1024:.1f} KiB"
    return f"{size / (1 << 20):.1f} MiB"


def svg_document(width: float, height: float, title: str, description: str, body: str) -> str:
    """A complete SVG root with the shared style, an accessible name and a background panel.

    `title` becomes both the `<title>` child (shown as a tooltip, read by screen readers) and
    the `aria-label`; `description` goes in `<desc>` for the longer story.
    """
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bkf" role="img"'
        f' width="{num(width)}" height="{num(height)}" viewBox="0 0 {num(width)} {num(height)}"'
        f' aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title><desc>{escape(description)}</desc>"
        f"<style>{STYLE}</style>"
        f'<rect class="bg" x="0" y="0" width="{num(width)}" height="{num(height)}"/>'
        f"{body}</svg>\n"
    )
