"""The built wheel works on its own: installed into a fresh virtual environment, run from a folder outside the
repository, with no environment variable and an empty user data and cache folder.

The venv reuses this interpreter's installed dependencies (a ``.pth`` line to its site-packages; ``.pth`` files
there, such as the editable install's finder, are not run), so the test needs no index and takes seconds.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from nbx11_data import locations

REPO = Path(__file__).resolve().parents[1]
DEFAULT_TABLES = ("nb201", "nbnlp11-wt2", "nb311-yahpo", "nb111-ec4")

# Run by the venv's python in a temporary folder: open a shipped table, predict a miss live, load by name.
SCRIPT = r"""
import json
import nbx11_data
bench = nbx11_data.open("nb201")
curve = bench.curve(11, dataset="cifar100", metric="train_acc", seed=777, budget=200)
nlp = nbx11_data.open("nbnlp11-wt2")
held = set(nlp.archs())
unseen = next(a for a in map(nlp.space.format, nlp.space.sample(20, seed=3, encodable=True)) if a not in held)
values, sources = nlp.curves([unseen], seed=0, with_source=True)
model = nbx11_data.load_ensemble("nb311-yahpo")
print(json.dumps({"package": nbx11_data.__file__, "nb201": str(bench.folder), "curve": curve.tolist(),
                  "unseen": unseen, "live": values[0].tolist(), "source": str(sources[0]),
                  "checkpoint": model.checkpoint_id, "version": nbx11_data.__version__}))
"""


def _sources(dest: Path) -> Path:
    """The files a fresh clone would have (tracked, plus untracked ones git does not ignore), copied to ``dest``."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO, capture_output=True)
    if listed.returncode != 0:
        pytest.skip("not a git checkout: the wheel is built from the checkout's files")
    for name in filter(None, listed.stdout.decode().split("\0")):
        if (REPO / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, dest / name)
    return dest


def _run(args, cwd: Path, env: dict, timeout: float = 300) -> subprocess.CompletedProcess:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{args} failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    return done


@pytest.mark.slow
def test_the_built_wheel_runs_from_a_folder_outside_the_repository_with_its_own_data(tmp_path):
    pytest.importorskip("setuptools", minversion="68")
    source = _sources(tmp_path / "src")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NBX11_", "PYTHON", "VIRTUAL_ENV"))}
    env.update(HOME=str(tmp_path / "home"), XDG_DATA_HOME=str(tmp_path / "data"),
               XDG_CACHE_HOME=str(tmp_path / "cache"), PIP_NO_INPUT="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
          "-w", str(tmp_path / "dist"), str(source)], tmp_path, env)
    (wheel,) = (tmp_path / "dist").glob("nbx11_data-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for table in DEFAULT_TABLES:
        assert f"nbx11_data/_shipped/tables/{table}/manifest.json" in names
    for checkpoint in (p.name for p in (REPO / "checkpoints").iterdir() if (p / "checkpoint.json").is_file()):
        assert f"nbx11_data/_shipped/checkpoints/{checkpoint}/checkpoint.json" in names
    assert not any(n.startswith(("tests/", "benchmarks/", "tables/", "checkpoints/")) for n in names)

    prefix = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(prefix)
    python = prefix / "bin" / "python"
    site = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    seeded = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "seed-dependencies.pth").write_text("\n".join(sorted(seeded)) + "\n")
    _run([python, "-m", "pip", "install", "--quiet", "--no-deps", str(wheel)], tmp_path, env)

    work = tmp_path / "work"
    work.mkdir()
    nbx11 = str(prefix / "bin" / "nbx11")
    version = re.search(r'^version = "(.+)"$', (REPO / "pyproject.toml").read_text(), re.MULTILINE).group(1)
    assert _run([nbx11, "--version"], work, env).stdout.split() == ["nbx11", version]
    listed = _run([nbx11, "list"], work, env).stdout
    for table in DEFAULT_TABLES:
        assert any(line.startswith(f"{table}\t") and str(site) in line for line in listed.splitlines()), listed
    demo = _run([nbx11, "demo"], work, env)
    assert all(f"{table} verified" in demo.stdout for table in DEFAULT_TABLES), demo.stdout

    got = json.loads(_run([python, "-c", SCRIPT], work, env).stdout)
    assert got["package"].startswith(str(site)) and got["nb201"].startswith(str(site))
    assert got["version"] == version

    import nbx11_data

    here = nbx11_data.open("nb201", root=REPO / "tables")
    assert got["curve"] == here.curve(11, dataset="cifar100", metric="train_acc", seed=777, budget=200).tolist()
    nlp = nbx11_data.open("nbnlp11-wt2", root=REPO / "tables")
    values, sources = nlp.curves([got["unseen"]], seed=0, with_source=True)
    assert got["source"] == sources[0] and got["source"].startswith("live:")
    assert got["live"] == values[0].tolist()  # the same bits as a live prediction in the checkout
    assert got["checkpoint"] == locations.find_checkpoint("nb311-yahpo", REPO / "checkpoints").name
    assert not list(work.iterdir()), "the installed package wrote into the working folder"
