"""Photo avatars: AI photo generation, groups, looks, training, motion (contract section 8)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from heygen_async._converter import to_wire
from heygen_async._errors import RenderFailedError
from heygen_async._polling import PollSchedule, poll_until
from heygen_async.models import (
    AIPhotoRequest,
    GenerationStatus,
    LookRequest,
    PhotoAvatar,
    PhotoAvatarGroup,
    PhotoGeneration,
    PhotoGenerationCreated,
    TrainingStatusInfo,
)
from heygen_async.models._checks import text
from heygen_async.resources._base import Resource, request_model

__all__ = ["PhotoAvatars"]

GenerationCallback = Callable[[PhotoGeneration], Awaitable[None] | None]
_FINAL = (GenerationStatus.SUCCESS, GenerationStatus.FAILED)


class PhotoAvatars(Resource):
    async def generate_photo(self, request: AIPhotoRequest) -> PhotoGenerationCreated:
        """Generate four AI photos of a person that does not exist (1 credit)."""
        body = to_wire(request_model(request, AIPhotoRequest))
        data = await self._post("/v2/photo_avatar/photo/generate", body, paid=True)
        return self._parse(data, PhotoGenerationCreated)

    async def generation_status(self, generation_id: str) -> PhotoGeneration:
        text("generation_id", generation_id)
        data = await self._get(f"/v2/photo_avatar/generation/{generation_id}")
        return self._parse(data, PhotoGeneration)

    async def wait_for_generation(
        self,
        generation_id: str,
        *,
        timeout: float = 600.0,
        poll: PollSchedule | None = None,
        on_status: GenerationCallback | None = None,
    ) -> PhotoGeneration:
        final = await poll_until(
            lambda: self.generation_status(generation_id),
            done=lambda generation: generation.status in _FINAL,
            status_of=lambda generation: generation.status.value,
            job_id=generation_id,
            timeout=timeout,
            schedule=poll or self._poll,
            on_status=on_status,
        )
        if final.status is GenerationStatus.FAILED:
            raise RenderFailedError(generation_id, None, final.msg or "generation failed")
        return final

    async def create_group(
        self, *, name: str, image_key: str, generation_id: str | None = None
    ) -> PhotoAvatar:
        """A photo-avatar group from an uploaded or generated image; its id speaks in videos."""
        body = {"name": text("name", name), "image_key": text("image_key", image_key)}
        if generation_id:
            body["generation_id"] = generation_id
        data = await self._post("/v2/photo_avatar/avatar_group/create", body)
        return self._parse(data, PhotoAvatar)

    async def add_to_group(
        self, *, group_id: str, image_keys: list[str], name: str
    ) -> list[PhotoAvatar]:
        body = {"group_id": text("group_id", group_id), "image_keys": image_keys, "name": name}
        data = await self._post("/v2/photo_avatar/avatar_group/add", body)
        return self._parse_list(data, PhotoAvatar, "photo_avatar_list")

    async def get(self, photo_avatar_id: str) -> PhotoAvatar:
        text("photo_avatar_id", photo_avatar_id)
        return self._parse(await self._get(f"/v2/photo_avatar/{photo_avatar_id}"), PhotoAvatar)

    async def delete(self, photo_avatar_id: str) -> None:
        text("photo_avatar_id", photo_avatar_id)
        await self._transport.request("DELETE", f"/v2/photo_avatar/{photo_avatar_id}")

    async def delete_group(self, group_id: str) -> None:
        text("group_id", group_id)
        await self._transport.request("DELETE", f"/v2/photo_avatar_group/{group_id}")

    async def train(self, group_id: str) -> str | None:
        """Train a group for looks (4 credits); returns HeyGen's flow id when it sends one."""
        data = await self._post(
            "/v2/photo_avatar/train", {"group_id": text("group_id", group_id)}, paid=True
        )
        return str(data["flow_id"]) if isinstance(data, dict) and data.get("flow_id") else None

    async def training_status(self, group_id: str) -> TrainingStatusInfo:
        text("group_id", group_id)
        data = await self._get(f"/v2/photo_avatar/train/status/{group_id}")
        return self._parse(data, TrainingStatusInfo)

    async def generate_look(self, request: LookRequest) -> PhotoGenerationCreated:
        body = to_wire(request_model(request, LookRequest))
        data = await self._post("/v2/photo_avatar/look/generate", body, paid=True)
        return self._parse(data, PhotoGenerationCreated)

    async def add_motion(
        self, photo_avatar_id: str, *, prompt: str | None = None, motion_type: str | None = None
    ) -> PhotoAvatar:
        body: dict[str, str] = {"id": text("photo_avatar_id", photo_avatar_id)}
        body.update({k: v for k, v in (("prompt", prompt), ("motion_type", motion_type)) if v})
        data = await self._post("/v2/photo_avatar/add_motion", body, paid=True)
        return self._parse(data, PhotoAvatar)

    async def list_groups(self, *, include_public: bool = False) -> list[PhotoAvatarGroup]:
        params = {"include_public": "true" if include_public else "false"}
        data = await self._transport.request("GET", "/v2/avatar_group.list", params=params)
        return self._parse_list(data, PhotoAvatarGroup, "avatar_group_list")

    async def list_group_avatars(self, group_id: str) -> list[dict[str, Any]]:
        text("group_id", group_id)
        data = self._object(await self._get(f"/v2/avatar_group/{group_id}/avatars"), "avatars")
        return self._parse(data.get("avatar_list") or [], list[dict[str, Any]])

    async def _get(self, path: str) -> Any:
        return await self._transport.request("GET", path)

    async def _post(self, path: str, body: Any, *, paid: bool = False) -> Any:
        return await self._transport.request("POST", path, json=body, paid=paid)
