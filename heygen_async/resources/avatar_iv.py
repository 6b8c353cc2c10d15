"""Avatar IV renders: a single photo speaks, no training (`POST /v2/video/av4/generate`)."""

from __future__ import annotations

from heygen_async._converter import to_wire
from heygen_async.models import AvatarIVRequest, VideoCreated
from heygen_async.resources._base import Resource, request_model

__all__ = ["AvatarIV"]


class AvatarIV(Resource):
    async def generate(self, request: AvatarIVRequest) -> VideoCreated:
        """Start an Avatar IV render (6 credits a minute); poll it with `videos.wait`."""
        data = await self._transport.request(
            "POST",
            "/v2/video/av4/generate",
            json=to_wire(request_model(request, AvatarIVRequest)),
            paid=True,
        )
        return self._parse(data, VideoCreated)
