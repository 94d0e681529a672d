"""The water check's small-integer codes, shared by the array path (water.py) and the compiled pass (straight.py):
three-valued logic (AND is min, OR is max) and the bits of the failed-clause mask."""
T, U, F = 2, 1, 0
CLAUSE_BITS = {"horizontal": 1, "vertical": 2, "time": 4, "guarantee": 8, "piped": 16, "no_source": 32}
