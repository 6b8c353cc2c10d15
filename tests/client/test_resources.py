"""Every endpoint through the client: return values, and what the emulator received."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from heygen_async import (
    AIPhotoRequest,
    AvatarIVRequest,
    GenerationStatus,
    HeyGenClient,
    LookRequest,
    PhotoError,
    RenderFailedError,
    TrainingStatus,
    ValidationError,
    VideoStatus,
    WaitTimeoutError,
)
from heygen_async._samples import portrait_jpeg, portrait_png
from heygen_async.emulator import DEFAULT_VOICE_ID, Emulator

AI = {
    "name": "Ada",
    "age": "Senior",
    "gender": "Woman",
    "ethnicity": "White",
    "orientation": "square",
    "pose": "close_up",
    "style": "Realistic",
    "appearance": "smiling",
}


async def test_assets_from_path_bytes_and_stream(
    client: HeyGenClient, emulator: Emulator, tmp_path: Path
) -> None:
    path = tmp_path / "p.png"
    path.write_bytes(portrait_png(1))
    from_path = await client.assets.upload(path)
    assert from_path.image_key == f"image/{from_path.id}/original.png"
    assert emulator.request_log[-1].body_size == len(portrait_png(1))
    from_bytes = await client.assets.upload(portrait_jpeg(2))
    assert from_bytes.file_type == "image"

    async def stream():  # type: ignore[no-untyped-def]
        yield b"ID3\x04"
        yield b"\0" * 1000

    audio = await client.assets.upload(stream(), content_type="audio/mpeg")
    assert audio.image_key is None
    assert emulator.request_log[-1].body_size == 1004


async def test_talking_photos_create_list_delete(client: HeyGenClient, emulator: Emulator) -> None:
    asset = await client.assets.upload(portrait_jpeg(3))
    assert asset.url is not None
    created = await client.talking_photos.create(asset.url)
    assert emulator.request_log[-1].json == {"image_url": asset.url}
    legacy = await client.talking_photos.upload(portrait_jpeg(4))
    listed = {item.id for item in await client.talking_photos.list()}
    assert listed == {created.talking_photo_id, legacy.talking_photo_id}
    await client.talking_photos.delete(created.talking_photo_id)
    assert {item.id for item in await client.talking_photos.list()} == {legacy.talking_photo_id}


async def test_video_generate_wait_list_download_delete(
    client: HeyGenClient, emulator: Emulator, tmp_path: Path
) -> None:
    tp = (await client.talking_photos.upload(portrait_jpeg(5))).talking_photo_id
    created = await client.videos.generate_from_talking_photo(
        tp, "Hello from the tests", DEFAULT_VOICE_ID, title="T", callback_id="cb-9"
    )
    sent = emulator.request_log[-1].json
    assert sent["callback_id"] == "cb-9"
    assert sent["video_inputs"][0]["voice"]["input_text"] == "Hello from the tests"
    seen: list[VideoStatus] = []
    done = await client.videos.wait(created.video_id, on_status=lambda s: seen.append(s.status))
    assert done.status is VideoStatus.COMPLETED
    assert seen[-1] is VideoStatus.COMPLETED
    assert done.video_url is not None
    assert done.callback_id == "cb-9"
    summaries = [v async for v in client.videos.list(page_size=1)]
    assert [(v.video_id, v.title) for v in summaries] == [(created.video_id, "T")]
    progress: list[int] = []
    path = await client.videos.download(
        created.video_id, tmp_path, on_progress=lambda n, _: progress.append(n)
    )
    assert path.read_bytes()[4:8] == b"ftyp"
    assert progress[-1] == path.stat().st_size
    await client.videos.delete(created.video_id)
    assert [v async for v in client.videos.list()] == []


async def test_failed_render_raises_with_heygens_reason(client: HeyGenClient) -> None:
    tp = (await client.talking_photos.upload(portrait_jpeg(6))).talking_photo_id
    created = await client.videos.generate_from_talking_photo(tp, "EMULATOR_FAIL", DEFAULT_VOICE_ID)
    with pytest.raises(RenderFailedError) as caught:
        await client.videos.wait(created.video_id)
    assert caught.value.job_id == created.video_id
    assert caught.value.message


async def test_wait_gives_up_at_its_deadline(client: HeyGenClient, emulator: Emulator) -> None:
    emulator.clock.speed = 1.0
    tp = (await client.talking_photos.upload(portrait_jpeg(7))).talking_photo_id
    created = await client.videos.generate_from_talking_photo(tp, "Hello", DEFAULT_VOICE_ID)
    with pytest.raises(WaitTimeoutError) as caught:
        await client.videos.wait(created.video_id, timeout=0.2)
    assert caught.value.last_status in ("waiting", "pending", "processing")


async def test_avatar_iv(client: HeyGenClient, emulator: Emulator) -> None:
    asset = await client.assets.upload(portrait_jpeg(8))
    assert asset.image_key is not None
    request = AvatarIVRequest(
        image_key=asset.image_key,
        script="Hi!",
        voice_id=DEFAULT_VOICE_ID,
        video_orientation="portrait",
        fit="cover",
        custom_motion_prompt="nods",
    )
    created = await client.avatar_iv.generate(request)
    assert emulator.request_log[-1].json == {
        "image_key": asset.image_key,
        "script": "Hi!",
        "voice_id": DEFAULT_VOICE_ID,
        "video_orientation": "portrait",
        "fit": "cover",
        "custom_motion_prompt": "nods",
    }
    assert (await client.videos.wait(created.video_id)).status is VideoStatus.COMPLETED


async def test_photo_avatar_workflow(client: HeyGenClient, emulator: Emulator) -> None:
    created = await client.photo_avatars.generate_photo(AIPhotoRequest(**AI))
    assert emulator.request_log[-1].json == AI
    generation = await client.photo_avatars.wait_for_generation(created.generation_id)
    assert generation.status is GenerationStatus.SUCCESS
    assert len(generation.image_key_list) == 4
    group = await client.photo_avatars.create_group(
        name="Ada", image_key=generation.image_key_list[0], generation_id=generation.id
    )
    looks = await client.photo_avatars.add_to_group(
        group_id=group.id, image_keys=generation.image_key_list[1:], name="more"
    )
    assert len(looks) == 3
    assert (await client.photo_avatars.get(group.id)).id == group.id
    await client.photo_avatars.train(group.id)
    emulator.clock.advance(600)
    assert (await client.photo_avatars.training_status(group.id)).status is TrainingStatus.READY
    look = await client.photo_avatars.generate_look(
        LookRequest(
            group_id=group.id,
            prompt="in a park",
            orientation="square",
            pose="half_body",
            style="Pixar",
        )
    )
    assert look.generation_id
    motion = await client.photo_avatars.add_motion(looks[0].id, prompt="waves")
    assert motion.id != looks[0].id
    groups = await client.photo_avatars.list_groups()
    assert [g.id for g in groups] == [group.id]
    assert len(await client.photo_avatars.list_group_avatars(group.id)) >= 4
    await client.photo_avatars.delete(looks[1].id)
    await client.photo_avatars.delete_group(group.id)
    assert await client.photo_avatars.list_groups() == []


async def test_voices_and_quota(client: HeyGenClient) -> None:
    voices = await client.voices.list()
    assert DEFAULT_VOICE_ID in {voice.voice_id for voice in voices}
    quota = await client.quota.remaining()
    assert quota.credits == 1000


def jpeg(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("small.jpg", jpeg(511, 511)),
        ("anim.gif", b"GIF89a" + b"\0" * 50),
        ("cut.jpg", jpeg(600, 600)[:-500]),
        ("empty.jpg", b""),
    ],
)
async def test_bad_photos_are_refused_before_any_request(
    client: HeyGenClient, emulator: Emulator, tmp_path: Path, name: str, data: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(PhotoError):
        await client.assets.upload(path)
    with pytest.raises(PhotoError):
        await client.talking_photos.upload(path)
    with pytest.raises(PhotoError):
        await client.photo_to_video(path, "Hi", DEFAULT_VOICE_ID)
    with pytest.raises(PhotoError):
        await client.assets.upload(data)
    with pytest.raises(PhotoError, match="does not exist"):
        await client.assets.upload(tmp_path / "missing.jpg")
    assert emulator.request_log == []


async def test_bad_requests_are_refused_before_any_request(
    client: HeyGenClient, emulator: Emulator
) -> None:
    with pytest.raises(ValidationError, match="age"):
        await client.photo_avatars.generate_photo(AIPhotoRequest(**{**AI, "age": "ancient"}))
    with pytest.raises(ValidationError, match="video_orientation"):
        await client.photo_to_avatar_iv(
            portrait_jpeg(1), "Hi", DEFAULT_VOICE_ID, video_orientation="sideways"
        )
    with pytest.raises(ValidationError, match="content_type"):
        await client.assets.upload(b"plain text", content_type="text/plain")
    with pytest.raises(PhotoError, match="JPEG or PNG"):
        await client.assets.upload(b"plain text")
    assert emulator.request_log == []


async def test_workflows_end_to_end(client: HeyGenClient, tmp_path: Path) -> None:
    talking = await client.photo_to_video(
        portrait_jpeg(9), "Welcome!", DEFAULT_VOICE_ID, directory=tmp_path
    )
    avatar = await client.photo_to_avatar_iv(
        portrait_jpeg(9), "Welcome!", DEFAULT_VOICE_ID, directory=tmp_path
    )
    for result in (talking, avatar):
        assert result.status.status is VideoStatus.COMPLETED
        assert result.path == tmp_path / f"{result.video_id}.mp4"
