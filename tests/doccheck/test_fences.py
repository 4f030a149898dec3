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


QUOTED_AND_LISTED = """\
> A note:
>
> ```python
> print(1)
>     # indented
> ```

1. Run it:

    ```console
    $ true
    ```

2. ```c title="b.c"
   int x;
   ```

- ``` { .console .no-copy }
  $ echo a
  a
  ```
"""


def test_finds_fences_in_block_quotes_and_list_items() -> None:
    fences = list(find_fences(QUOTED_AND_LISTED))
    assert [(f.line, f.language) for f in fences] == [
        (3, "python"),
        (10, "console"),
        (14, "c"),
        (18, "console"),
    ]
    assert fences[0].body == "print(1)\n    # indented\n"
    assert fences[1].body == "$ true\n"
    assert fences[2].body == "int x;\n"
    assert fences[2].attributes == {"title": "b.c"}
    assert fences[3].body == "$ echo a\na\n"
    assert QUOTED_AND_LISTED[fences[0].start : fences[0].end] == (
        "> ```python\n> print(1)\n>     # indented\n> ```\n"
    )


def test_the_body_keeps_indentation_beyond_the_fences_own() -> None:
    (fence,) = find_fences("!!! note\n    ```output\n        indented\n          more\n    ```\n")
    assert fence.body == "    indented\n      more\n"


def test_fence_lines_inside_a_longer_fence_are_content() -> None:
    text = "````markdown\n```python\nx = 1\n```\n````\n\n```python\ny = 2\n```\n"
    fences = list(find_fences(text))
    assert [(f.line, f.language) for f in fences] == [(1, "markdown"), (7, "python")]
    assert fences[0].body == "```python\nx = 1\n```\n"


def test_inline_code_at_the_start_of_a_line_is_not_a_fence() -> None:
    text = "```` ``` ```` is a plain fence.\n\n```python\nx = 1\n```\n"
    assert [f.line for f in find_fences(text)] == [3]
