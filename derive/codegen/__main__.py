"""``python -m derive.codegen``: regenerate derive/numpy from the rules (straight-line
modules and the loops over time and depth)."""

from derive.codegen import recurrence
from derive.codegen.generate import write_all
from derive.registry import rules

for path in write_all(rules()) + recurrence.write_all():
    print(f"wrote {path}")
