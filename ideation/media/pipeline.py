"""Turn an uploaded phone photo into a safe display image and thumbnail.

Decisions:

* Accepted input: JPEG (including multi-picture "MPO" JPEGs that many phones write), PNG,
  WebP, and HEIC/HEIF when the optional ``pillow-heif`` package is installed. Animated files
  keep their first frame only.
* Output is rebuilt from pixel data only, so no EXIF (GPS!), XMP, ICC profile, comments or
  PNG text chunks survive. Dropping the ICC profile may shift colours slightly for wide-gamut
  photos; that is acceptable for idea photos.
* Output format: images with real transparency become PNG (lossless, understood by every
  browser, mail client and PDF tool); everything else, including PNGs whose alpha channel is
  fully opaque, becomes a progressive JPEG at quality 82.
* Display image fits within ``display_size`` x ``display_size``; the thumbnail fits within
  ``thumb_size`` x ``thumb_size`` with the aspect ratio kept (no crop, so the whole photo stays
  visible; templates can crop with CSS ``object-fit: cover``). Neither is ever upscaled.
"""

from __future__ import annotations

import functools
import io
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, BinaryIO

from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from ideation.core.i18n import lazy_gettext as _l

if TYPE_CHECKING:
    from flask_babel.speaklater import LazyString

JPEG_QUALITY = 82
_BASE_FORMATS = ("JPEG", "PNG", "WEBP")
_READ_CHUNK = 1024 * 1024

# Only "too_large" needs a parameter; the rest are fixed, few and plain on purpose.
_MESSAGES = {
    "not_an_image": _l("This file is not a photo we can read. Choose a JPEG, PNG or WebP photo."),
    "unsupported_format": _l("This file type is not supported. Choose a JPEG, PNG or WebP photo."),
    "truncated": _l("This photo is incomplete or damaged. Try uploading it again."),
    "too_many_pixels": _l("This photo is too large to process. Choose a smaller photo."),
}


class ImageRejected(Exception):
    """An upload that is not an acceptable photo; ``reason`` is a machine-readable code.

    Codes: too_large, not_an_image, unsupported_format, truncated, too_many_pixels, svg.
    ``str(exc)`` is the code (safe for logs); ``exc.message`` is for the user.
    """

    def __init__(self, reason: str, *, max_bytes: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.max_bytes = max_bytes

    @property
    def message(self) -> LazyString:
        """User-facing explanation, translated lazily (only ``str()`` needs an app context)."""
        if self.reason == "too_large":
            mb = (self.max_bytes or 0) / (1024 * 1024)
            return _l(
                "This photo is larger than %(mb)s MB. Choose a smaller photo.",
                mb=int(mb) if mb.is_integer() else round(mb, 1),
            )
        if self.reason == "svg":
            return _MESSAGES["unsupported_format"]
        return _MESSAGES.get(self.reason, _MESSAGES["not_an_image"])


@dataclass(frozen=True)
class ProcessedImage:
    """Encoded display image and thumbnail; sizes are in pixels, ``format`` is "jpeg" or "png"."""

    display: bytes = field(repr=False)
    thumbnail: bytes = field(repr=False)
    width: int
    height: int
    thumb_width: int
    thumb_height: int
    format: str
    content_type: str


def process_image(
    data: bytes | BinaryIO,
    *,
    max_bytes: int = 10 * 1024 * 1024,
    max_pixels: int = 40_000_000,
    display_size: int = 1600,
    thumb_size: int = 400,
) -> ProcessedImage:
    """Validate an uploaded photo and return a metadata-free display image and thumbnail.

    ``data`` is the raw upload or a readable binary stream (e.g. ``FileStorage.stream``); at
    most ``max_bytes + 1`` bytes are read from a stream. Raises :class:`ImageRejected` for any
    bad input, never another exception type.
    """
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        # A global someone may flip elsewhere; with it on, half-uploaded photos would pass.
        raise RuntimeError("PIL.ImageFile.LOAD_TRUNCATED_IMAGES must stay False")
    raw = _read_limited(data, max_bytes)
    if _looks_like_svg(raw):
        raise ImageRejected("svg")
    try:
        # Pillow only warns between MAX_IMAGE_PIXELS and twice that; make it an error. The
        # filter change is process-global and not thread-safe, so the explicit max_pixels
        # check in _open() is what really guards; this is a second line of defence.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = _open(raw, max_pixels, display_size)
            display = _to_display(im, display_size)
        thumb = display.copy()
        thumb.thumbnail((thumb_size, thumb_size), Image.Resampling.LANCZOS)
        fmt = "png" if display.mode == "RGBA" else "jpeg"
        return ProcessedImage(
            display=_encode(display, fmt),
            thumbnail=_encode(thumb, fmt),
            width=display.width,
            height=display.height,
            thumb_width=thumb.width,
            thumb_height=thumb.height,
            format=fmt,
            content_type=f"image/{fmt}",
        )
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning, MemoryError) as exc:
        raise ImageRejected("too_many_pixels") from exc
    except Exception as exc:  # Pillow raises many exception types on hostile input
        raise ImageRejected("not_an_image") from exc


