"""Bad manifests, through `load_manifest` and through the `heygen-async batch` command as a user
runs it: each is refused with a ManifestError naming the row and the problem (exit status 2 on
the command line), and the emulator's request log proves nothing was sent."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import aclosing
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from heygen_async import HeyGenClient
from heygen_async._samples import portrait_jpeg, portrait_png
from heygen_async.batch import Batch, BatchLimits, JobStatus, ManifestError, load_manifest
from heygen_async.emulator import DEFAULT_VOICE_ID, Emulator, EmulatorConfig, EmulatorThread

from ..batch.conftest import CLI_FAST, cli_env, run_cli
from .conftest import FAST_POLL

VOICE = DEFAULT_VOICE_ID
HEADER = "id,photo,script,voice_id,kind\n"
ROW_A = f"a,ada.jpg,Hello there,{VOICE},talking_photo\n"
ROW_B = f"b,ada.jpg,Hello again,{VOICE},avatar_iv\n"
JSON_A = json.dumps({"id": "a", "photo": "ada.jpg", "script": "Hi", "voice_id": VOICE})
LONG_NAME = "n" * 300 + ".jpg"
# bytes to write; None: make a directory there; Ellipsis: create nothing
Content = Any


def csv_bytes(*lines: str, encoding: str = "utf-8") -> bytes:
    return "".join(lines).encode(encoding)


# (case id, manifest file name, content, fragments every one of which the error must contain)
CASES: list[tuple[str, str, Content, list[str]]] = [
    (
        "missing-column",
        "m.csv",
        csv_bytes("id,script,voice_id\n", f"a,Hello,{VOICE}\n"),
        ["line 1: missing column(s): photo"],
    ),
    (
        "missing-columns",
        "m.csv",
        csv_bytes("id,photo\n", "a,ada.jpg\n"),
        ["line 1: missing column(s): script, voice_id"],
    ),
    (
        "repeated-column",
        "m.csv",
        csv_bytes("id,photo,script,voice_id,id\n", f"a,ada.jpg,Hi,{VOICE},b\n"),
        ["line 1: repeated column(s): id"],
    ),
    (
        "unknown-kind",
        "m.csv",
        csv_bytes(HEADER, f"a,ada.jpg,Hi,{VOICE},robot\n"),
        ["line 2: unknown kind 'robot'", "talking_photo, avatar_iv"],
    ),
    (
        "duplicate-id",
        "m.csv",
        csv_bytes(HEADER, ROW_A, ROW_A.replace("Hello", "Bye")),
        ["line 3: duplicate id 'a' (first at line 2)"],
    ),
    (
        "latin-1",
        "m.csv",
        csv_bytes(HEADER, ROW_A, f"b,ada.jpg,Caf\xe9 au lait,{VOICE},\n", encoding="latin-1"),
        ["line 3: not valid UTF-8", "save the file as UTF-8"],
    ),
    (
        "utf-16-bom",
        "m.csv",
        csv_bytes(HEADER, ROW_A, encoding="utf-16"),
        ["line 1: not valid UTF-8"],
    ),
    (
        "utf-16-no-bom",
        "m.csv",
        csv_bytes(HEADER, ROW_A, encoding="utf-16-le"),
        ["line 1: NUL byte", "UTF-16", "save the file as UTF-8"],
    ),
    ("empty-csv", "m.csv", b"", ["the manifest is empty", "header line id,photo,script"]),
    ("blank-csv", "m.csv", b"\n \n\r\n", ["the manifest is empty"]),
    ("empty-jsonl", "m.jsonl", b"", ["the manifest is empty", "one JSON object per line"]),
    ("header-only", "m.csv", csv_bytes(HEADER), ["the manifest has no jobs"]),
    (
        "photo-missing",
        "m.csv",
        csv_bytes(HEADER, f"a,nobody.jpg,Hi,{VOICE},\n"),
        ["line 2: photo not found", "nobody.jpg"],
    ),
    (
        "photo-is-dir",
        "m.csv",
        csv_bytes(HEADER, f"a,folder,Hi,{VOICE},\n"),
        ["line 2: photo is not a file", "folder"],
    ),
    (
        "photo-name-too-long",
        "m.csv",
        csv_bytes(HEADER, f"a,{LONG_NAME},Hi,{VOICE},\n"),
        ["line 2: photo cannot be read", "too long"],
    ),
    (
        "jsonl-not-object",
        "m.jsonl",
        csv_bytes(JSON_A, "\n[1, 2]\n", '"just text"\n'),
        ["line 2: expected a JSON object", "line 3: expected a JSON object"],
    ),
    ("jsonl-invalid", "m.jsonl", b'{"id": "a",\n', ["line 1: invalid JSON"]),
    (
        "jsonl-not-text",
        "m.jsonl",
        csv_bytes(json.dumps({**json.loads(JSON_A), "kind": ["avatar_iv"]}), "\n"),
        ["line 1: kind must be text, not list"],
    ),
    (
        "jsonl-missing-field",
        "m.jsonl",
        csv_bytes(json.dumps({"id": "a", "photo": "ada.jpg", "script": "Hi"}), "\n"),
        ["line 1: missing field 'voice_id'"],
    ),
    (
        "csv-field-over-128k",
        "m.csv",
        csv_bytes(HEADER, ROW_A, "b,ada.jpg,", "x" * 200_000, f",{VOICE},\n"),
        ["line 3: cannot read this CSV row", "field limit"],
    ),
    (
        "script-5001",
        "m.csv",
        csv_bytes(HEADER, f"a,ada.jpg,{'x' * 5001},{VOICE},\n"),
        ["line 2: script has 5001 characters (at most 5000)"],
    ),
    (
        "id-path",
        "m.csv",
        csv_bytes(HEADER, f"../escape,ada.jpg,Hi,{VOICE},\n"),
        ["line 2: id '../escape' must be a plain file name"],
    ),
    (
        "empty-voice",
        "m.csv",
        csv_bytes(HEADER, "a,ada.jpg,Hi,,\n"),
        ["line 2: empty voice_id"],
    ),
    (
        "extra-fields",
        "m.csv",
        csv_bytes(HEADER, f"a,ada.jpg,Hi,{VOICE},talking_photo,surplus\n"),
        ["line 2: more fields than the header has columns"],
    ),
    (
        "bad-orientation",
        "m.csv",
        csv_bytes("id,photo,script,voice_id,orientation\n", f"a,ada.jpg,Hi,{VOICE},diagonal\n"),
        ["line 2: bad orientation 'diagonal'", "landscape, portrait, square"],
    ),
    ("not-csv-or-jsonl", "m.txt", csv_bytes(HEADER, ROW_A), ["unsupported manifest type '.txt'"]),
    ("manifest-missing", "m.csv", ..., ["cannot read", "No such file"]),
    ("manifest-is-dir", "m.csv", None, ["cannot read", "Is a directory"]),
]


def place(tmp_path: Path, name: str, content: Content) -> Path:
    """The manifest and what its rows point at: a good photo, a directory."""
    (tmp_path / "ada.jpg").write_bytes(portrait_jpeg(1))
    (tmp_path / "folder").mkdir()
    path = tmp_path / name
    if content is None:
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    return path


PARAMS = [
    pytest.param(name, content, fragments, id=case) for case, name, content, fragments in CASES
]


@pytest.mark.parametrize(("name", "content", "fragments"), PARAMS)
def test_bad_manifest_is_refused_by_load_manifest(
    tmp_path: Path, name: str, content: bytes | None, fragments: list[str]
) -> None:
    manifest = place(tmp_path, name, content)
    with pytest.raises(ManifestError) as caught:
        load_manifest(manifest)
    for fragment in fragments:
        assert fragment in str(caught.value)
    for problem in caught.value.problems:  # each says where: a line, or the file as a whole
        assert problem.startswith(("line ", str(manifest), "the manifest ")), problem


@pytest.fixture
def live_emulator() -> Iterator[Emulator]:
    """In its own thread: the command runs as a blocking subprocess."""
    with EmulatorThread(EmulatorConfig(api_keys=("sk-test",), speed=2000.0)) as emulator:
        yield emulator


@pytest.mark.parametrize(("name", "content", "fragments"), PARAMS)
def test_bad_manifest_exits_2_from_the_command_line(
    tmp_path: Path,
    live_emulator: Emulator,
    name: str,
    content: bytes | None,
    fragments: list[str],
) -> None:
    manifest = place(tmp_path, name, content)
    out = tmp_path / "out"
    done = run_cli([str(manifest), "--out", str(out), *CLI_FAST], cli_env(live_emulator))
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    for fragment in fragments:
        assert fragment in done.stderr
    assert live_emulator.request_log == []
    assert not (out / "journal.sqlite").exists()


def test_every_problem_is_listed_with_its_line(tmp_path: Path) -> None:
    manifest = place(
        tmp_path,
        "m.csv",
        csv_bytes(
            HEADER,
            ROW_A,
            f"b,ada.jpg,Hi,{VOICE},robot\n",
            f"c,gone.jpg,,{VOICE},\n",
            ROW_A,
        ),
    )
    with pytest.raises(ManifestError) as caught:
        load_manifest(manifest)
    assert caught.value.problems == [
        "line 3: unknown kind 'robot' (expected one of: talking_photo, avatar_iv)",
        "line 4: empty script",
        f"line 4: photo not found: {tmp_path / 'gone.jpg'}",
        "line 5: duplicate id 'a' (first at line 2)",
    ]


# A manifest whose rows are well formed but two of whose photos are bad.
def bad_photo_manifest(tmp_path: Path) -> Path:
    gif = io.BytesIO()
    Image.new("RGB", (600, 600)).save(gif, "GIF")
    (tmp_path / "anim.gif").write_bytes(gif.getvalue())
    (tmp_path / "half.jpg").write_bytes(portrait_jpeg(2)[:3000])
    (tmp_path / "bob.png").write_bytes(portrait_png(3))
    rows = [
        ROW_A,
        f"b,anim.gif,Hi,{VOICE},\n",
        f"c,half.jpg,Hi,{VOICE},avatar_iv\n",
        f"d,bob.png,Hi,{VOICE},\n",
    ]
    return place(tmp_path, "m.csv", csv_bytes(HEADER, *rows))


BAD_PHOTO_LINES = [
    "line 3 (id b): photo anim.gif: photo is GIF; HeyGen accepts JPEG or PNG",
    "line 4 (id c): photo half.jpg: photo is corrupt or truncated",
]


def test_a_bad_photo_row_stops_the_run_before_anything_is_sent(
    tmp_path: Path, live_emulator: Emulator
) -> None:
    """The command checks every photo before the run: exit 2, each bad row named. The voice
    catalog is read (a free GET) so that unknown voices are listed in the same report."""
    manifest = bad_photo_manifest(tmp_path)
    done = run_cli(
        [str(manifest), "--out", str(tmp_path / "out"), *CLI_FAST], cli_env(live_emulator)
    )
    assert done.returncode == 2, done.stderr
    for line in BAD_PHOTO_LINES:
        assert line in done.stderr
    assert [(r.method, r.path) for r in live_emulator.request_log] == [("GET", "/v2/voices")]


def test_a_bad_photo_row_fails_the_dry_run_with_nothing_sent(
    tmp_path: Path, live_emulator: Emulator
) -> None:
    manifest = bad_photo_manifest(tmp_path)
    args = [str(manifest), "--out", str(tmp_path / "out"), "--dry-run", *CLI_FAST]
    done = run_cli(args, cli_env(live_emulator, api_key=None))
    assert done.returncode == 2, done.stderr
    for line in BAD_PHOTO_LINES:
        assert line in done.stderr
    assert live_emulator.request_log == []


FAST_LIMITS = BatchLimits(rate=2000.0, burst=200, render_slots=10, uploads=4, concurrency=16)


async def test_without_the_check_a_bad_photo_fails_only_its_own_job(
    tmp_path: Path, emulator: Emulator, client: HeyGenClient
) -> None:
    """A library user who runs a Batch without the up-front check: the bad rows end failed with
    the PhotoError's reason, the good rows complete, and no bad photo is ever uploaded."""
    jobs = load_manifest(bad_photo_manifest(tmp_path))
    batch = Batch(client, jobs, tmp_path / "out", limits=FAST_LIMITS, poll=FAST_POLL)
    async with aclosing(batch.run()) as stream:
        results = {result.job_id: result async for result in stream}
    for job_id, reason in (("b", "photo is GIF"), ("c", "corrupt or truncated")):
        assert (results[job_id].status, results[job_id].error_type) == (
            JobStatus.FAILED,
            "PhotoError",
        )
        assert reason in str(results[job_id].error)
        assert "video_id" not in results[job_id].ids
    assert results["a"].status is results["d"].status is JobStatus.COMPLETED
    uploads = [r for r in emulator.request_log if r.path == "/v1/asset"]
    assert len(uploads) == 2  # ada.jpg and bob.png; never the GIF or the half JPEG
