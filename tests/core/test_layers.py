"""The ground floor imports nothing above it (issue 10 point 3): tongzhou_care/core knows no
app; the apps contribute their home panels, demo data and jobs themselves."""

import ast
import re
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "tongzhou_care" / "core"
TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "core"
APPS = ("enrollment", "claims", "oversight")


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module
        elif (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in
              ("import_module", "get_model") and node.args and isinstance(node.args[0], ast.Constant)):
            yield str(node.args[0].value).replace(".", " ").split()[0]


def test_core_imports_no_app():
    found = sorted(f"{path.relative_to(CORE)}: {name}" for path in CORE.rglob("*.py") if "migrations" not in path.parts
                   for name in _imports(path) if name.split(".")[0] in APPS)
    assert found == []


def test_core_templates_load_no_app_tags():
    loads = {m for path in TEMPLATES.rglob("*.html")
             for m in re.findall(r"{%\s*load\s+([^%]+)%}", path.read_text(encoding="utf-8"))}
    assert {lib for line in loads for lib in line.split()} <= {"static", "core_tags", "i18n", "humanize"}


def test_the_check_would_find_an_import(tmp_path):
    """The test above can fail: an import of an app, written any of these ways, is found."""
    sample = tmp_path / "sample.py"
    sample.write_text("from claims.selectors import x\nimport oversight.models\n"
                      "def f():\n    from enrollment import rules\n    apps.get_model('claims.Claim')\n")
    assert sorted(_imports(sample)) == ["claims", "claims.selectors", "enrollment", "oversight.models"]
