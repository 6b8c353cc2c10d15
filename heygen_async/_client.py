"""HeyGenClient: configuration, one connection pool, and the resources hung off it."""

from __future__ import annotations

import os
from types import TracebackType
from typing import Self

import aiohttp

from heygen_async import _workflows
from heygen_async._errors import MissingAPIKeyError
from heygen_async._polling import PollSchedule
from heygen_async._transport import Transport, TransportOptions
from heygen_async.resources import (
    Assets,
    AvatarIV,
    PhotoAvatars,
    Quota,
    TalkingPhotos,
    Videos,
    Voices,
    Webhooks,
)

__all__ = ["DEFAULT_BASE_URL", "DEFAULT_UPLOAD_URL", "HeyGenClient"]

DEFAULT_BASE_URL = "https://api.heygen.com"
DEFAULT_UPLOAD_URL = "https://upload.heygen.com"


class HeyGenClient:
    """Async client for HeyGen's photo-avatar and video APIs.

    `async with HeyGenClient() as client:` reads HEYGEN_API_KEY (and HEYGEN_BASE_URL /
    HEYGEN_UPLOAD_URL, e.g. to point at the emulator). One aiohttp session serves every call;
    a session you pass in is used as is and left open.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        upload_url: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 2,
        poll: PollSchedule | None = None,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        key = api_key or os.environ.get("HEYGEN_API_KEY")
        if not key:
            raise MissingAPIKeyError
        self.base_url = (base_url or os.environ.get("HEYGEN_BASE_URL") or DEFAULT_BASE_URL).rstrip(
            "/"
        )
        self.upload_url = (
            upload_url or os.environ.get("HEYGEN_UPLOAD_URL") or DEFAULT_UPLOAD_URL
        ).rstrip("/")
        transport = Transport(
            api_key=key,
            base_url=self.base_url,
            upload_url=self.upload_url,
            options=TransportOptions(timeout=timeout, max_retries=max_retries),
            session=session,
        )
        self._bind(transport, poll or PollSchedule())

    def _bind(self, transport: Transport, poll: PollSchedule) -> None:
        self._transport = transport
        self.poll = poll
        self.assets = Assets(transport, poll)
        self.talking_photos = TalkingPhotos(transport, poll)
        self.videos = Videos(transport, poll)
        self.avatar_iv = AvatarIV(transport, poll)
        self.photo_avatars = PhotoAvatars(transport, poll)
        self.voices = Voices(transport, poll)
        self.quota = Quota(transport, poll)
        self.webhooks = Webhooks(transport, poll)

    def with_options(
        self,
        *,
        timeout: float | None = None,
        max_retries: int | None = None,
        poll: PollSchedule | None = None,
    ) -> HeyGenClient:
        """A client sharing this one's session, with some settings changed."""
        current = self._transport.options
        options = TransportOptions(
            timeout=current.timeout if timeout is None else timeout,
            max_retries=current.max_retries if max_retries is None else max_retries,
        )
        clone = object.__new__(HeyGenClient)
        clone.base_url, clone.upload_url = self.base_url, self.upload_url
        clone._bind(self._transport.with_options(options), poll or self.poll)
        return clone

    @property
    def session(self) -> aiohttp.ClientSession:
        """The one aiohttp session every call of this client goes through."""
        return self._transport.session

    async def aclose(self) -> None:
        """Close the session if this client created it."""
        await self._transport.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        # Never the key: reprs end up in logs and tracebacks.
        return f"HeyGenClient(base_url={self.base_url!r}, upload_url={self.upload_url!r})"

    # The one-call workflows are defined once, in _workflows.py, and bound here as methods:
    # `client.photo_to_video(photo, script, voice_id, directory=...)`.
    photo_to_video = _workflows.photo_to_video
    photo_to_avatar_iv = _workflows.photo_to_avatar_iv
