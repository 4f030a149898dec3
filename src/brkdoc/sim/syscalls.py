"""The system calls the simulated allocator makes, kept as records and printable like strace.

>>> call = Syscall("brk", (0x555555559000 + 0x21000,), 0x555555559000 + 0x21000)
>>> print(call)
brk(0x55555557a000) = 0x55555557a000
>>> print(Syscall("mmap", (None, 139264, "PROT_READ|PROT_WRITE",
...                        "MAP_PRIVATE|MAP_ANONYMOUS", -1, 0), 0x7FFFF7FD0000))
mmap(NULL, 139264, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7ffff7fd0000
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Syscall", "format_strace"]

_ADDRESS_ARGS = {
    "brk": (0,),
    "mmap": (0,),
    "munmap": (0,),
    "mremap": (0,),
    "madvise": (0,),
}


# A failed call's result is -errno; strace shows it as -1 and the errno's name and text.
_ERRORS = {12: "-1 ENOMEM (Cannot allocate memory)", 22: "-1 EINVAL (Invalid argument)"}


@dataclass(frozen=True, slots=True)
class Syscall:
    """One system call: its name, arguments (ints or flag strings) and return value.

    Address arguments and results are absolute addresses in the simulated process; `None` as an
    address argument prints as NULL; a negative result is a failure, -errno.
    """

    name: str
    args: tuple[int | str | None, ...]
    result: int

    def __str__(self) -> str:
        address_positions = _ADDRESS_ARGS.get(self.name, ())
        parts: list[str] = []
        for position, arg in enumerate(self.args):
            if arg is None:
                parts.append("NULL")
            elif isinstance(arg, str):
                parts.append(arg)
            elif position in address_positions:
                parts.append(hex(arg))
            else:
                parts.append(str(arg))
        if self.result < 0:
            result = _ERRORS.get(-self.result, f"-1 errno {-self.result}")
        elif self.name in ("brk", "mmap", "mremap"):
            result = hex(self.result)
        else:
            result = str(self.result)
        return f"{self.name}({', '.join(parts)}) = {result}"


def format_strace(calls: list[Syscall]) -> str:
    """The calls one per line, as `strace -e trace=brk,mmap,munmap,mremap,madvise` shows them."""
    return "".join(f"{call}\n" for call in calls)
