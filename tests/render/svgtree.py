"""Parse an SVG string for assertions: elements without namespaces, and their numbers."""

from __future__ import annotations

import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    """The root element; fails the test if the SVG is not well-formed XML."""
    return ET.fromstring(svg)


def find_all(root: ET.Element, tag: str) -> list[ET.Element]:
    return list(root.iter(f"{NS}{tag}"))


def classes(element: ET.Element) -> set[str]:
    return set(element.get("class", "").split())


def number(element: ET.Element, attribute: str) -> float:
    return float(element.get(attribute, "nan"))


def chunk_rects(root: ET.Element, state: str | None = None) -> list[ET.Element]:
    """Rectangles drawn for chunks (not legend swatches: those are 12 pixels wide)."""
    rects = [
        r
        for r in find_all(root, "rect")
        if "chunk" in classes(r) and not (r.get("width") == "12" and r.get("height") == "12")
    ]
    if state is not None:
        rects = [r for r in rects if f"s-{state}" in classes(r)]
    return rects


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in find_all(root, "text")]
