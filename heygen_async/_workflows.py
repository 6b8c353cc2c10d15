"""The seed's complete workflows in one call each.

photo -> talking photo -> video -> wait (-> download), and photo -> Avatar IV -> wait (-> download).
Every step is a public client call, so a user can take the workflow apart when they need to.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from heygen_async._errors import ValidationError
from heygen_async.models import (
    AvatarIVRequest,
    Dimension,
    Fit,
    VideoGenerateRequest,
    VideoOrientation,
    VideoResult,
    VideoStatusInfo,
)

if TYPE_CHECKING:
    from heygen_async._client import HeyGenClient
    from heygen_async.resources.assets import Source
    from heygen_async.resources.videos import StatusCallback
    from heygen_async.webhooks import WebhookWaiter

__all__ = ["photo_to_avatar_iv", "photo_to_video"]


async def photo_to_video(
    client: HeyGenClient,
    photo: Source,
    script: str,
    voice_id: str,
    *,
    directory: str | os.PathLike[str] | None = None,
    title: str | None = None,
    dimension: Dimension | None = None,
    callback_id: str | None = None,
    timeout: float = 1800.0,
    on_status: StatusCallback | None = None,
    events: WebhookWaiter | None = None,
) -> VideoResult:
    # Validate the request before uploading: a script too long should cost nothing.
    def request(talking_photo_id: str) -> VideoGenerateRequest:
        return VideoGenerateRequest.talking_photo(
            talking_photo_id,
            script,
            voice_id,
            title=title,
            dimension=dimension,
            callback_id=callback_id,
        )

    request("pending-upload")
    asset = await client.assets.upload(photo, photo_only=True)
    if asset.url is None:
        raise ValidationError("photo", "HeyGen returned no URL for the uploaded photo")
    talking_photo = await client.talking_photos.create(asset.url)
    created = await client.videos.generate(request(talking_photo.talking_photo_id))
    return await _finish(
        client,
        created.video_id,
        directory=directory,
        timeout=timeout,
        on_status=on_status,
        events=events,
    )


async def photo_to_avatar_iv(
    client: HeyGenClient,
    photo: Source,
    script: str,
    voice_id: str,
    *,
    directory: str | os.PathLike[str] | None = None,
    title: str | None = None,
    video_orientation: VideoOrientation | str | None = None,
    fit: Fit | str | None = None,
    motion_prompt: str | None = None,
    callback_id: str | None = None,
    timeout: float = 1800.0,
    on_status: StatusCallback | None = None,
    events: WebhookWaiter | None = None,
) -> VideoResult:
    # Validate the request before uploading: a bad enum should cost nothing.
    def request(image_key: str) -> AvatarIVRequest:
        return AvatarIVRequest(
            image_key=image_key,
            script=script,
            voice_id=voice_id,
            video_title=title,
            video_orientation=video_orientation,  # type: ignore[arg-type]
            fit=fit,  # type: ignore[arg-type]
            custom_motion_prompt=motion_prompt,
            callback_id=callback_id,
        )

    request("pending-upload")
    asset = await client.assets.upload(photo, photo_only=True)
    if asset.image_key is None:
        raise ValidationError("photo", "HeyGen returned no image_key for the uploaded photo")
    created = await client.avatar_iv.generate(request(asset.image_key))
    return await _finish(
        client,
        created.video_id,
        directory=directory,
        timeout=timeout,
        on_status=on_status,
        events=events,
    )


async def _finish(
    client: HeyGenClient,
    video_id: str,
    *,
    directory: str | os.PathLike[str] | None,
    timeout: float,
    on_status: StatusCallback | None,
    events: WebhookWaiter | None,
) -> VideoResult:
    status: VideoStatusInfo = await client.videos.wait(
        video_id, timeout=timeout, on_status=on_status, events=events
    )
    path = None if directory is None else await client.videos.download(status, directory)
    return VideoResult(video_id=video_id, status=status, path=path)
