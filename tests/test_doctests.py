"""Every docstring example of the package runs and shows what it says, on the shipped tables and checkpoints.

The examples are found in the installed modules by name (``nbx11_data.readers.benchmark``, never
``readers.benchmark``): ``readers/`` and ``builder/`` are installed as ``nbx11_data.readers`` and
``nbx11_data.builder``, so collecting the files by path would import them a second time under another name.
One test per docstring. An example marked ``# doctest: +SKIP`` needs a server, the inputs of a build, source
files that are not shipped, or minutes; one that reads ``../shared/data`` (the original source files) is
skipped where that folder is absent.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

# readers/ and builder/ are installed as these subpackages, outside the folder of nbx11_data (see pyproject.toml)
ROOTS = ("nbx11_data", "nbx11_data.readers", "nbx11_data.builder")
REPO = Path(__file__).resolve().parent.parent
SHARED = "../shared/data"  # the path the builder's examples read the source files from


def _module_names() -> list[str]:
    names = set(ROOTS)
    for root in ROOTS:
        package = importlib.import_module(root)
        names.update(info.name for info in pkgutil.walk_packages(package.__path__, f"{root}."))
    return sorted(names)


def _docstrings() -> list:
    finder = doctest.DocTestFinder()
    found = []
    for name in _module_names():
        for test in finder.find(importlib.import_module(name), name):
            if test.examples:
                marks = [pytest.mark.shared] if any(SHARED in e.source for e in test.examples) else []
                found.append(pytest.param(test, id=test.name, marks=marks))
    return found


@pytest.mark.parametrize("test", _docstrings())
def test_docstring_examples_run_and_show_what_they_say(test: doctest.DocTest, monkeypatch) -> None:
    monkeypatch.chdir(REPO)  # the examples name checkpoints/ and ../shared/data from the repository's root
    examples = [e for e in test.examples if not e.options.get(doctest.SKIP)]
    if not examples:
        pytest.skip("every example is marked +SKIP: it needs a server, a build's inputs or unshipped sources")
    if any(SHARED in e.source for e in examples) and not Path(SHARED).is_dir():
        pytest.skip(f"its examples read the source files in {SHARED}, which is absent here")
    report: list[str] = []
    result = doctest.DocTestRunner().run(test, out=report.append)
    assert result.failed == 0, "".join(report)
