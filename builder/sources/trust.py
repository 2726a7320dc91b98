"""Source files are checked against the sha256 their recipe expects before anything unpickles them.

The loaders of pickled sources (``nb201-finals``, ``mini-nb201``, the NATS-Bench
archive, x11's and NAS-Bench-NLP's pickles) call :func:`check` first: a file
whose sha256 is not the one listed in :data:`EXPECTED` (the hashes the committed
tables' provenance records) is refused, as is a file the list does not know,
unless the caller passes ``trust=True`` (``nbx11 build ... --trust-source``). A
trusted file is announced on stderr and its hash is returned for the provenance.

Example:
    >>> check("/no/such/cifar10.pkl", "nb201-finals")
    Traceback (most recent call last):
    ...
    nbx11_data.errors.CorruptFileError: /no/such/cifar10.pkl: not readable ([Errno 2] No such file or directory: '/no/such/cifar10.pkl')
"""

from __future__ import annotations

import sys
from pathlib import Path

from nbx11_data.errors import CorruptFileError
from nbx11_data.io import sha256_file

#: source -> {file name: sha256}; from the provenance of tables/nb201 (the NATS fixture's listing hash
#: 1c1b9fa8... is the sha256 of these three lines, as the manifest records it)
EXPECTED = {
    "nb201-finals": {
        "cifar10.pkl": "2f6f8dcb4c6c8d12e33a8202cec38bcef7614ae04bd233c81e3726e4d20eba11",
        "cifar100.pkl": "a038736ae0f19bf169df58632f3d2941102270818931a0034f280eb52b8893b2",
        "imagenet.pkl": "59ac8d52a62a66d3df0fab19f7569d71fb2a1aa246eac811d56d550143a970b8",
    },
    "mini-nb201": {
        "mini-bench-arch-cell-accs.pd": "bda800741eea1512fab0ed771f19c8fde06c266db3bbf4690ab5921f621877fe",
    },
    "nats-tss-simple": {
        "000000.pickle.pbz2": "0103573dc07d29661807b7952fa0930a53203dc8aa6759ff0c5e0e1111300185",
        "000011.pickle.pbz2": "9e70770646c83f824f0a51422aaa7e89afca861a257ec285cdfada7264345276",
        "000284.pickle.pbz2": "a4f558e5e754d3987c6a6a4d3335e9027f88aeb59cba7da039406d909aa3a2d6",
    },
}


def check(path: str | Path, source: str, trust: bool = False) -> dict | None:
    """None when ``path`` has the sha256 expected for it; else refuse it, or with ``trust`` say so on stderr and
    return ``{"file", "sha256", "expected"}``. Nothing is unpickled here."""
    path = Path(path)
    try:
        actual = sha256_file(path)
    except OSError as err:
        raise CorruptFileError(f"{path}: not readable ({err})") from None
    expected = EXPECTED.get(source, {}).get(path.name)
    if actual == expected:
        return None
    what = (f"its sha256 {actual[:16]}... is not the expected {expected[:16]}..." if expected
            else f"it is not a known {source} file (sha256 {actual[:16]}...)")
    if not trust:
        raise CorruptFileError(f"{path}: {what}; refused before unpickling it (a pickle can run code)."
                               " Pass --trust-source (trust=True) to build from it anyway")
    print(f"nbx11 build: --trust-source: unpickling {path}: {what}", file=sys.stderr)
    return {"file": path.name, "sha256": actual, "expected": expected}


def unverified(files: dict[str, str], source: str) -> list[str]:
    """Names among ``files`` ({name: sha256}, as a provenance lists them) whose hash is not the expected one."""
    expected = EXPECTED.get(source, {})
    return sorted(name for name, sha256 in files.items() if expected.get(name) != sha256)
