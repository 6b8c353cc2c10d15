"""Secrets and isolation: the API key is never written anywhere, webhook signatures are checked
in constant time, downloads stay in their folder whatever the server says, tenants of one
emulator never see each other, and the emulator listens on loopback unless told otherwise.

Hostile servers are real aiohttp servers on 127.0.0.1; everything else is the real emulator.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import socket
import subprocess
import sys
import traceback
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from contextlib import aclosing, asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
from aiohttp import web

from heygen_async import (
    APIStatusError,
    HeyGenClient,
    HeyGenError,
    NotFoundError,
    PollSchedule,
)
from heygen_async._samples import portrait_jpeg
from heygen_async._transport import TransportOptions
from heygen_async.batch import Batch, BatchJob, JobResult, JobStatus, load_manifest
from heygen_async.batch._report import write_report
from heygen_async.emulator import (
    DEFAULT_VOICE_ID,
    Emulator,
    EmulatorConfig,
    EmulatorThread,
    FaultConfig,
)
from heygen_async.models import AIPhotoRequest, AvatarIVRequest, LookRequest
from heygen_async.webhooks import sign, verify_signature
from tests.batch.conftest import CLI, CLI_FAST, FAST_LIMITS, cli_env, job_row, write_manifest
from tests.webhook_server import serve_webhooks

# A key whose first eight characters appear in nothing else the SDK writes.
KEY = "sk-Zq7xW9pL-never-log-me-4242"
PREFIX = KEY[:8]
TYPO_KEY = KEY + "x"  # a mistyped key is still a secret (and contains the real one)
OTHER = "sk-tenant-B-0000"
POLL = PollSchedule(initial=0.01, factor=1.5, maximum=0.05, jitter=0.1)
SAMPLE_MP4 = resources.files("heygen_async.emulator").joinpath("media/sample.mp4").read_bytes()
GENERATE = "/v2/video/generate"
STATUS = "/v1/video_status.get"
VOICES = "/v2/voices"


# --- helpers ----------------------------------------------------------------------------------


def leaks(text: str | bytes) -> list[str]:
    """Which secret-looking pieces `text` contains (the key, a typo of it, its prefix)."""
    data = text if isinstance(text, bytes) else text.encode("utf-8", "surrogateescape")
    return [piece for piece in (KEY, PREFIX) if piece.encode() in data]


def assert_no_secret(texts: Iterable[tuple[str, str | bytes]]) -> None:
    found = {where: leaks(text) for where, text in texts if leaks(text)}
    assert found == {}


def error_texts(errors: Iterable[BaseException]) -> Iterator[tuple[str, str]]:
    """str, repr and full traceback (with __cause__ and __context__) of each error."""
    for error in errors:
        name = type(error).__name__
        yield f"str {name}", str(error)
        yield f"repr {name}", repr(error)
        yield f"args {name}", repr(error.args)
        yield f"traceback {name}", "".join(traceback.format_exception(error))
        yield f"vars {name}", repr(vars(error))


def files_under(folder: Path) -> Iterator[tuple[str, bytes]]:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            yield str(path), path.read_bytes()


def write_photos(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    photos = []
    for seed in range(2):
        path = folder / f"p{seed}.jpg"
        path.write_bytes(portrait_jpeg(seed))
        photos.append(path)
    return photos


def mixed_jobs(tmp_path: Path) -> list[BatchJob]:
    """A talking photo job, an Avatar IV job, and one whose render fails."""
    photos = write_photos(tmp_path / "photos")
    rows = [
        job_row(0, photos[0]),
        job_row(1, photos[1], kind="avatar_iv"),
        job_row(2, photos[0], script="This one fails: EMULATOR_FAIL."),
    ]
    return load_manifest(write_manifest(tmp_path / "manifest.csv", rows))


async def expect_error(call: Callable[[], Awaitable[object]]) -> HeyGenError:
    with pytest.raises(HeyGenError) as caught:
        await call()
    return caught.value


async def run_collect(batch: Batch) -> list[JobResult]:
    async with aclosing(batch.run()) as results:
        return [result async for result in results]


@asynccontextmanager
async def serve(app: web.Application, host: str = "127.0.0.1") -> AsyncIterator[str]:
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, 0).start()
        yield f"http://{host}:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    config = EmulatorConfig(
        api_keys=(KEY, OTHER), speed=2000.0, seed=3, faults=FaultConfig(slow_seconds=0.5)
    )
    async with Emulator(config) as emulator:
        yield emulator


@pytest.fixture
async def client(emu: Emulator) -> AsyncIterator[HeyGenClient]:
    async with HeyGenClient(KEY, base_url=emu.url, upload_url=emu.url, poll=POLL) as heygen:
        yield heygen


# --- the key is written nowhere -----------------------------------------------------------------


@pytest.fixture
def debug_everything(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    for name in ("aiohttp", "aiohttp.client", "aiohttp.access", "aiohttp.server", "asyncio"):
        caplog.set_level(logging.DEBUG, logger=name)
    for name in ("heygen_async", "heygen_async.batch", "heygen_async.webhooks"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


async def failures_of_every_kind(client: HeyGenClient, emu: Emulator) -> list[HeyGenError]:
    """One error of each kind a user meets: 404, 401, 500 after retries, timeout, lost answer
    of a paid POST, failed render."""
    errors = [await expect_error(lambda: client.videos.status("missing"))]
    async with HeyGenClient(TYPO_KEY, base_url=emu.url, upload_url=emu.url) as wrong:
        errors.append(await expect_error(wrong.voices.list))
    emu.faults.script("GET", VOICES, "500", count=3)
    errors.append(await expect_error(client.voices.list))
    emu.faults.script("GET", VOICES, "slow")
    errors.append(await expect_error(client.with_options(timeout=0.05, max_retries=0).voices.list))
    tp = (await client.talking_photos.upload(portrait_jpeg(3))).talking_photo_id
    emu.faults.script("POST", GENERATE, "reset_after")
    errors.append(
        await expect_error(
            lambda: client.videos.generate_from_talking_photo(tp, "Hi there", DEFAULT_VOICE_ID)
        )
    )
    failing = await client.videos.generate_from_talking_photo(
        tp, "EMULATOR_FAIL now", DEFAULT_VOICE_ID
    )
    errors.append(await expect_error(lambda: client.videos.wait(failing.video_id, timeout=10)))
    kinds = [type(error).__name__ for error in errors]
    assert kinds == [
        "NotFoundError",
        "AuthenticationError",
        "ServerError",
        "APITimeoutError",
        "UnknownOutcomeError",
        "RenderFailedError",
    ]
    return errors


async def test_the_key_is_nowhere_after_a_batch_with_failures(
    tmp_path: Path, emu: Emulator, client: HeyGenClient, debug_everything: pytest.LogCaptureFixture
) -> None:
    jobs = mixed_jobs(tmp_path)
    out = tmp_path / "out"
    emu.faults.script("GET", STATUS, "500", count=2)
    emu.faults.script("POST", GENERATE, "reset_after")  # adopted by callback_id
    batch = Batch(client, jobs, out, limits=FAST_LIMITS, poll=POLL)
    results = await run_collect(batch)
    assert sorted(r.status for r in results) == ["completed", "completed", "failed"]
    async with HeyGenClient(TYPO_KEY, base_url=emu.url, upload_url=emu.url) as wrong:
        refused = Batch(wrong, jobs, tmp_path / "out-wrong", limits=FAST_LIMITS, poll=POLL)
        refused_results = await run_collect(refused)
    assert {r.error_type for r in refused_results} == {"AuthenticationError"}
    errors = await failures_of_every_kind(client, emu)
    await write_report(out / "report.jsonl", results)
    await write_report(tmp_path / "out-wrong" / "report.jsonl", refused_results)

    texts: list[tuple[str, str | bytes]] = [
        ("caplog", debug_everything.text),
        *((f"log {r.name}", repr(r.args) + r.getMessage()) for r in debug_everything.records),
        ("repr client", repr(client)),
        ("repr copy", repr(client.with_options(timeout=1))),
        ("repr transport", repr(client._transport)),
        ("repr options", repr(TransportOptions())),
        ("repr batch", repr(vars(batch)) + repr(batch.summary) + repr(batch.stats)),
        ("results", repr(results) + repr(refused_results)),
        *error_texts(errors),
        *files_under(tmp_path / "out"),
        *files_under(tmp_path / "out-wrong"),
    ]
    assert len(debug_everything.records) > 10  # DEBUG logging really was on
    assert (out / "journal.sqlite").exists()
    assert (out / "report.jsonl").exists()
    assert_no_secret(texts)


@pytest.fixture(scope="module")
def thread_emu() -> Iterator[Emulator]:
    config = EmulatorConfig(api_keys=(KEY,), speed=2000.0, seed=5)
    with EmulatorThread(config) as emulator:
        yield emulator


def script_faults(emu: Emulator, script: list[dict[str, Any]]) -> None:
    """Through the admin API: the emulator runs on its own thread's loop."""
    request = urllib.request.Request(
        f"{emu.url}/_emulator/faults",
        data=json.dumps({"script": script}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # loopback URL
        assert response.status == 200


def run_cli_with_key(args: list[str], emu: Emulator, key: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        env=cli_env(emu, api_key=key),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_cli_never_prints_or_stores_the_key(tmp_path: Path, thread_emu: Emulator) -> None:
    mixed_jobs(tmp_path)  # writes manifest.csv and its photos
    manifest = str(tmp_path / "manifest.csv")
    script_faults(
        thread_emu,
        [
            {"method": "GET", "path": STATUS, "kind": "500", "count": 2},
            {"method": "POST", "path": GENERATE, "kind": "reset_after", "count": 1},
        ],
    )
    done = run_cli_with_key([manifest, "--out", str(tmp_path / "out"), *CLI_FAST], thread_emu, KEY)
    assert done.returncode == 1, done.stderr  # the EMULATOR_FAIL job failed
    wrong = run_cli_with_key(
        [manifest, "--out", str(tmp_path / "wrong"), *CLI_FAST], thread_emu, TYPO_KEY
    )
    assert wrong.returncode == 2
    assert "401" in wrong.stderr
    assert_no_secret(
        [
            ("stdout", done.stdout),
            ("stderr", done.stderr),
            ("wrong stdout", wrong.stdout),
            ("wrong stderr", wrong.stderr),
            *files_under(tmp_path / "out"),
            *files_under(tmp_path / "wrong"),
        ]
    )
    assert (tmp_path / "out" / "report.jsonl").exists()


async def test_the_key_is_never_sent_where_an_api_answer_redirects() -> None:
    """A 3xx from the API would make aiohttp resend X-Api-Key to whatever host it names
    (it strips only Authorization and cookies on a change of origin)."""
    seen: list[dict[str, str]] = []

    async def thief(request: web.Request) -> web.Response:
        seen.append(dict(request.headers))
        return web.json_response({"error": None, "data": {"voices": []}})

    thieves = web.Application()
    thieves.router.add_route("*", "/{tail:.*}", thief)
    async with serve(thieves) as elsewhere:

        async def redirect(request: web.Request) -> web.Response:
            raise web.HTTPTemporaryRedirect(f"{elsewhere}{request.path}")

        api = web.Application()
        api.router.add_route("*", "/{tail:.*}", redirect)
        async with serve(api) as url, HeyGenClient(KEY, base_url=url, upload_url=url) as client:
            with pytest.raises(APIStatusError, match="redirect") as caught:
                await client.voices.list()
            with pytest.raises(APIStatusError, match="redirect"):
                await client.assets.upload(portrait_jpeg(0), content_type="image/jpeg")
    assert caught.value.status == 307
    assert seen == []


# --- webhook signatures -----------------------------------------------------------------------

WHSEC = "whsec_current"
BODY = json.dumps({"event_type": "avatar_video.success", "event_data": {"video_id": "v1"}}).encode()
GOOD = sign(WHSEC, BODY)
BAD_SIGNATURES = {
    "flipped": GOOD[:-1] + ("0" if GOOD[-1] != "0" else "1"),
    "truncated": GOOD[:32],
    "another body": sign(WHSEC, BODY + b" "),
    "wrong secret": sign("whsec_other", BODY),
    "empty": "",
    "longer": GOOD + "00",
    "not hex": "z" * 64,
}


@pytest.mark.parametrize("signature", BAD_SIGNATURES.values(), ids=BAD_SIGNATURES.keys())
def test_bad_signatures_are_rejected(signature: str) -> None:
    assert verify_signature(WHSEC, BODY, GOOD)
    assert not verify_signature(WHSEC, BODY, signature)
    assert not verify_signature(["whsec_old", WHSEC + "x"], BODY, signature)


def test_no_secret_at_all_accepts_nothing() -> None:
    assert not verify_signature([], BODY, GOOD)
    assert not verify_signature([], BODY, sign("", BODY))


def test_an_empty_secret_verifies_nothing() -> None:
    # Anyone can compute HMAC-SHA256 under the empty key: a misconfigured empty secret would
    # let every forged delivery in.
    assert not verify_signature("", BODY, sign("", BODY))
    assert not verify_signature(["", WHSEC], BODY, sign("", BODY))


def test_every_candidate_secret_is_compared_in_constant_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def recording(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", recording)
    secrets = ["whsec_a", WHSEC, "whsec_c"]
    # A match on the first secret must not skip the others: timing would tell which matched.
    assert verify_signature(secrets, BODY, sign("whsec_a", BODY))
    assert verify_signature(secrets, BODY, GOOD)
    assert not verify_signature(secrets, BODY, BAD_SIGNATURES["truncated"])
    assert len(calls) == 9
    expected = [sign(secret, BODY).encode() for secret in secrets] * 3
    assert [a for a, _ in calls] == expected


async def post_raw(url: str, body: bytes, signature: bytes | None) -> int:
    """A raw HTTP/1.1 POST, so the Signature header may carry any bytes at all."""
    host, port = url.split("//", 1)[1].split("/", 1)[0].split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    header = b"Signature: " + signature + b"\r\n" if signature is not None else b""
    writer.write(
        b"POST /hook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + header
        + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
        + body
    )
    await writer.drain()
    status_line = await reader.readline()
    writer.close()
    return int(status_line.split()[1])


async def test_the_aiohttp_handler_answers_401_to_every_bad_signature() -> None:
    events: list[object] = []
    async with serve_webhooks([WHSEC], events.append) as url:
        for signature in BAD_SIGNATURES.values():
            assert await post_raw(url, BODY, signature.encode()) == 401, signature
        assert await post_raw(url, BODY, None) == 401
        assert events == []
        assert await post_raw(url, BODY, GOOD.encode()) == 200
    assert len(events) == 1
    async with serve_webhooks([], events.append) as url:  # no secret configured
        assert await post_raw(url, BODY, GOOD.encode()) == 401
    assert len(events) == 1


async def test_a_signature_header_of_raw_bytes_is_a_401_not_a_crash() -> None:
    async with serve_webhooks([WHSEC], lambda _event: None) as url:
        assert await post_raw(url, BODY, b"\xff\xfe" + GOOD.encode()) == 401


# --- downloads stay in their folder ------------------------------------------------------------

HOSTILE_NAMES = {
    "parent": "../../evil.mp4",
    "absolute": "/etc/passwd",
    "encoded": "%2e%2e%2fevil.mp4",
    "backslash": "..\\evil.mp4",
    "nul": "evil\x00.mp4",
    "long": "A" * 4000,
    "long multibyte": "\u00e9" * 300,
    "existing outside": "../outside.mp4",
    "symlink": "link",
    "journal": "journal.sqlite",
}


def hostile_app(names: dict[str, str]) -> web.Application:
    """A HeyGen that answers every video id with a hostile id, URL and Content-Disposition."""

    async def status(request: web.Request) -> web.Response:
        name = names[request.query["video_id"]]
        media = f"{request.scheme}://{request.host}/media/{quote(name, safe='')}?Signature=x"
        data = {"id": name, "status": "completed", "video_url": media}
        return web.json_response({"code": 100, "data": data, "message": "Success"})

    async def media(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        plain = "".join(c if c.isprintable() and c.isascii() else "_" for c in name)
        disposition = f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name)}"
        return web.Response(body=SAMPLE_MP4, headers={"Content-Disposition": disposition})

    app = web.Application()
    app.router.add_get(STATUS, status)
    app.router.add_get("/media/{name:.*}", media)
    return app


def tree(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.is_symlink()
    }


async def test_hostile_names_from_the_server_never_leave_the_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "outside.mp4").write_bytes(b"not yours")
    (out / "link.mp4").symlink_to(tmp_path / "outside.mp4")
    (out / "journal.sqlite").write_bytes(b"journal")
    before = tree(tmp_path)
    ids = {f"v{i}": name for i, name in enumerate(HOSTILE_NAMES.values())}
    written: dict[str, Path] = {}
    refused: dict[str, str] = {}
    async with (
        serve(hostile_app(ids)) as url,
        HeyGenClient(KEY, base_url=url, upload_url=url) as client,
    ):
        for video_id in ids:
            try:
                written[video_id] = await client.videos.download(video_id, out)
            except HeyGenError as exc:
                refused[video_id] = f"{type(exc).__name__}: {exc}"
    # Only the symlink pointing outside is refused; everything else lands inside `out`.
    assert list(refused) == ["v8"], refused
    assert "outside" in refused["v8"]
    for path in written.values():
        assert path.parent == out.resolve()
        assert path.read_bytes() == SAMPLE_MP4
        assert len(path.name.encode()) <= 255
    after = tree(tmp_path)
    new = {name: data for name, data in after.items() if name not in before}
    assert all(name.startswith("out/") for name in new), sorted(new)
    assert all(data == SAMPLE_MP4 for data in new.values())
    # Nothing that existed was changed (the symlink's target least of all).
    assert {name: after[name] for name in before} == before
    assert not any(name.endswith(".part") for name in after)


def proxy_app(upstream: str, hostile: str) -> web.Application:
    """The real emulator behind a proxy whose status answers point at a hostile media URL."""

    async def forward(request: web.Request) -> web.StreamResponse:
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() in _FORWARDED}
        async with (
            aiohttp.ClientSession() as session,
            session.request(
                request.method,
                upstream + request.rel_url.path_qs,
                data=body or None,
                headers=headers,
                allow_redirects=False,
            ) as answer,
        ):
            payload = await answer.read()
            status = answer.status
        if request.path == STATUS and status == 200:
            document = json.loads(payload)
            data = document.get("data") or {}
            if data.get("video_url"):
                name = quote(hostile, safe="")
                data["video_url"] = f"{request.scheme}://{request.host}/media/{name}?Expires=9"
                payload = json.dumps(document).encode()
        return web.Response(status=status, body=payload, content_type="application/json")

    async def media(request: web.Request) -> web.Response:
        disposition = f'attachment; filename="{hostile}"'
        return web.Response(body=SAMPLE_MP4, headers={"Content-Disposition": disposition})

    app = web.Application(client_max_size=20 * 1024 * 1024)
    app.router.add_get("/media/{name:.*}", media)
    app.router.add_route("*", "/{tail:.*}", forward)
    return app


_FORWARDED = {"x-api-key", "content-type", "accept"}


@pytest.mark.parametrize("hostile", ["../../evil.mp4", "/etc/passwd", "..\\..\\evil.mp4"])
async def test_a_batch_behind_a_hostile_server_writes_only_its_own_files(
    tmp_path: Path, emu: Emulator, hostile: str
) -> None:
    jobs = mixed_jobs(tmp_path)[:2]
    work = tmp_path / "work"
    work.mkdir()
    before = tree(tmp_path)
    async with (
        serve(proxy_app(emu.url, hostile)) as url,
        HeyGenClient(KEY, base_url=url, upload_url=url, poll=POLL) as client,
    ):
        batch = Batch(client, jobs, work / "out", limits=FAST_LIMITS, poll=POLL)
        results = await run_collect(batch)
    assert [r.status for r in results] == [JobStatus.COMPLETED] * 2
    after = tree(tmp_path)
    new = sorted(name for name in after if name not in before)
    assert new == [
        "work/out/job-000.mp4",
        "work/out/job-001.mp4",
        "work/out/journal.sqlite",
        "work/out/journal.sqlite.lock",
    ]


# --- tenants ----------------------------------------------------------------------------------


async def tenant_a_objects(a: HeyGenClient, hook: str) -> dict[str, str]:
    """One of everything tenant A can own."""
    asset = await a.assets.upload(portrait_jpeg(7), content_type="image/jpeg")
    tp = (await a.talking_photos.upload(portrait_jpeg(8))).talking_photo_id
    video = (await a.videos.generate_from_talking_photo(tp, "Hello", DEFAULT_VOICE_ID)).video_id
    generation = await a.photo_avatars.generate_photo(
        AIPhotoRequest(
            name="A",
            age="Senior",
            gender="Woman",
            ethnicity="White",
            orientation="square",
            pose="close_up",
            style="Realistic",
            appearance="smiling",
        )
    )
    group = await a.photo_avatars.create_group(name="A group", image_key=asset.image_key or "")
    await a.photo_avatars.train(group.id)
    endpoint = await a.webhooks.add_endpoint(hook)
    return {
        "image_key": asset.image_key or "",
        "talking_photo": tp,
        "video": video,
        "generation": generation.generation_id,
        "group": group.id,
        "photo_avatar": group.id,
        "endpoint": endpoint.endpoint_id,
    }


async def view_of(client: HeyGenClient, ids: dict[str, str]) -> dict[str, object]:
    """Everything a tenant can read about its objects (what must not change)."""
    return {
        "video": (await client.videos.status(ids["video"])).id,
        "videos": sorted([v.video_id async for v in client.videos.list()]),
        "talking_photos": sorted(t.id for t in await client.talking_photos.list()),
        "generation": (await client.photo_avatars.generation_status(ids["generation"])).id,
        "photo_avatar": (await client.photo_avatars.get(ids["photo_avatar"])).id,
        "groups": sorted(g.id for g in await client.photo_avatars.list_groups()),
        "group_avatars": len(await client.photo_avatars.list_group_avatars(ids["group"])),
        # Training moves on with the clock: that it is still there is what counts.
        "training": await client.photo_avatars.training_status(ids["group"]) is not None,
        "endpoints": [e.endpoint_id for e in await client.webhooks.list_endpoints()],
    }


def b_reads(b: HeyGenClient, ids: dict[str, str]) -> list[Callable[[], Awaitable[object]]]:
    return [
        lambda: b.videos.status(ids["video"]),
        lambda: b.photo_avatars.generation_status(ids["generation"]),
        lambda: b.photo_avatars.get(ids["photo_avatar"]),
        lambda: b.photo_avatars.training_status(ids["group"]),
        lambda: b.photo_avatars.list_group_avatars(ids["group"]),
    ]


def b_writes(b: HeyGenClient, ids: dict[str, str]) -> list[Callable[[], Awaitable[object]]]:
    return [
        lambda: b.videos.delete(ids["video"]),
        lambda: b.talking_photos.delete(ids["talking_photo"]),
        lambda: b.photo_avatars.delete(ids["photo_avatar"]),
        lambda: b.photo_avatars.delete_group(ids["group"]),
        lambda: b.webhooks.delete_endpoint(ids["endpoint"]),
        lambda: b.webhooks.update_endpoint(ids["endpoint"], url="https://b.invalid/x"),
        lambda: b.photo_avatars.train(ids["group"]),
        lambda: b.photo_avatars.add_motion(ids["photo_avatar"]),
        lambda: b.photo_avatars.add_to_group(
            group_id=ids["group"], image_keys=[ids["image_key"]], name="B"
        ),
        lambda: b.photo_avatars.generate_look(
            LookRequest(
                group_id=ids["group"],
                prompt="B's look",
                orientation="square",
                pose="half_body",
                style="Realistic",
            )
        ),
        lambda: b.videos.generate_from_talking_photo(
            ids["talking_photo"], "B speaks", DEFAULT_VOICE_ID
        ),
        lambda: b.avatar_iv.generate(
            AvatarIVRequest(
                image_key=ids["image_key"],
                script="B speaks",
                voice_id=DEFAULT_VOICE_ID,
                video_title="B",
            )
        ),
        lambda: b.photo_avatars.create_group(name="B", image_key=ids["image_key"]),
    ]


async def test_one_tenant_never_sees_nor_touches_anothers_objects(emu: Emulator) -> None:
    async with (
        serve_webhooks([], lambda _event: None) as hook,
        HeyGenClient(KEY, base_url=emu.url, upload_url=emu.url, poll=POLL) as a,
        HeyGenClient(OTHER, base_url=emu.url, upload_url=emu.url, poll=POLL) as b,
    ):
        ids = await tenant_a_objects(a, hook)
        before = await view_of(a, ids)
        balances = (await a.quota.remaining()).remaining_quota, (await b.quota.remaining())
        for read in b_reads(b, ids):
            with pytest.raises(NotFoundError):
                await read()
        assert [v async for v in b.videos.list()] == []
        assert await b.talking_photos.list() == []
        assert await b.photo_avatars.list_groups() == []
        assert await b.webhooks.list_endpoints() == []
        outcomes = []
        for write in b_writes(b, ids):
            outcomes.append(type(await expect_error(write)).__name__)
        assert set(outcomes) <= {"NotFoundError", "BadRequestError"}, outcomes
        assert await view_of(a, ids) == before
        after = (await a.quota.remaining()).remaining_quota, (await b.quota.remaining())
        assert after == balances  # nobody paid for B's refused attempts
    assert emu.stats()["jobs_created"].get(OTHER, 0) == 0


# --- the emulator listens on loopback ----------------------------------------------------------


ANY_HOST = "0.0.0.0"  # noqa: S104  # the explicit opt-in to every interface, under test


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a LISTEN socket on `port`, from the kernel's own tables."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        with open(table, encoding="ascii") as handle:  # noqa: PTH123  # a kernel table
            next(handle)
            for line in handle:
                fields = line.split()
                address, port_hex = fields[1].split(":")
                if fields[3] == "0A" and int(port_hex, 16) == port and len(address) == width:
                    found.add(_address(address))
    return found


def _address(hex_address: str) -> str:
    raw = bytes.fromhex(hex_address)
    # The kernel prints each 32-bit word in host (little-endian) order.
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    family = socket.AF_INET if len(words) == 4 else socket.AF_INET6
    return socket.inet_ntop(family, words)


pytestmark_linux = pytest.mark.skipif(
    not Path("/proc/net/tcp").exists(), reason="needs Linux's /proc/net/tcp"
)


@pytestmark_linux
async def test_the_emulator_binds_loopback_unless_given_a_host() -> None:
    async with Emulator() as emu:
        port = int(emu.url.rsplit(":", 1)[1])
        assert listening_addresses(port) == {"127.0.0.1"}
    async with Emulator(host=ANY_HOST) as emu:  # asked for explicitly
        port = int(emu.url.rsplit(":", 1)[1])
        assert listening_addresses(port) == {ANY_HOST}


def start_cli_emulator(*extra: str) -> tuple[subprocess.Popen[str], int]:
    command = [str(Path(sys.executable).with_name("heygen-async")), "emulator", "--port", "0"]
    process = subprocess.Popen(  # our own console script
        [*command, *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert "listening on http://" in line, line
    return process, int(line.strip().rsplit(":", 1)[1])


@pytestmark_linux
@pytest.mark.parametrize(
    ("extra", "expected"), [((), "127.0.0.1"), (("--host", ANY_HOST), ANY_HOST)]
)
def test_the_emulator_command_binds_loopback_unless_given_a_host(
    extra: tuple[str, ...], expected: str
) -> None:
    process, port = start_cli_emulator(*extra)
    try:
        assert listening_addresses(port) == {expected}
    finally:
        process.terminate()
        process.communicate(timeout=10)
