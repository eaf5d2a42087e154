"""`lint-imports` (make lint) really fails on a wrong-way import or an import circle.

Each test copies the project's packages into a temporary directory, breaks one import in
the copy and runs the project's `lint-imports` there, with the project's pyproject.toml:
a contract that silently passed everything would be caught here. The unmodified copy
must pass, so the failures are the injected imports' doing. A few tenths of a second each.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")  # the venv's, beside python
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
LAYERS = next(c["name"] for c in CONFIG["contracts"] if c["type"] == "layers")
ACYCLIC = next(c["name"] for c in CONFIG["contracts"] if c["type"] == "acyclic_siblings")


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the Python packages the contracts cover, and pyproject.toml."""
    copy = tmp_path / "project"
    keep_python = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in CONFIG["root_packages"]:
        shutil.copytree(ROOT / package, copy / package, ignore=keep_python)
    shutil.copy(ROOT / "pyproject.toml", copy)
    return copy


def lint_imports(project: Path) -> subprocess.CompletedProcess:
    # lint-imports puts its working directory first on sys.path: it reads the copy, not
    # the editable install of the project.
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def inject(project: Path, module: str, code: str) -> None:
    path = project / (module.replace(".", "/") + ".py")
    assert path.exists(), f"{module} is gone: pick another module to break"
    path.write_text(path.read_text() + "\n\n" + code + "\n")


def test_the_unmodified_copy_keeps_every_contract(project):
    result = lint_imports(project)

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{LAYERS} KEPT" in result.stdout
    assert f"{ACYCLIC} KEPT" in result.stdout


@pytest.mark.parametrize(
    ("module", "code", "named"),
    [
        # core imports no app
        ("core.paging", "import creators.models  # noqa", "core is not allowed to import creators"),
        # creators imports neither shops nor reviews
        (
            "creators.handles",
            "from shops import models  # noqa",
            "creators is not allowed to import shops",
        ),
        # shops does not import reviews, not even inside a function
        (
            "shops.cart",
            "def _wrong_way():\n    from reviews import selectors\n\n    return selectors",
            "shops is not allowed to import reviews",
        ),
    ],
    ids=["core-imports-creators", "creators-imports-shops", "shops-imports-reviews-in-a-function"],
)
def test_a_wrong_way_import_breaks_the_layers_contract(project, module, code, named):
    inject(project, module, code)

    result = lint_imports(project)

    assert result.returncode != 0, f"lint-imports kept a wrong-way import:\n{result.stdout}"
    assert f"{LAYERS} BROKEN" in result.stdout
    assert named in result.stdout
    assert module in result.stdout  # the report names the importing module
    assert f"{ACYCLIC} KEPT" in result.stdout


def test_an_import_circle_inside_an_app_breaks_the_acyclic_contract(project):
    # creators.tasks imports creators.events at the top; a function-level import back is
    # a circle all the same (the reason core.tasks enqueues tasks by name).
    inject(
        project,
        "creators.events",
        "def _circle():\n    from creators import tasks\n\n    return tasks",
    )

    result = lint_imports(project)

    assert result.returncode != 0, f"lint-imports kept an import circle:\n{result.stdout}"
    assert f"{ACYCLIC} BROKEN" in result.stdout
    assert "No cycles are allowed in creators." in result.stdout
    assert "- .events -> .tasks" in result.stdout  # the import to remove
    assert f"{LAYERS} KEPT" in result.stdout
