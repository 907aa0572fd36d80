"""Specification of the on-disk photo store."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

from ideation.media import storage
from ideation.media.pipeline import ProcessedImage
from ideation.media.storage import ImageStore

KEY_RE = re.compile(r"[0-9a-f]{32}\.(jpg|png)")


def processed(fmt: str = "jpeg") -> ProcessedImage:
    return ProcessedImage(
        display=b"display-bytes",
        thumbnail=b"thumb-bytes",
        width=1600,
        height=1200,
        thumb_width=400,
        thumb_height=300,
        format=fmt,
        content_type=f"image/{fmt}",
    )


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_save_writes_display_and_thumbnail_under_random_key(tmp_path: Path) -> None:
    store = ImageStore(tmp_path)

    key = store.save(processed())

    assert KEY_RE.fullmatch(key) and key.endswith(".jpg")
    name = key.removesuffix(".jpg")
    assert files_under(tmp_path) == [f"{name[:2]}/{name}.jpg", f"{name[:2]}/{name}_thumb.jpg"]
    assert store.path_for(key).read_bytes() == b"display-bytes"
    assert store.path_for(key, "thumb").read_bytes() == b"thumb-bytes"


def test_png_images_get_png_keys(tmp_path: Path) -> None:
    assert ImageStore(tmp_path).save(processed("png")).endswith(".png")


def test_each_save_gets_a_new_key(tmp_path: Path) -> None:
    store = ImageStore(tmp_path)
    assert store.save(processed()) != store.save(processed())


def test_unknown_format_is_not_saved(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        ImageStore(tmp_path).save(processed("gif"))
    assert files_under(tmp_path) == []


def test_saved_files_are_readable_by_a_web_server(tmp_path: Path) -> None:
    store = ImageStore(tmp_path)
    key = store.save(processed())
    assert stat.S_IMODE(store.path_for(key).stat().st_mode) == 0o644


def test_failed_save_leaves_no_partial_or_temporary_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_replace = os.replace
    calls = 0

    def replace_then_fail(src: str, dst: str) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:  # the display image, after the thumbnail went in
            raise OSError("disk full")
        real_replace(src, dst)

    monkeypatch.setattr(storage.os, "replace", replace_then_fail)

    with pytest.raises(OSError, match="disk full"):
        ImageStore(tmp_path).save(processed())
    assert files_under(tmp_path) == []


def test_write_is_atomic_replace_of_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "photo.jpg"
    target.write_bytes(b"old")

    storage._write_atomic(target, b"new")  # noqa: SLF001

    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["photo.jpg"]


def test_delete_removes_both_files_and_ignores_missing_ones(tmp_path: Path) -> None:
    store = ImageStore(tmp_path)
    key = store.save(processed())
    other = store.save(processed())

    store.delete(key)
    store.delete(key)  # already gone: no error

    assert not store.path_for(key).exists()
    assert not store.path_for(key, "thumb").exists()
    assert store.path_for(other).exists()
    store.path_for(other).unlink()
    store.delete(other)  # thumbnail only
    assert files_under(tmp_path) == []


def test_path_for_stays_under_root(tmp_path: Path) -> None:
    store = ImageStore(tmp_path / "photos")
    key = "ab" + "0" * 30 + ".png"
    assert store.path_for(key) == (tmp_path / "photos" / "ab" / key).resolve()
    assert store.path_for(key, "thumb").name == "ab" + "0" * 30 + "_thumb.png"


@pytest.mark.parametrize(
    "key",
    [
        "../../bin/gpg",
        "/etc/passwd",
        "..",
        "",
        "ab/../../../etc/passwd",
        "0" * 32 + ".jpg/../../x.jpg",
        "0" * 32,
        "0" * 31 + ".jpg",
        "0" * 33 + ".jpg",
        "A" * 32 + ".jpg",
        "g" * 32 + ".jpg",
        "0" * 32 + ".gif",
        "0" * 32 + ".JPG",
        "0" * 32 + ".jpg\n",
        "0" * 32 + ".jpg\x00",
        "0" * 32 + "_thumb.jpg",
        "%2e%2e%2f" + "0" * 32 + ".jpg",
        "\uff10" * 32 + ".jpg",  # full-width digits
    ],
)
def test_path_for_refuses_anything_but_a_plain_key(tmp_path: Path, key: str) -> None:
    store = ImageStore(tmp_path)
    with pytest.raises(ValueError):
        store.path_for(key)
    with pytest.raises(ValueError):
        store.delete(key)


def test_path_for_refuses_non_string_and_unknown_variant(tmp_path: Path) -> None:
    store = ImageStore(tmp_path)
    with pytest.raises(ValueError):
        store.path_for(None)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        store.path_for("0" * 32 + ".jpg", "original")  # type: ignore[arg-type]


def test_symlinked_folder_leading_outside_root_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "photos"
    outside = tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "ab").symlink_to(outside)

    with pytest.raises(ValueError):
        ImageStore(root).path_for("ab" + "0" * 30 + ".jpg")
