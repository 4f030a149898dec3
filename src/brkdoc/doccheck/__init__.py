"""The docs harness: every fenced block in `docs/` runs, and shown output is compared.

`fences` finds the blocks (with Sybil's Markdown lexer), `matching` holds the one rule set that
compares shown output with real output, `runners` executes each kind of block in a fresh
process, `sybil_parsers` wires it all into Sybil, `docstrings` does the same for the examples
in brkdoc's own docstrings, and `regen` rewrites the committed output of files under
`examples/`.
The rules are described for readers on the page "How the pages are tested".
"""

__all__: list[str] = []
