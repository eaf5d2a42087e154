"""README and docs stay true as the code changes."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_readme_documents_every_environment_variable_the_settings_read():
    settings_source = (ROOT / "relcommerce" / "settings.py").read_text()
    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', settings_source))
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", readme, flags=re.MULTILINE))
    assert read, "found no env reads in settings.py"
    assert read - documented == set(), "add these to README's configuration table"
    assert documented - read == set(), "README documents variables the settings never read"


def test_readme_gives_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme
    for doc in ["docs/architecture.md", "docs/metrics.md", "docs/benchmarks.md"]:
        assert doc in readme
        assert (ROOT / doc).exists()
