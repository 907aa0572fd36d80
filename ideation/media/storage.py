"""Store processed photos on disk under random, unguessable names.

Layout: ``root/<first two hex chars>/<32 hex chars>.<ext>`` for the display image and
``..._thumb.<ext>`` beside it. The two-character subfolders keep directories small. The key
handed out (and kept in the database) is ``<32 hex chars>.<ext>``; nothing from the user ever
becomes part of a path.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import tempfile
from pathlib import Path
from typing import Literal

from flask import Response, abort, current_app, send_file

from ideation.media.pipeline import ProcessedImage

Variant = Literal["display", "thumb"]

_EXTENSIONS = {"jpeg": "jpg", "png": "png"}
_KEY_RE = re.compile(r"([0-9a-f]{32})\.(jpg|png)")


class ImageStore:
    """Photos in a directory tree under ``root``; writes are atomic."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def save(self, processed: ProcessedImage) -> str:
        """Write the display image and thumbnail; return the key to keep in the database."""
        ext = _EXTENSIONS.get(processed.format)
        if ext is None:
            raise ValueError(f"unknown image format {processed.format!r}")
        key = f"{secrets.token_hex(16)}.{ext}"
        thumb = self.path_for(key, "thumb")
        thumb.parent.mkdir(parents=True, exist_ok=True)
        # Thumbnail first: a display path that exists always has its thumbnail.
        _write_atomic(thumb, processed.thumbnail)
        try:
            _write_atomic(self.path_for(key, "display"), processed.display)
        except BaseException:
            thumb.unlink(missing_ok=True)
            raise
        return key

    def path_for(self, key: str, variant: Variant = "display") -> Path:
        """Absolute path of a stored file; ``ValueError`` for a malformed key or variant.

        The file may not exist (anymore); callers serving it should treat that as a 404.
        """
        match = _KEY_RE.fullmatch(key) if isinstance(key, str) else None
        if match is None:
            raise ValueError("invalid image key")
        if variant not in ("display", "thumb"):
            raise ValueError(f"invalid image variant {variant!r}")
        name, ext = match.groups()
        suffix = "_thumb" if variant == "thumb" else ""
        root = self.root.resolve()
        path = (root / name[:2] / f"{name}{suffix}.{ext}").resolve()
        # Belt and braces: the regex already rules out separators and "..", but a symlinked
        # subfolder must not lead outside the store either.
        if os.path.commonpath([root, path]) != str(root):
            raise ValueError("image path escapes the store")
        return path

    def delete(self, key: str) -> None:
        """Remove both files of ``key``; files that are already gone are ignored."""
        for variant in ("display", "thumb"):
            self.path_for(key, variant).unlink(missing_ok=True)


def upload_root() -> Path:
    """``IDEATION_UPLOAD_DIR`` (a folder every host mounts), or ``uploads/`` in the instance
    folder."""
    configured = str(current_app.config.get("IDEATION_UPLOAD_DIR") or "")
    return Path(configured) if configured else Path(current_app.instance_path) / "uploads"


def uploads_store() -> ImageStore:
    """The one store of the platform, for every feature."""
    return ImageStore(upload_root())


def send_upload(key: str, variant: str, cache_control: str) -> Response:
    """Answer with a stored photo once the caller has decided who may see it; 404 for a key or
    variant that is not well formed, or a file that is gone.

    With ``IDEATION_UPLOAD_ACCEL_PREFIX`` set (an nginx ``internal`` location that aliases the
    upload folder, see the README), the app answers with ``X-Accel-Redirect`` and nginx sends
    the file: the permission check stays here, the bytes do not pass through a worker.
    """
    store = uploads_store()
    try:
        path = store.path_for(key, variant)  # type: ignore[arg-type]
    except ValueError:
        abort(404)
    if not path.is_file():
        abort(404)
    mimetype = "image/png" if key.endswith(".png") else "image/jpeg"
    prefix = str(current_app.config.get("IDEATION_UPLOAD_ACCEL_PREFIX") or "")
    if prefix:
        response = Response(mimetype=mimetype)
        relative = path.relative_to(store.root.resolve()).as_posix()
        response.headers["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + relative
    else:
        response = send_file(path, mimetype=mimetype, conditional=True)
    response.headers["Cache-Control"] = cache_control
    return response


def _write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same directory, then rename over ``path``.

    Readers see either no file or the complete file, never a partial one.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        # mkstemp creates 0600; photos are public content that a web server may serve.
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
