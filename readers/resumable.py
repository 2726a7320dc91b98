"""A pooch downloader that resumes an interrupted transfer with an HTTP Range request.

Pooch streams each file into a fresh temporary file and throws it away when the
transfer breaks. :class:`ResumableDownloader` instead keeps the bytes received
so far in a stable ``.part`` file (one per expected sha256, so bytes of another
version are never glued on), asks the server only for the rest
(``Range: bytes=N-``), and hands the finished file to pooch, which then checks
its hash and moves it into place. A server that ignores Range (200 instead of
206) simply sends the whole file again.

Example:
    >>> import pooch  # doctest: +SKIP
    >>> get = ResumableDownloader("cache/.partial/ab12.part", size=1234)  # doctest: +SKIP
    >>> pooch.retrieve(url, "sha256:ab12...", downloader=get)  # doctest: +SKIP
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from nbx11_data.errors import DownloadError

_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


class ResumableDownloader:
    """Pooch downloader (``__call__(url, output_file, pooch)``) with resume.

    ``part_path`` holds the partial bytes between attempts (and processes);
    ``size`` is the expected length in bytes (from the manifest; None when unknown).
    """

    def __init__(self, part_path: str | Path, size: int | None, *, timeout: float = 60.0,
                 chunk_size: int = 1 << 16, progressbar: bool = False) -> None:
        self.part_path = Path(part_path)
        self.size = size
        self.timeout = timeout
        self.chunk_size = chunk_size
        self.progressbar = progressbar

    def __call__(self, url: str, output_file, pooch, check_only: bool = False):
        import requests  # comes with pooch; imported lazily like pooch does

        if check_only:
            return requests.head(url, timeout=self.timeout, allow_redirects=True).status_code == 200
        self.part_path.parent.mkdir(parents=True, exist_ok=True)
        offset = self.part_path.stat().st_size if self.part_path.exists() else 0
        if self.size is not None and offset > self.size:  # longer than the expected file: cannot be a prefix of it
            self.part_path.unlink()
            offset = 0
        if self.size is None or offset < self.size:
            self._fetch_rest(requests, url, offset)
        os.replace(self.part_path, output_file)  # pooch verifies the hash, then moves it into place
        return None

    def _fetch_rest(self, requests, url: str, offset: int) -> None:
        headers = {"Range": f"bytes={offset}-"} if offset else {}
        with requests.get(url, headers=headers, stream=True, timeout=self.timeout) as response:
            if response.status_code == 416:  # the server's file is shorter than our partial one
                self.part_path.unlink(missing_ok=True)
            response.raise_for_status()
            if response.status_code == 206:
                start = _range_start(response.headers.get("Content-Range", ""))
                if start != offset:
                    self.part_path.unlink(missing_ok=True)
                    raise DownloadError(f"{url}: asked for bytes from {offset}, server sent "
                                        f"Content-Range {response.headers.get('Content-Range')!r}")
            else:  # 200: the whole file again
                offset = 0
            bar = self._bar(url, offset)
            try:
                with open(self.part_path, "ab" if offset else "wb") as handle:
                    self._copy_body(requests, response, handle, bar)
            finally:
                if bar is not None:
                    bar.close()
        got = self.part_path.stat().st_size
        if self.size is not None and got < self.size:
            raise requests.exceptions.ChunkedEncodingError(f"{url}: transfer cut at {got} of {self.size} bytes")

    def _copy_body(self, requests, response, handle, bar) -> None:
        """Write what arrives as it arrives, so that a cut transfer keeps every byte received."""
        import urllib3

        raw = response.raw
        try:
            while chunk := raw.read1(self.chunk_size, decode_content=True):
                handle.write(chunk)
                if bar is not None:
                    bar.update(len(chunk))
        except (urllib3.exceptions.HTTPError, OSError) as err:  # e.g. IncompleteRead, reset
            raise requests.exceptions.ChunkedEncodingError(f"{response.url}: {err}") from err

    def _bar(self, url: str, offset: int):
        if not self.progressbar:
            return None
        from tqdm import tqdm

        return tqdm(total=self.size, initial=offset, unit="B", unit_scale=True, ncols=79,
                    desc=url.rsplit("/", 1)[-1][:30], leave=False)


def _range_start(header: str) -> int | None:
    match = _CONTENT_RANGE.fullmatch(header.strip())
    return int(match.group(1)) if match else None
