"""Request bodies with their Content-Encoding undone, by the emulator rather than by aiohttp.

The server runs with aiohttp's auto_decompress off. With it on, a body that is not what its
Content-Encoding says escaped every handler (junk labelled gzip: a plain-text 500), or failed in
aiohttp's parser (a few bytes labelled deflate: a plain-text 400 and, now and then, no answer at
all). Here every such body gets the API's 400 naming Content-Encoding.
"""

from __future__ import annotations

import zlib

from heygen_async.emulator._envelopes import ApiError

__all__ = ["decode_body", "too_large"]

_GZIP = 16 + zlib.MAX_WBITS
# deflate is zlib-wrapped by the spec; some clients send the raw stream, so both are read.
_WBITS = {"gzip": (_GZIP,), "x-gzip": (_GZIP,), "deflate": (zlib.MAX_WBITS, -zlib.MAX_WBITS)}


def too_large(limit: int) -> ApiError:
    return ApiError(413, f"file exceeds the {limit} byte limit", code="payload_too_large")


def decode_body(raw: bytes, content_encoding: str, limit: int) -> bytes:
    """`raw` with each listed coding undone (last applied, first undone), at most `limit` bytes."""
    codings = [coding.strip().lower() for coding in content_encoding.split(",")]
    body = raw
    for coding in reversed([coding for coding in codings if coding not in ("", "identity")]):
        if not body:
            return body  # nothing was sent: nothing to decode
        wbits = _WBITS.get(coding)
        if wbits is None:
            raise ApiError(
                400,
                f"Content-Encoding {coding!r} is not supported (gzip, deflate or identity)",
                code="invalid_parameter",
            )
        body = _inflate(body, coding, wbits, limit)
    return body


def _inflate(data: bytes, coding: str, wbits: tuple[int, ...], limit: int) -> bytes:
    for bits in wbits:
        inflater = zlib.decompressobj(bits)
        try:
            out = inflater.decompress(data, limit + 1)  # a bomb stops one byte past the limit
        except zlib.error:
            continue
        if len(out) > limit:
            raise too_large(limit)
        if inflater.eof:
            return out
    raise ApiError(
        400, f"Content-Encoding: the body is not valid {coding!r} data", code="invalid_parameter"
    )
