"""Every python and bash block of README.md runs as pasted, from a folder that looks like the clone.

A block is skipped only where the README says so, in an HTML comment on the line before it:
``<!-- readme-test: skip (why) -->``; the reason shows in pytest's summary (``-rs``). One whose line before
says ``<!-- readme-test: slow (why) -->`` is marked ``slow`` (``make test-fast`` leaves it out).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
RUN = {"python", "bash"}
SHOWN = {"text", "bibtex"}  # blocks that are not code to run
_FENCE = re.compile(r"^```(\S*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
_SKIP = re.compile(r"<!-- readme-test: skip \((.+)\) -->")
_SLOW = re.compile(r"<!-- readme-test: slow \((.+)\) -->")


def blocks(text: str) -> list[tuple[int, str, str, str | None]]:
    """(line, language, code, skip reason or None) of each fenced block.

    >>> blocks("<!-- readme-test: skip (slow) -->\\n```bash\\nsleep 99\\n```\\n")
    [(2, 'bash', 'sleep 99\\n', 'slow')]
    """
    found = []
    for match in _FENCE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        before = text[:match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        skip = _SKIP.fullmatch(before.strip())
        found.append((line, match.group(1), match.group(2), skip.group(1) if skip else None))
    return found


README = blocks((REPO / "README.md").read_text(encoding="utf-8"))
_LINES = (REPO / "README.md").read_text(encoding="utf-8").splitlines()


def _param(block: tuple[int, str, str, str | None]):
    """The block as a test case, marked slow where the line before it says so."""
    before = next((text for text in reversed(_LINES[:block[0] - 1]) if text.strip()), "")
    slow = _SLOW.fullmatch(before.strip())
    return pytest.param(*block, id=f"line{block[0]}-{block[1]}", marks=[pytest.mark.slow] if slow else [])


def test_every_readme_block_is_labelled_as_code_to_run_or_as_text():
    assert README, "no code blocks found in README.md"
    unlabelled = [(line, lang) for line, lang, _, _ in README if lang not in RUN | SHOWN]
    assert not unlabelled, f"blocks with no or an unknown language (line, language): {unlabelled}"


@pytest.fixture
def clone_like(tmp_path) -> tuple[Path, dict]:
    """A working folder whose entries link to the repository's, and an environment with no NBX11_* settings."""
    work = tmp_path / "clone"
    work.mkdir()
    listed = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True)
    tracked = {name.split("/", 1)[0] for name in listed.stdout.splitlines()} if listed.returncode == 0 else None
    for entry in REPO.iterdir():  # what a clone has; outputs such as results/ land in the temporary folder
        if entry.name != ".git" and (tracked is None or entry.name in tracked):
            (work / entry.name).symlink_to(entry)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NBX11_")}
    env.update(PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}", HOME=str(tmp_path / "home"),
               XDG_DATA_HOME=str(tmp_path / "data"), XDG_CACHE_HOME=str(tmp_path / "cache"), MPLBACKEND="Agg")
    return work, env


@pytest.mark.parametrize("line, lang, code, skip", [_param(b) for b in README if b[1] in RUN])
def test_readme_block_runs_as_pasted(clone_like, line, lang, code, skip):
    if skip:
        pytest.skip(f"README.md line {line}: {skip}")
    work, env = clone_like
    command = [sys.executable, "-c", code] if lang == "python" else ["bash", "-e", "-o", "pipefail", "-c", code]
    logs = work.parent / "block.out", work.parent / "block.err"
    # output goes to files, not pipes: a background server a block starts would hold a pipe open for ever
    with open(logs[0], "w") as stdout, open(logs[1], "w") as stderr:
        process = subprocess.Popen(command, cwd=work, env=env, stdout=stdout, stderr=stderr, text=True,
                                   start_new_session=True)
        try:
            process.wait(timeout=600)
        finally:  # a block may start a background server: end its whole process group
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    out, err = (log.read_text(errors="replace") for log in logs)
    assert process.returncode == 0, f"README.md line {line} ({lang}) failed:\n{code}\n--- stdout\n{out[-3000:]}" \
                                    f"\n--- stderr\n{err[-3000:]}"
