from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from sybil import Sybil

from brkdoc.doccheck.sybil_parsers import (
    DocsParser,
    ReasonedSkipParser,
    page_workdir,
    pair_blocks,
    region_fence_lines,
    remove_page_workdir,
)

PAGE = """\
```python
print("hi")
```

```output
hi
```

```text
not runnable
```
"""


def test_output_blocks_attach_to_the_block_before() -> None:
    blocks = list(pair_blocks(PAGE, Path()))
    assert [b.fence.language for b in blocks] == ["python", "text"]
    assert blocks[0].output is not None
    assert blocks[0].fence_lines == (1, 5)


def _parse(tmp_path: Path, text: str) -> list[object]:
    page = tmp_path / "page.md"
    page.write_text(text)
    sybil = Sybil(parsers=[DocsParser(tmp_path), ReasonedSkipParser()], patterns=["*.md"])
    return [region for _, region in sybil.parse(page).regions]


def test_every_fence_becomes_a_region(tmp_path: Path) -> None:
    regions = _parse(tmp_path, PAGE)
    assert region_fence_lines(regions) == {1, 5, 9}


def test_a_skip_must_give_a_reason(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="must say why"):
        _parse(tmp_path, "<!-- skip: next -->\n```python\nx = 1\n```\n")
    assert len(_parse(tmp_path, '<!-- skip: next "needs root" -->\n```python\nx = 1\n```\n')) == 2


def test_page_folder_holds_included_c_files(tmp_path: Path) -> None:
    (tmp_path / "inc.c").write_text("int main(void) { return 0; }\n")
    page = (
        '```c title="prog.c"\n--8<-- "inc.c"\n```\n\n'
        "```console\n$ cat prog.c\nint main(void) { return 0; }\n```\n"
    )
    (tmp_path / "page.md").write_text(page)
    sybil = Sybil(parsers=[DocsParser(tmp_path)], patterns=["*.md"])
    document = sybil.parse(tmp_path / "page.md")
    console = list(document.examples())[1]
    try:
        console.evaluate()
    finally:
        remove_page_workdir(document.namespace)  # what the pytest integration's teardown does


def test_the_page_folder_is_removed_at_teardown(tmp_path: Path) -> None:
    page = '```c title="prog.c"\nint main(void) { return 0; }\n```\n'
    (tmp_path / "page.md").write_text(page)
    sybil = Sybil(parsers=[DocsParser(tmp_path)], patterns=["*.md"])
    document = sybil.parse(tmp_path / "page.md")
    workdir = page_workdir(document, tmp_path)
    assert (workdir / "prog.c").exists()
    remove_page_workdir(document.namespace)
    assert not workdir.exists()
    remove_page_workdir(document.namespace)  # a second teardown, or a page that made none


def test_the_docs_collector_tears_its_page_folders_down() -> None:
    conftest = importlib.import_module("conftest")
    assert conftest.DOCS_SYBIL.teardown is remove_page_workdir


def _evaluate_all(tmp_path: Path, page: str) -> list[str | None]:
    (tmp_path / "page.md").write_text(page)
    sybil = Sybil(parsers=[DocsParser(tmp_path)], patterns=["*.md"])
    results: list[str | None] = []
    document = sybil.parse(tmp_path / "page.md")
    for example in document.examples():
        try:
            example.evaluate()
            results.append(None)
        except Exception as error:  # sybil raises its own failure type, with our text
            results.append(str(error))
    remove_page_workdir(document.namespace)  # what the pytest integration's teardown does
    return results


FIRST = (
    "#include <stdio.h>\n#include <stdlib.h>\n#include <unistd.h>\n"
    "int main(void) {\n    char *start = sbrk(0);\n    char *p = malloc(24);\n"
    '    printf("%#lx\\n", (long) (p - start));\n    return 0;\n}\n'
)


def test_a_glibc_attribute_runs_a_tab_on_that_build(tmp_path: Path) -> None:
    page = "\n".join(
        f'=== "{glibc}"\n\n    ```c title="first.c" glibc="{glibc}"\n'
        + "".join(f"    {line}\n" for line in FIRST.splitlines())
        + f"    ```\n\n    ```output\n    {offset}\n    ```\n"
        for glibc, offset in (("2.36", "0x2a0"), ("2.43", "0x10"), ("2.44", "0x2a0"))
    )
    results = _evaluate_all(tmp_path, page)
    assert results[:2] == [None, None]
    assert results[2] is not None
    assert "+ 0x10" in results[2]  # the 2.44 tab claims 0x2a0; its build prints 0x10


def test_a_glibc_attribute_on_another_fence_is_refused(tmp_path: Path) -> None:
    results = _evaluate_all(tmp_path, '```console glibc="2.43"\n$ true\n```\n')
    assert len(results) == 1
    assert results[0] is not None
    assert results[0].endswith("glibc=\"...\" applies to c blocks only, not to a 'console' fence")


def test_a_failing_fence_in_a_block_quote_fails(tmp_path: Path) -> None:
    results = _evaluate_all(tmp_path, "> Try this:\n>\n> ```python\n> raise SystemExit(3)\n> ```\n")
    assert len(results) == 1
    assert results[0] is not None
    assert "the python block exited with status 3" in results[0]


def test_quoted_output_is_compared_with_the_quoted_block(tmp_path: Path) -> None:
    page = '> ```python\n> print("hi")\n> ```\n>\n> ```output\n> {}\n> ```\n'
    assert _evaluate_all(tmp_path, page.format("hi")) == [None]
    (failure,) = _evaluate_all(tmp_path, page.format("ho"))
    assert failure is not None
    assert "- ho" in failure
    assert "+ hi" in failure


def test_fences_in_list_items_run(tmp_path: Path) -> None:
    page = (
        "1. Make a file:\n\n    ```console\n    $ echo made > made.txt\n    ```\n\n"
        "2. ```console\n   $ cat made.txt\n   made\n   ```\n\n"
        "- ```console\n  $ false\n  ```\n"
    )
    results = _evaluate_all(tmp_path, page)
    assert results[:2] == [None, None]
    assert results[2] is not None
    assert "exited with status 1" in results[2]
