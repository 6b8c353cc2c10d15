"""Downloads that never leave half a file behind and never write outside their folder.

The body streams into a hidden temp file beside the target; only a complete, fsynced file is
renamed onto the final name. Any error or cancellation removes the temp file. A failure of our
own disk (full, read-only, no permission) is an OutputWriteError naming the file.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections.abc import Callable
from pathlib import Path

import aiohttp
import anyio
import anyio.to_thread
from anyio import AsyncFile

from heygen_async._envelope import error_class
from heygen_async._errors import (
    APIConnectionError,
    APITimeoutError,
    ClientClosedError,
    OutputWriteError,
    ValidationError,
)

__all__ = ["download_to", "safe_filename"]

_CHUNK = 256 * 1024
_UNSAFE = re.compile(r"[\x00-\x1f<>:\"|?*\\/]")
# In UTF-8 bytes: file systems count bytes (255 at most), and the temp file's name adds
# `.` + `.<8 hex>.part` (15 bytes) to the final one.
_MAX_NAME_BYTES = 200
_MAX_SUFFIX_BYTES = 16

ProgressCallback = Callable[[int, int | None], None]


def safe_filename(name: str) -> str:
    """A plain file name: no directories, no traversal, no control characters."""
    base = re.split(r"[\\/]", name)[-1]
    cleaned = _UNSAFE.sub("_", base).strip().lstrip(".")
    if not cleaned:
        raise ValidationError("filename", f"{name!r} leaves no usable file name")
    return _shorten(cleaned, _MAX_NAME_BYTES)


def _shorten(name: str, limit: int) -> str:
    """At most `limit` UTF-8 bytes, cut inside the stem so the extension survives."""
    if len(name.encode()) <= limit:
        return name
    stem, dot, extension = name.rpartition(".")
    suffix = dot + extension if stem and len(extension.encode()) < _MAX_SUFFIX_BYTES else ""
    head = name[: len(name) - len(suffix)].encode()[: limit - len(suffix.encode())]
    # "ignore" drops a character cut in half at the end.
    return head.decode("utf-8", "ignore") + suffix


async def download_to(
    session: aiohttp.ClientSession,
    url: str,
    directory: str | os.PathLike[str],
    filename: str,
    *,
    on_progress: ProgressCallback | None = None,
    timeout: float = 600.0,
) -> Path:
    """Stream `url` to `directory/filename` atomically; return the final path."""
    try:
        target = await anyio.to_thread.run_sync(_prepare_target, Path(directory), filename)
    except OSError as exc:
        raise OutputWriteError(Path(directory), exc) from exc
    part = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
    try:
        await _stream(session, url, part, on_progress, timeout)
        await anyio.to_thread.run_sync(os.replace, part, target)
    except OSError as exc:
        # Network failures were turned into APIConnectionError in _stream: this is our disk.
        raise OutputWriteError(target, exc) from exc
    finally:
        # Shielded so a cancelled download still cleans up after itself.
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(_remove_quietly, part)
    return target


def _prepare_target(directory: Path, filename: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    root = directory.resolve()
    target = (root / safe_filename(filename)).resolve()
    if target.parent != root:
        raise ValidationError("filename", f"{filename!r} would be written outside {root}")
    return target


async def _stream(
    session: aiohttp.ClientSession,
    url: str,
    part: Path,
    on_progress: ProgressCallback | None,
    timeout: float,
) -> None:
    # The path only: signed media URLs carry credentials in their query string.
    where = url.split("?", 1)[0]
    # Checked here, not only when the caller fetched the session: it may have been closed while
    # the folder was prepared (aiohttp would raise a bare RuntimeError).
    _check_open(session, where)
    try:
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=timeout)) as response:
            _raise_for_status(response.status, where)
            await _write_body(response, part, on_progress)
    except TimeoutError as exc:
        raise APITimeoutError("download timed out", method="GET", path=where) from exc
    except aiohttp.ClientError as exc:
        _check_open(session, where)  # closed mid-body: say so, it is no network outage
        raise APIConnectionError(
            f"download failed: {exc.__class__.__name__}", method="GET", path=where
        ) from exc


def _check_open(session: aiohttp.ClientSession, where: str) -> None:
    if session.closed:
        raise ClientClosedError(
            "download failed: the aiohttp session was closed; create a new client",
            method="GET",
            path=where,
        )


def _raise_for_status(status: int, where: str) -> None:
    if status < 400:
        return
    message = "download failed"
    if status == 403:
        message = "the signed URL expired or is invalid; fetch a fresh status for a new URL"
    raise error_class(status)(message, status=status, method="GET", path=where)


async def _write_body(
    response: aiohttp.ClientResponse, part: Path, on_progress: ProgressCallback | None
) -> None:
    total = response.content_length
    done = 0
    async with await anyio.open_file(part, "xb") as handle:
        async for chunk in response.content.iter_chunked(_CHUNK):
            await _write_chunk(handle, chunk)
            done += len(chunk)
            if on_progress is not None:
                on_progress(done, total)
        if total is not None and done != total:
            raise APIConnectionError(f"download ended after {done} of {total} bytes")
        await handle.flush()
        await anyio.to_thread.run_sync(os.fsync, handle.wrapped.fileno())


async def _write_chunk(handle: AsyncFile[bytes], chunk: bytes) -> None:
    """Where downloaded bytes meet the disk (a full disk fails here, or at the fsync)."""
    await handle.write(chunk)


def _remove_quietly(path: Path) -> None:
    # Never masks the error being raised; a leftover part file is removed by the next batch run.
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)
