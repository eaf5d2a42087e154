"""The lock files pin exactly what pyproject.toml asks for, so every install is the same.

`make install`, CI and the Dockerfile install from requirements.lock (and the dev lock),
with `--require-hashes`; `make lock` writes both. A dependency added to pyproject.toml
without `make lock` fails here, not on a newcomer's machine.
"""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s\\;]+)", re.MULTILINE)


def _pins(name):
    text = (ROOT / name).read_text()
    pins = {canonicalize_name(package): version for package, version in PIN.findall(text)}
    assert pins, f"{name} pins nothing"
    return text, pins


def _requirements(extra=None):
    project = PYPROJECT["project"]
    lines = project["optional-dependencies"][extra] if extra else project["dependencies"]
    return [Requirement(line) for line in lines]


@pytest.mark.parametrize(
    ("lock", "requirements"),
    [
        ("requirements.lock", _requirements()),
        ("requirements-dev.lock", _requirements() + _requirements("dev")),
    ],
)
def test_every_dependency_is_pinned_within_its_range(lock, requirements):
    _, pins = _pins(lock)
    for requirement in requirements:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement} is not in {lock}: run `make lock`"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"{lock} pins {name}=={pins[name]}, outside {requirement.specifier}: run `make lock`"
        )


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-dev.lock"])
def test_every_pin_carries_hashes(lock):
    text, pins = _pins(lock)
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[-1])
    pinned = [entry for entry in entries if PIN.match(entry)]
    assert len(pinned) == len(pins)
    for entry in pinned:
        assert "--hash=sha256:" in entry, f"no hash for {entry.splitlines()[0]}"


def test_the_dev_lock_keeps_the_runtime_versions():
    _, runtime = _pins("requirements.lock")
    _, dev = _pins("requirements-dev.lock")
    changed = {name: (version, dev.get(name)) for name, version in runtime.items()}
    assert {n: v for n, v in changed.items() if v[0] != v[1]} == {}


def test_installs_use_the_lock_files_with_hashes():
    makefile = (ROOT / "Makefile").read_text()
    assert "--require-hashes -r requirements.lock" in makefile
    assert "--require-hashes -r requirements-dev.lock" in makefile
    assert "pip install --quiet --no-deps -e ." in makefile
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "--require-hashes -r requirements.lock" in dockerfile
