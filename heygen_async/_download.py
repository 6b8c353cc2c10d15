"""Downloads that never leave half a file behind and never write outside their folder.

The body streams into a hidden temp file beside the target; only a complete, fsynced file is
renamed onto the final name. Any error or cancellation removes the temp file.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable
from pathlib import Path

import aiohttp
import anyio
import anyio.to_thread

from heygen_async._envelope import error_class
from heygen_async._errors import APIConnectionError, APITimeoutError, ValidationError

__all__ = ["download_to", "safe_filename"]

_CHUNK = 256 * 1024
_UNSAFE = re.compile(r"[\x00-\x1f<>:\"|?*\\/]")
_MAX_NAME = 200

ProgressCallback = Callable[[int, int | None], None]


def safe_filename(name: str) -> str:
    """A plain file name: no directories, no traversal, no control characters."""
    base = re.split(r"[\\/]", name)[-1]
    cleaned = _UNSAFE.sub("_", base).strip().lstrip(".")
    if not cleaned:
        raise ValidationError("filename", f"{name!r} leaves no usable file name")
    return cleaned[:_MAX_NAME]


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
    target = await anyio.to_thread.run_sync(_prepare_target, Path(directory), filename)
    part = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
    try:
        await _stream(session, url, part, on_progress, timeout)
        await anyio.to_thread.run_sync(os.replace, part, target)
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
    try:
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=timeout)) as response:
            _raise_for_status(response.status, where)
            await _write_body(response, part, on_progress)
    except TimeoutError as exc:
        raise APITimeoutError("download timed out", method="GET", path=where) from exc
    except aiohttp.ClientError as exc:
        raise APIConnectionError(
            f"download failed: {exc.__class__.__name__}", method="GET", path=where
        ) from exc


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
            await handle.write(chunk)
            done += len(chunk)
            if on_progress is not None:
                on_progress(done, total)
        if total is not None and done != total:
            raise APIConnectionError(f"download ended after {done} of {total} bytes")
        await handle.flush()
        await anyio.to_thread.run_sync(os.fsync, handle.wrapped.fileno())


def _remove_quietly(path: Path) -> None:
    path.unlink(missing_ok=True)
