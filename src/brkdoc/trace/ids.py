"""A value per trace id in little memory: what a trace runner remembers about each block."""

from __future__ import annotations

from array import array

__all__ = ["IdTable"]


class IdTable:
    """A value per trace id: ids that come densely in an array (8 bytes each), the rest in a dict.

    Traces name blocks by small consecutive ids, and a trace runner must remember one pointer
    per id (a later free of a freed id is a double free that glibc may detect), so this keeps
    that memory small. The array only grows while it stays at least a quarter full, so memory
    follows the number of distinct ids, never the largest id: one block called 16777215 costs
    one dict entry. Missing ids read as `missing`.

    ```pycon
    >>> from brkdoc.trace import IdTable
    >>> table = IdTable()
    >>> table.put(3, 0x55555555A2A0)
    >>> hex(table.get(3)), table.get(4), table.get(1 << 40)
    ('0x55555555a2a0', -1, -1)

    ```
    """

    __slots__ = ("_dense", "_missing", "_retry_at", "_sparse")
    _SMALL = 1024  # the array may always be this long (8 KiB), however sparse

    def __init__(self, missing: int = -1) -> None:
        self._dense = array("q")
        self._sparse: dict[int, int] = {}
        self._missing = missing
        self._retry_at = 0  # the dict size at which growing the array is worth another look

    def put(self, key: int, value: int) -> None:
        dense = self._dense
        if key < len(dense) or (len(self._sparse) >= self._retry_at and self._grow(key)):
            dense[key] = value
        else:
            self._sparse[key] = value

    def _grow(self, key: int) -> bool:
        """Lengthen the array to hold `key` if it stays a quarter full; say whether it did."""
        dense = self._dense
        sparse = self._sparse
        length = max(key + 1, 2 * len(dense), self._SMALL)
        if length > self._SMALL:
            # An upper bound first (cheap), then the count; every dict entry counts as used,
            # so the array never exceeds four slots per distinct id.
            used = len(dense) + len(sparse) + 1
            if 4 * used >= length:
                used -= dense.count(self._missing)
            if 4 * used < length:
                # Looking again costs a pass over the array: wait until the dict has doubled.
                self._retry_at = 2 * len(sparse) + 1
                return False
        dense.frombytes(self._missing.to_bytes(8, "little", signed=True) * (length - len(dense)))
        # Ids kept in the dict that the array now covers move into it, so `get` looks in one place.
        for k in [k for k in sparse if k < length]:
            dense[k] = sparse.pop(k)
        return True

    def array_slots(self) -> int:
        """How many ids the array part holds room for (8 bytes each)."""
        return len(self._dense)

    def get(self, key: int) -> int:
        dense = self._dense
        if key < len(dense):
            return dense[key]
        return self._sparse.get(key, self._missing)