@functools.cache
def _allowed_formats() -> tuple[str, ...]:
    """Pillow format names we decode; HEIF only if pillow-heif is installed (registered once)."""
    try:
        import pillow_heif
    except ImportError:
        return _BASE_FORMATS
    pillow_heif.register_heif_opener()
    return (*_BASE_FORMATS, "HEIF")


def _read_limited(data: bytes | BinaryIO, max_bytes: int) -> bytes:
    if isinstance(data, bytes | bytearray):
        raw = bytes(data)
    else:
        # Read in chunks and stop one byte past the limit: never slurp a huge stream.
        chunks: list[bytes] = []
        remaining = max_bytes + 1
        while remaining > 0:
            chunk = data.read(min(remaining, _READ_CHUNK))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        raw = b"".join(chunks)
    if len(raw) > max_bytes:
        raise ImageRejected("too_large", max_bytes=max_bytes)
    if not raw:
        raise ImageRejected("not_an_image")
    return raw


def _looks_like_svg(raw: bytes) -> bool:
    # SVG can carry scripts and external references; refuse it (and any XML) by content,
    # whatever the file name says. Skip a UTF-8 byte order mark and leading whitespace.
    head = raw[:4096].removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    return head.startswith((b"<?xml", b"<svg")) or (head.startswith(b"<") and b"<svg" in head)


def _open(raw: bytes, max_pixels: int, display_size: int) -> Image.Image:
    """Identify, size-check and verify ``raw``, then decode it (reduced for JPEG)."""
    formats = _allowed_formats()
    try:
        probe = Image.open(io.BytesIO(raw), formats=formats)
    except UnidentifiedImageError as exc:
        raise ImageRejected(_unidentified_reason(raw)) from exc
    except (OSError, EOFError) as exc:  # a known signature but a broken file
        raise ImageRejected("truncated") from exc
    with probe:
        # The header size is known before any pixel is decoded: refuse bombs here.
        width, height = probe.size
        if width * height > max_pixels:
            raise ImageRejected("too_many_pixels")
        try:
            probe.verify()  # checks PNG chunk CRCs etc.; leaves the object unusable
        except Exception as exc:
            truncated = isinstance(exc, EOFError) or "truncat" in str(exc).lower()
            raise ImageRejected("truncated" if truncated else "not_an_image") from exc

    im = Image.open(io.BytesIO(raw), formats=formats)
    # For JPEG, draft() makes libjpeg decode at 1/2, 1/4 or 1/8 scale, never below the
    # requested size, so a 12 MP photo never exists in memory at full size. For HEIF it may
    # pick a large-enough embedded thumbnail; for other formats it does nothing.
    im.draft("RGB", _fitted_size(im.size, display_size))
    try:
        im.load()
    except (OSError, EOFError) as exc:
        raise ImageRejected("truncated") from exc
    return im


def _unidentified_reason(raw: bytes) -> str:
    """Tell "a GIF/BMP/TIFF/..." apart from "not an image at all", from leading bytes only."""
    Image.init()
    head = raw[:16]
    for name, (_factory, accept) in Image.OPEN.items():
        if name in _allowed_formats() or accept is None:
            continue
        result = accept(head)
        if result and not isinstance(result, str):
            return "unsupported_format"
    return "not_an_image"


def _fitted_size(size: tuple[int, int], box: int) -> tuple[int, int]:
    scale = min(1.0, box / size[0], box / size[1])
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def _to_display(im: Image.Image, display_size: int) -> Image.Image:
    im = _normalize_mode(im)
    # reducing_gap lets Pillow use a cheap integer reduce() before the final pass. BICUBIC
    # (Pillow's own default for thumbnails): a phone photo arrives drafted at 2000 x 1500 and
    # loses a fifth of its width here, where LANCZOS cost 40 % more (85 vs 59 ms) for no
    # visible difference. The box is square, so resizing before turning gives the same size.
    im.thumbnail((display_size, display_size), Image.Resampling.BICUBIC, reducing_gap=2.0)
    # The EXIF orientation survives thumbnail(); turning the smaller image is cheaper.
    ImageOps.exif_transpose(im, in_place=True)
    if im.mode == "RGBA" and im.getchannel("A").getextrema()[0] == 255:
        im = im.convert("RGB")  # alpha channel that is fully opaque: a normal photo
    # Rebuild from raw pixels so no metadata in ``info`` can reach an encoder.
    return Image.frombytes(im.mode, im.size, im.tobytes())


def _normalize_mode(im: Image.Image) -> Image.Image:
    """Reduce every input mode to L, RGB or RGBA."""
    if im.mode == "I" or im.mode.startswith("I;16"):
        # 16-bit greyscale PNG: convert("L") would clip at 255 instead of scaling down.
        return im.convert("I").point(lambda v: v / 256).convert("L")
    # RGBA, LA, PA and P/L/RGB with a transparent colour keep alpha; CMYK, P, YCbCr become RGB.
    if im.has_transparency_data:
        return im.convert("RGBA") if im.mode != "RGBA" else im
    target = "L" if im.mode in ("1", "L") else "RGB"
    # convert() to the same mode still copies; skip it for the common RGB photo.
    return im if im.mode == target else im.convert(target)


def _encode(im: Image.Image, fmt: str) -> bytes:
    buf = io.BytesIO()
    if fmt == "jpeg":
        im.save(buf, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    else:
        im.save(buf, "PNG")
    return buf.getvalue()
