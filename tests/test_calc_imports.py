"""calc depends on pandas, numpy, the standard library and marketreview.errors/types only."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import marketreview.calc

CALC = Path(marketreview.calc.__file__).parent
ALLOWED_THIRD_PARTY = {"pandas", "numpy"}
ALLOWED_PACKAGE = {"errors", "types"}


@pytest.mark.parametrize("path", sorted(CALC.glob("*.py")), ids=lambda p: p.name)
def test_calc_imports(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                assert top in ALLOWED_THIRD_PARTY or top in sys.stdlib_module_names, alias.name
                assert top != "sqlite3", alias.name
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level == 2:  # from ..x import
                assert module.split(".")[0] in ALLOWED_PACKAGE, f"{path.name}: from ..{module}"
            elif node.level == 0:
                top = module.split(".")[0]
                assert top in ALLOWED_THIRD_PARTY or top in sys.stdlib_module_names, f"{path.name}: {module}"
                assert top != "sqlite3"
            else:
                assert node.level == 1, f"{path.name}: relative import beyond the package"
