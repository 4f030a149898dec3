"""brkdoc.playground: what the site's in-page playground runs, in Python. Pure: no I/O.

The site's build zips this package together with `brkdoc.sim` and `brkdoc.render` and the
reader's browser runs it in Pyodide (`docs/assets/playground.js` calls it):

- `brkdoc.playground.calls`: reads what the reader typed, C-like calls or a trace;
- `brkdoc.playground.session`: runs them step by step and describes any step (heap map, bins,
  system calls, the break and mmapped bytes) and the difference between two steps;
- `brkdoc.playground.api`: `simulate_text`, the text `brkdoc simulate --jsonl` prints;
- `brkdoc.playground.blocks`: runs one of the site's python blocks and returns its output;
- `brkdoc.playground.eligibility`: which of the site's python blocks can run in the page.
"""
