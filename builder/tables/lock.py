"""Build locks: one build at a time per output folder, and no work folder removed while a build uses it.

:func:`out_lock` is held (exclusive) by a build that writes the table folder ``out``; a second
build waits up to ``wait`` seconds, then stops with :class:`FolderLockedError` naming the holder
(pid, host, start time). :func:`work_lock` is held shared by every build that computes or reads
units in a work folder; :meth:`WorkLock.remove_if_unused` deletes the folder only when no other
build holds it. Both are ``flock`` locks on a small file, which the kernel releases when the
holder dies (kill -9 included): a dead build never blocks the next one.

Example:
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "t"
    >>> with out_lock(out):
    ...     try:
    ...         with out_lock(out):
    ...             pass
    ...     except FolderLockedError as err:
    ...         print(str(err).split(" by ")[0])
    t is being built
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import socket
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from nbx11_data.errors import NBX11Error, UnknownNameError

WORK_LOCK = ".lock"
_POLL_S = 0.2


class FolderLockedError(NBX11Error, BlockingIOError):
    """Another build holds the folder; the message says which (pid, host, start time)."""


@contextlib.contextmanager
def out_lock(out: Path, wait: float = 0.0):
    """Hold the exclusive lock of table folder ``out`` (file ``.<name>.lock`` beside it)."""
    if isinstance(wait, bool) or not isinstance(wait, (int, float)) or not wait >= 0:
        raise UnknownNameError("--wait", wait, ["a number of seconds >= 0"])
    out = Path(out)
    path = out.parent / f".{out.name}.lock"
    handle = _acquire(path, fcntl.LOCK_EX, wait, f"{out.name} is being built")
    try:
        if handle is not None:
            handle.seek(0)
            handle.truncate()
            handle.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                                     "started": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")}))
            handle.flush()
        yield
    finally:
        if handle is not None:
            path.unlink(missing_ok=True)  # still held: a waiter that locked this file sees it is gone and retries
            handle.close()


class WorkLock:
    """A shared hold on a work folder, taken by :func:`work_lock`."""

    def __init__(self, work: Path, handle) -> None:
        self.work, self._handle = work, handle

    def remove_if_unused(self) -> bool:
        """Delete the work folder unless another build holds it; True if deleted."""
        if self._handle is None:  # no locks on this file system: another build may need the units
            return False
        try:
            fcntl.flock(self._handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        shutil.rmtree(self.work, ignore_errors=True)
        return True

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()


@contextlib.contextmanager
def work_lock(work: Path, wait: float = 60.0):
    """Hold a shared lock on work folder ``work`` (created if missing) while its units are used."""
    work = Path(work)
    held = WorkLock(work, _acquire(work / WORK_LOCK, fcntl.LOCK_SH, wait, f"{work} is being removed"))
    try:
        yield held
    finally:
        held.close()


def _acquire(path: Path, mode: int, wait: float, busy: str):
    """An open file of ``path`` locked with ``mode``; None (with a warning) where the file system has no locks."""
    deadline = time.monotonic() + wait
    told = False
    while True:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(path, "a+")
        except FileNotFoundError:  # the folder was just removed by the build that used it last
            continue
        try:
            fcntl.flock(handle, mode | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(handle)
            handle.close()
            if time.monotonic() >= deadline:
                raise FolderLockedError(f"{busy} by {holder}; wait for it (--wait SECONDS) or use another"
                                        " folder") from None
            if not told:
                print(f"waiting up to {wait:.0f} s: {busy} by {holder}", file=sys.stderr)
                told = True
            time.sleep(_POLL_S)
            continue
        except OSError as err:
            handle.close()
            if err.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS):
                raise
            print(f"warning: {path}: the file system has no locks ({err.strerror}); nothing stops a second build"
                  " of this folder, and work units are kept", file=sys.stderr)
            return None
        if _same_file(handle, path):
            return handle
        handle.close()  # the holder removed the file as it released it: lock the one now there


def _same_file(handle, path: Path) -> bool:
    try:
        return os.stat(path).st_ino == os.fstat(handle.fileno()).st_ino
    except FileNotFoundError:
        return False


def _holder(handle) -> str:
    """'pid P on host H since T' from the lock file, as far as the holder has written it."""
    try:
        handle.seek(0)
        info = json.loads(handle.read() or "{}")
        return f"pid {info['pid']} on host {info['host']} since {info['started']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "another build (it has not written its pid yet)"
