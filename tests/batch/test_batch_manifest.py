"""Manifest parsing: good rows become jobs; every problem is reported with its line, at once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from heygen_async._errors import ValidationError
from heygen_async.batch import BatchJob, JobKind, ManifestError, estimate_credits, load_manifest

HEADER = "id,photo,script,voice_id,kind,orientation,fit,motion_prompt,title\n"


@pytest.fixture
def photo_dir(tmp_path: Path) -> Path:
    (tmp_path / "photos").mkdir()
    for name in ("a.jpg", "b.png"):
        (tmp_path / "photos" / name).write_bytes(b"not checked here")
    return tmp_path


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ManifestError) as caught:
        load_manifest(path)
    return caught.value.problems


def test_csv_rows_become_jobs_with_photos_relative_to_the_manifest(photo_dir: Path) -> None:
    manifest = write(
        photo_dir / "m.csv",
        HEADER
        + "ann,photos/a.jpg,Hello Ann,v1,,,,,\n"
        + 'bob,photos/b.png,"Hi, Bob",v2,avatar_iv,portrait,cover,waves,Bob\n',
    )
    ann, bob = load_manifest(manifest)
    assert ann.id == "ann"
    assert ann.kind is JobKind.TALKING_PHOTO
    assert ann.photo == photo_dir / "photos" / "a.jpg"
    assert ann.orientation is None
    assert ann.title is None
    assert bob.kind is JobKind.AVATAR_IV
    assert (bob.script, bob.orientation, bob.fit, bob.motion_prompt) == (
        "Hi, Bob",
        "portrait",
        "cover",
        "waves",
    )
    assert (ann.line, bob.line) == (2, 3)


def test_jsonl_rows_and_blank_lines(photo_dir: Path) -> None:
    rows = [
        {"id": "ann", "photo": "photos/a.jpg", "script": "Hello", "voice_id": "v1"},
        {
            "id": "bob",
            "photo": "photos/b.png",
            "script": "Hi",
            "voice_id": "v1",
            "kind": "avatar_iv",
        },
    ]
    text = json.dumps(rows[0]) + "\n\n" + json.dumps(rows[1]) + "\n"
    jobs = load_manifest(write(photo_dir / "m.jsonl", text))
    assert [job.id for job in jobs] == ["ann", "bob"]
    assert jobs[1].line == 3


def test_key_is_stable_and_depends_on_content() -> None:
    base = {
        "id": "a",
        "photo": Path("/x/p.jpg"),
        "photo_ref": "p.jpg",
        "script": "Hi",
        "voice_id": "v",
    }
    first = BatchJob(**base)  # type: ignore[arg-type]
    assert first.key == BatchJob(**base).key  # type: ignore[arg-type]
    assert first.key == BatchJob(**{**base, "photo": Path("/elsewhere/p.jpg")}).key  # type: ignore[arg-type]
    assert first.key != BatchJob(**{**base, "script": "Hi!"}).key  # type: ignore[arg-type]
    assert first.key != BatchJob(**{**base, "id": "b"}).key  # type: ignore[arg-type]
    assert first.callback_id == f"hga-{first.key}"


def test_every_problem_is_reported_with_its_line(photo_dir: Path) -> None:
    long_script = "word " * 1001
    manifest = write(
        photo_dir / "m.csv",
        HEADER
        + "ok,photos/a.jpg,Fine,v1,,,,,\n"  # line 2
        + "bad-kind,photos/a.jpg,Hi,v1,video,,,,\n"  # line 3
        + "ok,photos/a.jpg,Again,v1,,,,,\n"  # line 4: duplicate id
        + "empty,photos/a.jpg,   ,v1,,,,,\n"  # line 5: empty script
        + f"long,photos/a.jpg,{long_script},v1,,,,,\n"  # line 6
        + "orient,photos/a.jpg,Hi,v1,avatar_iv,sideways,stretch,,\n"  # line 7
        + "nophoto,photos/missing.jpg,Hi,v1,,,,,\n"  # line 8
        + "novoice,photos/a.jpg,Hi,,,,,,\n"  # line 9
        + "a/b,photos/a.jpg,Hi,v1,,,,,\n"  # line 10: unsafe id
        + "tpfit,photos/a.jpg,Hi,v1,talking_photo,,cover,,\n",  # line 11
    )
    problems = problems_of(manifest)
    expected = [
        ("line 3:", "unknown kind 'video'"),
        ("line 4:", "duplicate id 'ok' (first at line 2)"),
        ("line 5:", "empty script"),
        ("line 6:", "script has 5005 characters"),
        ("line 7:", "bad orientation 'sideways'"),
        ("line 7:", "bad fit 'stretch'"),
        ("line 8:", "photo not found"),
        ("line 9:", "empty voice_id"),
        ("line 10:", "must be a plain file name"),
        ("line 11:", "only apply to kind avatar_iv"),
    ]
    for line, text in expected:
        assert any(p.startswith(line) and text in p for p in problems), (line, text, problems)
    assert len(problems) == len(expected)
    assert not any(p.startswith("line 2:") for p in problems)


def test_missing_columns_are_reported_once(tmp_path: Path) -> None:
    problems = problems_of(write(tmp_path / "m.csv", "id,photo\nx,y\n"))
    assert problems == ["line 1: missing column(s): script, voice_id"]


def test_jsonl_missing_fields_bad_json_and_non_objects(photo_dir: Path) -> None:
    text = "\n".join(
        [
            json.dumps({"id": "a", "photo": "photos/a.jpg", "script": "Hi"}),
            "{not json",
            "[1, 2]",
            json.dumps({"id": "b", "photo": "photos/a.jpg", "script": 3, "voice_id": ["v"]}),
        ]
    )
    problems = problems_of(write(photo_dir / "m.jsonl", text))
    assert any(p.startswith("line 1:") and "missing field 'voice_id'" in p for p in problems)
    assert any(p.startswith("line 2:") and "invalid JSON" in p for p in problems)
    assert any(p.startswith("line 3:") and "expected a JSON object" in p for p in problems)
    assert any(p.startswith("line 4:") and "voice_id must be text" in p for p in problems)


def test_non_utf8_is_reported_with_its_line(tmp_path: Path) -> None:
    manifest = tmp_path / "m.csv"
    manifest.write_bytes(HEADER.encode() + "ann,a.jpg,Caf\xe9,v1,,,,,\n".encode("latin-1"))
    (problem,) = problems_of(manifest)
    assert problem.startswith("line 2: not valid UTF-8")


def test_utf8_bom_and_unicode_scripts_are_fine(photo_dir: Path) -> None:
    manifest = photo_dir / "m.csv"
    manifest.write_bytes(("\ufeff" + HEADER + "zoë,photos/a.jpg,Grüß dich 👋,v1,,,,,\n").encode())
    problems = problems_of(manifest)  # the id is not a plain file name
    assert problems == [
        "line 2: id 'zoë' must be a plain file name (letters, digits, '.', '_', '-')"
    ]
    manifest.write_bytes(("\ufeff" + HEADER + "zoe,photos/a.jpg,Grüß dich 👋,v1,,,,,\n").encode())
    (job,) = load_manifest(manifest)
    assert job.script == "Grüß dich 👋"


def test_multiline_csv_scripts_keep_the_starting_line(photo_dir: Path) -> None:
    manifest = write(
        photo_dir / "m.csv",
        HEADER + 'a,photos/a.jpg,"one\ntwo",v1,,,,,\n' + "b,photos/a.jpg,,v1,,,,,\n",
    )
    assert problems_of(manifest) == ["line 4: empty script"]


def test_unsupported_extension_missing_file_and_empty_manifest(tmp_path: Path) -> None:
    assert "unsupported manifest type" in problems_of(write(tmp_path / "m.txt", ""))[0]
    assert "cannot read" in problems_of(tmp_path / "absent.csv")[0]
    assert problems_of(write(tmp_path / "m.csv", HEADER)) == ["the manifest has no jobs"]


def test_manifest_error_is_a_validation_error(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="1 problem"):
        load_manifest(write(tmp_path / "m.csv", HEADER))


def test_credit_estimates_follow_the_price_list() -> None:
    def job(kind: JobKind, words: int) -> BatchJob:
        return BatchJob(id="a", photo=Path("p.jpg"), script="w " * words, voice_id="v", kind=kind)

    # 25 words = 10 s: one started half minute.
    assert estimate_credits(job(JobKind.TALKING_PHOTO, 25)) == 0.5
    assert estimate_credits(job(JobKind.AVATAR_IV, 25)) == 3.0
    # 100 words = 40 s: two half minutes.
    assert estimate_credits(job(JobKind.TALKING_PHOTO, 100)) == 1.0
    assert estimate_credits(job(JobKind.AVATAR_IV, 100)) == 6.0
