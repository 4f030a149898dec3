"""brkdoc.trace.ids: a value per id, in memory that follows the distinct ids."""

from __future__ import annotations

from brkdoc.trace import IdTable


def test_memory_follows_distinct_ids_not_the_largest() -> None:
    table = IdTable()
    table.put(16_777_215, 1)
    table.put(1 << 63, 2)
    assert table.get(16_777_215) == 1
    assert table.get(1 << 63) == 2
    assert table.array_slots() <= 1024


def test_dense_ids_move_from_the_dict_into_the_array() -> None:
    table = IdTable()
    table.put(5000, 7)  # far past the array: kept in the dict
    for key in range(5000):
        table.put(key, key)
    assert table.array_slots() > 5000
    assert [table.get(key) for key in (0, 4999, 5000, 5001)] == [0, 4999, 7, -1]
