"""``python -m derive.codegen``: regenerate derive/numpy from the rules."""

from derive.codegen.generate import write_all
from derive.registry import rules

for path in write_all(rules()):
    print(f"wrote {path}")
