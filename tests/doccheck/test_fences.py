from __future__ import annotations

from brkdoc.doccheck.fences import find_fences, parse_info

PAGE = """\
# Title

```c title="demo.c"
int main(void) { return 0; }
```

!!! note
    ```console
    $ echo hi
    hi
    ```

~~~python
print(1)
~~~
"""


def test_finds_titled_indented_and_tilde_fences() -> None:
    fences = list(find_fences(PAGE))
    assert [f.language for f in fences] == ["c", "console", "python"]
    assert fences[0].attributes == {"title": "demo.c"}
    assert fences[1].body == "$ echo hi\nhi\n"
    assert [f.line for f in fences] == [3, 8, 13]


def test_region_offsets_cover_the_fence_lines() -> None:
    first = next(find_fences(PAGE))
    assert PAGE[first.start : first.end].startswith('```c title="demo.c"')
    assert PAGE[first.start : first.end].endswith("```\n")


def test_unclosed_fence_runs_to_the_end() -> None:
    (fence,) = find_fences("```python\nx = 1\n")
    assert fence.body == "x = 1\n"


def test_parse_info_forms() -> None:
    assert parse_info("python") == ("python", {})
    assert parse_info(" python") == ("python", {})
    assert parse_info('{ .console data-copy="ls" }') == ("console", {"data-copy": "ls"})
    assert parse_info("") == ("", {})
