"""JavaScript the browser tests evaluate in the page. Kept here so the tests read as checks."""

from __future__ import annotations

# Turns off CSS transitions and animations, so a colour read right after the palette changes is the
# final colour, not a frame of a fade.
NO_TRANSITIONS = (
    "*, *::before, *::after { transition: none !important; animation: none !important; }"
)

# Runs axe-core (injected from node_modules) and returns its violations in a small, printable form.
RUN_AXE = """
async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact || "",
    help: v.help,
    targets: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
  }));
}
"""

# Every link on the page, resolved by the browser, with where it sits (so a report can say which
# link in which part of the page is broken).
COLLECT_LINKS = """
() => Array.from(document.querySelectorAll("a[href]")).map((a) => ({
  href: a.href,
  raw: a.getAttribute("href"),
  text: (a.textContent || "").trim().slice(0, 60),
}))
"""

# Readability in the current colour scheme of what axe does not judge: text inside inline SVG
# (generated diagrams) and SVG images. For SVG text the colour behind it is what is painted under
# the middle of the text (an SVG shape with a fill, or the nearest HTML box with a background). For
# an SVG <img>, the image is drawn onto the page's background colour and at least one pixel has to
# stand out from it, which an image of black text on a transparent background fails in the dark
# scheme.
DIAGRAM_CONTRAST = """
async (minimum) => {
  const parse = (value) => {
    const m = /rgba?\\(([^)]+)\\)/.exec(value || "");
    if (!m) return null;
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const over = (fg, bg) => ({
    r: fg.r * fg.a + bg.r * (1 - fg.a),
    g: fg.g * fg.a + bg.g * (1 - fg.a),
    b: fg.b * fg.a + bg.b * (1 - fg.a),
    a: 1,
  });
  const channel = (c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4);
  };
  const luminance = (c) => 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
  const contrast = (a, b) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  const pageBackground = () => {
    for (const el of [document.body, document.documentElement]) {
      const c = parse(getComputedStyle(el).backgroundColor);
      if (c && c.a > 0) return over(c, { r: 255, g: 255, b: 255, a: 1 });
    }
    return { r: 255, g: 255, b: 255, a: 1 };
  };
  const shapes = new Set(["rect", "circle", "ellipse", "path", "polygon"]);
  const backgroundUnder = (text) => {
    const box = text.getBoundingClientRect();
    const x = box.left + box.width / 2;
    const y = box.top + box.height / 2;
    for (const el of document.elementsFromPoint(x, y)) {
      if (el === text || text.contains(el) || el.contains(text)) {
        if (!(el instanceof HTMLElement)) continue;
      }
      if (el instanceof SVGElement) {
        if (!shapes.has(el.tagName)) continue;
        const style = getComputedStyle(el);
        const fill = parse(style.fill);
        const opaque = fill && fill.a > 0 && Number(style.fillOpacity) > 0.5;
        if (opaque) return over(fill, pageBackground());
        continue;
      }
      const bg = parse(getComputedStyle(el).backgroundColor);
      if (bg && bg.a > 0.5) return over(bg, pageBackground());
    }
    return pageBackground();
  };
  const problems = [];
  const svgTexts = Array.from(document.querySelectorAll("svg text, svg tspan")).filter(
    (t) => !(t.tagName === "text" && t.querySelector("tspan")) && (t.textContent || "").trim()
  );
  for (const t of svgTexts) {
    t.scrollIntoView({ block: "center" });
    const box = t.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    const style = getComputedStyle(t);
    const fill = parse(style.fill);
    if (!fill || fill.a === 0) continue;
    const bg = backgroundUnder(t);
    const ratio = contrast(over(fill, bg), bg);
    if (ratio < minimum) {
      const under = `rgb(${Math.round(bg.r)}, ${Math.round(bg.g)}, ${Math.round(bg.b)})`;
      problems.push(
        `SVG text "${t.textContent.trim().slice(0, 40)}": fill ${style.fill} on ${under}, ` +
          `contrast ${ratio.toFixed(2)}`
      );
    }
  }
  const images = Array.from(document.querySelectorAll("img")).filter((img) =>
    /\\.svg(\\?|#|$)|^data:image\\/svg/.test(img.getAttribute("src") || "")
  );
  for (const img of images) {
    img.scrollIntoView({ block: "center" });
    if (!img.complete) {
      await new Promise((done) => {
        img.addEventListener("load", done, { once: true });
        img.addEventListener("error", done, { once: true });
      });
    }
    if (!img.naturalWidth) {
      problems.push(`SVG image ${img.getAttribute("src")} did not load`);
      continue;
    }
    const bg = backgroundUnder(img);
    const w = Math.max(1, Math.min(img.naturalWidth || img.width, 800));
    const h = Math.max(1, Math.min(img.naturalHeight || img.height, 800));
    const canvas = document.createElement("canvas");
    canvas.width = w;
    canvas.height = h;
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = `rgb(${bg.r}, ${bg.g}, ${bg.b})`;
    ctx.fillRect(0, 0, w, h);
    ctx.drawImage(img, 0, 0, w, h);
    const data = ctx.getImageData(0, 0, w, h).data;
    let best = 1;
    for (let i = 0; i < data.length; i += 4) {
      best = Math.max(best, contrast({ r: data[i], g: data[i + 1], b: data[i + 2], a: 1 }, bg));
    }
    if (best < minimum) {
      const src = img.getAttribute("src");
      problems.push(`SVG image ${src}: nothing in it reaches contrast ${minimum}`);
    }
  }
  return problems;
}
"""

# The colour scheme Material shows now, and the page's background and text colours.
SCHEME = """
() => ({
  scheme: document.body.getAttribute("data-md-color-scheme"),
  background: getComputedStyle(document.body).backgroundColor,
  color: getComputedStyle(document.body).color,
})
"""

# Marks the current article, then clicks a fresh link to `path` (an argument) at the top of the
# content, as a reader would; the mark tells the caller when the article has been replaced.
FOLLOW_LINK = """
(path) => {
  document.querySelector(".md-content article").dataset.brkdocLeft = "yes";
  const a = document.createElement("a");
  a.href = new URL(path, document.baseURI).href;
  a.textContent = "test link";
  document.querySelector(".md-content").prepend(a);
  a.click();
}
"""
