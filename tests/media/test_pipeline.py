"""Specification of the photo pipeline; every image is generated here with Pillow."""

from __future__ import annotations

import contextlib
import io
import random
import struct
import zlib

import pytest
from flask import Flask
from flask_babel import Babel
from PIL import ExifTags, Image, ImageCms, ImageFile, ImageOps, JpegImagePlugin, PngImagePlugin

from ideation.media import pipeline
from ideation.media.pipeline import ImageRejected, ProcessedImage, process_image
from ideation.media.storage import ImageStore

RED = (255, 0, 0)
BLUE = (0, 0, 255)


def encode(im: Image.Image, fmt: str, **params: object) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **params)
    return buf.getvalue()


def two_tone(size: tuple[int, int] = (300, 200), mode: str = "RGB") -> Image.Image:
    """Left half red, right half blue: shows which way a photo was rotated."""
    im = Image.new(mode, size, BLUE)
    im.paste(RED, (0, 0, size[0] // 2, size[1]))
    return im


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` pixels (pixel data is bogus)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def decode(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def near(pixel: tuple[int, ...], expected: tuple[int, int, int], tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], expected, strict=True))


def rejected_reason(data: bytes, **limits: int) -> str:
    with pytest.raises(ImageRejected) as info:
        process_image(data, **limits)
    return info.value.reason


def exif_with_gps(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "SecretPhone"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 5.0, 12.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (4.0, 53.0, 40.1)
    return exif


# --- accepted input ------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_phone_formats_are_accepted(fmt: str) -> None:
    result = process_image(encode(two_tone(), fmt))

    assert isinstance(result, ProcessedImage)
    assert (result.format, result.content_type) == ("jpeg", "image/jpeg")
    assert decode(result.display).format == "JPEG"
    assert decode(result.thumbnail).format == "JPEG"
    assert (result.width, result.height) == (300, 200)


def test_stream_input_is_accepted() -> None:
    result = process_image(io.BytesIO(encode(two_tone(), "JPEG")))
    assert (result.width, result.height) == (300, 200)


def test_multi_picture_jpeg_from_phone_is_accepted() -> None:
    data = encode(two_tone(), "MPO", save_all=True, append_images=[two_tone((100, 100))])
    assert Image.open(io.BytesIO(data)).format == "MPO"
    assert process_image(data).format == "jpeg"


def test_animated_webp_keeps_first_frame() -> None:
    frames = [Image.new("RGB", (64, 64), RED), Image.new("RGB", (64, 64), BLUE)]
    data = encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], lossless=True)
    assert near(decode(process_image(data).display).getpixel((32, 32)), RED)


def test_heic_is_accepted_when_pillow_heif_is_installed() -> None:
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    data = encode(two_tone(), "HEIF", exif=exif_with_gps().tobytes())

    result = process_image(data)

    assert (result.format, result.width, result.height) == ("jpeg", 300, 200)
    assert not decode(result.display).getexif()


# --- sizes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "display", "thumb"),
    [
        ((3000, 1000), (1600, 533), (400, 133)),
        ((1000, 3000), (533, 1600), (133, 400)),
        ((2000, 2000), (1600, 1600), (400, 400)),
    ],
)
def test_display_and_thumbnail_fit_within_their_boxes(
    size: tuple[int, int], display: tuple[int, int], thumb: tuple[int, int]
) -> None:
    result = process_image(encode(Image.new("RGB", size, RED), "PNG"))

    assert (result.width, result.height) == display
    assert (result.thumb_width, result.thumb_height) == thumb
    assert decode(result.display).size == display
    assert decode(result.thumbnail).size == thumb


def test_small_photo_is_never_upscaled() -> None:
    result = process_image(encode(two_tone((120, 80)), "JPEG"))

    assert (result.width, result.height) == (120, 80)
    assert (result.thumb_width, result.thumb_height) == (120, 80)


def test_large_jpeg_is_decoded_at_reduced_scale(monkeypatch: pytest.MonkeyPatch) -> None:
    decoded_sizes: list[tuple[int, int]] = []
    original = JpegImagePlugin.JpegImageFile.draft

    def spy(self: Image.Image, mode: str | None, size: tuple[int, int] | None) -> object:
        result = original(self, mode, size)
        decoded_sizes.append(self.size)
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)

    result = process_image(encode(two_tone((1600, 1200)), "JPEG"), display_size=400)

    assert decoded_sizes == [(400, 300)]  # libjpeg decoded at 1/4 scale, not 1600x1200
    assert (result.width, result.height) == (400, 300)


# --- metadata and orientation --------------------------------------------------------------


def test_gps_exif_is_removed_from_stored_file(tmp_path) -> None:
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(
        two_tone(),
        "JPEG",
        exif=exif_with_gps().tobytes(),
        icc_profile=icc,
        comment=b"secret comment",
        xmp=b"<x:xmpmeta>secret xmp</x:xmpmeta>",
    )
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    store = ImageStore(tmp_path)
    key = store.save(process_image(data))

    for variant in ("display", "thumb"):
        stored = store.path_for(key, variant).read_bytes()
        with Image.open(io.BytesIO(stored)) as out:
            assert not out.getexif()
            for name in ("exif", "icc_profile", "xmp", "comment"):
                assert name not in out.info
        for needle in (b"Exif", b"SecretPhone", b"secret", b"xmpmeta"):
            assert needle not in stored


def test_png_text_and_exif_chunks_are_removed() -> None:
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "secret text")
    data = encode(two_tone(), "PNG", pnginfo=text, exif=exif_with_gps().tobytes())

    display = process_image(data).display

    assert b"secret" not in display
    assert b"SecretPhone" not in display
    assert not decode(display).getexif()


@pytest.mark.parametrize(
    ("orientation", "size", "top_left", "bottom_right"),
    [
        (1, (300, 200), RED, BLUE),
        (3, (300, 200), BLUE, RED),  # upside down: left half ends up on the right
        (6, (200, 300), RED, BLUE),  # turned 90 degrees clockwise: left edge on top
        (8, (200, 300), BLUE, RED),  # turned counter-clockwise: left edge at the bottom
    ],
)
@pytest.mark.parametrize("scale", [1, 4], ids=["full-size", "jpeg-draft"])
def test_exif_orientation_is_applied(
    orientation: int,
    size: tuple[int, int],
    top_left: tuple[int, int, int],
    bottom_right: tuple[int, int, int],
    scale: int,
) -> None:
    # scale 4 with a small display box makes the JPEG decode at reduced size (draft)
    # before the rotation: the orientation must still be honoured.
    source = two_tone((300 * scale, 200 * scale))
    data = encode(source, "JPEG", exif=exif_with_gps(orientation).tobytes())

    result = process_image(data, display_size=300)

    out = decode(result.display)
    assert out.size == (result.width, result.height) == size
    assert near(out.getpixel((5, 5)), top_left)
    assert near(out.getpixel((out.width - 5, out.height - 5)), bottom_right)
    assert not out.getexif()


# --- colour modes --------------------------------------------------------------------------


def test_cmyk_jpeg_becomes_rgb_jpeg() -> None:
    data = encode(Image.new("CMYK", (100, 80), (0, 255, 255, 0)), "JPEG")

    result = process_image(data)

    out = decode(result.display)
    assert (result.format, out.mode) == ("jpeg", "RGB")
    assert near(out.getpixel((50, 40)), RED)


def test_png_with_transparency_stays_png_with_alpha() -> None:
    im = two_tone(mode="RGBA")
    im.putalpha(Image.linear_gradient("L").resize(im.size))

    result = process_image(encode(im, "PNG"))

    assert (result.format, result.content_type) == ("png", "image/png")
    assert decode(result.display).mode == "RGBA"
    assert decode(result.thumbnail).format == "PNG"


def test_fully_opaque_alpha_becomes_jpeg() -> None:
    result = process_image(encode(two_tone(mode="RGBA"), "WEBP", lossless=True))
    assert result.format == "jpeg"


def test_palette_png_with_transparent_colour_keeps_transparency() -> None:
    im = two_tone().convert("P")
    data = encode(im, "PNG", transparency=im.getpixel((0, 0)))

    result = process_image(data)

    out = decode(result.display)
    assert (result.format, out.mode) == ("png", "RGBA")
    assert out.getpixel((5, 5))[3] == 0
    assert out.getpixel((295, 195))[3] == 255


@pytest.mark.parametrize("mode", ["P", "L", "1", "LA"])
def test_other_png_modes_are_handled(mode: str) -> None:
    result = process_image(encode(two_tone().convert(mode), "PNG"))
    assert decode(result.display).mode in ("L", "RGB", "RGBA")


def test_sixteen_bit_greyscale_is_scaled_not_clipped() -> None:
    im = Image.new("I;16", (64, 64), 32768)  # mid grey on a 0..65535 scale
    assert Image.open(io.BytesIO(encode(im, "PNG"))).mode == "I;16"

    out = decode(process_image(encode(im, "PNG")).display)

    assert out.mode == "L"
    assert abs(out.getpixel((32, 32)) - 128) <= 2


# --- rejected input ------------------------------------------------------------------------


def test_too_large_bytes_are_refused() -> None:
    data = encode(two_tone(), "PNG")
    assert rejected_reason(data, max_bytes=len(data) - 1) == "too_large"
    assert process_image(data, max_bytes=len(data)).width == 300


def test_huge_stream_is_not_read_past_the_limit() -> None:
    class EndlessStream(io.RawIOBase):
        consumed = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
            buffer[:] = b"\xff" * len(buffer)
            self.consumed += len(buffer)
            return len(buffer)

    stream = EndlessStream()
    with pytest.raises(ImageRejected) as info:
        process_image(stream, max_bytes=1000)
    assert info.value.reason == "too_large"
    assert stream.consumed == 1001


def test_header_claiming_50000_by_50000_pixels_is_refused() -> None:
    data = png_header_only(50_000, 50_000)
    assert len(data) < 200
    assert rejected_reason(data) == "too_many_pixels"
    # Same answer when only Pillow's own bomb check stands in the way.
    assert rejected_reason(data, max_pixels=10**12) == "too_many_pixels"


def test_pixel_limit_is_checked_before_decoding() -> None:
    # 48 MP with bogus pixel data: a decode attempt would say "truncated" instead.
    assert rejected_reason(png_header_only(8000, 6000)) == "too_many_pixels"


def test_pillow_bomb_warning_is_treated_as_an_error() -> None:
    # Between Image.MAX_IMAGE_PIXELS and twice that, Pillow only warns.
    side = int((Image.MAX_IMAGE_PIXELS * 1.5) ** 0.5)
    assert rejected_reason(png_header_only(side, side), max_pixels=10**12) == "too_many_pixels"


def test_real_decompression_bomb_is_refused() -> None:
    data = encode(Image.new("1", (7000, 7000)), "PNG")  # 49 MP in a few kilobytes
    assert len(data) < 50_000
    assert rejected_reason(data) == "too_many_pixels"


def test_max_pixels_can_be_lowered() -> None:
    data = encode(two_tone(), "JPEG")
    assert rejected_reason(data, max_pixels=300 * 200 - 1) == "too_many_pixels"


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_truncated_upload_is_refused(fmt: str) -> None:
    data = encode(Image.effect_noise((300, 200), 50).convert("RGB"), fmt)
    assert rejected_reason(data[: len(data) // 2]) == "truncated"


def test_truncated_images_flag_must_stay_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    with pytest.raises(RuntimeError):
        process_image(encode(two_tone(), "JPEG"))


@pytest.mark.parametrize("data", [b"Dear council, please fix the bench.\n", b"", b"\xff\xd8\xff"])
def test_file_that_is_not_an_image_is_refused(data: bytes) -> None:
    assert rejected_reason(data) in ("not_an_image", "truncated")
    if data.startswith(b"Dear"):
        assert rejected_reason(data) == "not_an_image"


@pytest.mark.parametrize(
    "data",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b'\n  <?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>',
        b"\xef\xbb\xbf<SVG/>",
        b"<!-- drawn by hand --><svg/>",
    ],
)
def test_svg_is_refused(data: bytes) -> None:
    assert rejected_reason(data) == "svg"


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF", "ICO"])
def test_other_image_formats_are_unsupported(fmt: str) -> None:
    assert rejected_reason(encode(two_tone((64, 64)), fmt)) == "unsupported_format"


def test_unexpected_pillow_error_becomes_not_an_image(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise ValueError("some internal Pillow problem")

    monkeypatch.setattr(ImageOps, "exif_transpose", boom)
    assert rejected_reason(encode(two_tone(), "JPEG")) == "not_an_image"


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_corrupted_bytes_never_raise_anything_but_image_rejected(fmt: str) -> None:
    data = encode(Image.effect_noise((64, 48), 50).convert("RGB"), fmt)
    rng = random.Random(fmt)
    for _ in range(40):
        mutated = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        with contextlib.suppress(ImageRejected):
            process_image(bytes(mutated))


# --- messages ------------------------------------------------------------------------------


def test_rejection_message_is_lazy_and_translatable() -> None:
    exc = ImageRejected("too_large", max_bytes=10 * 1024 * 1024)
    message = exc.message  # no app context needed until rendered
    assert str(exc) == "too_large"

    app = Flask(__name__)
    Babel(app)
    with app.app_context():
        assert str(message) == "This photo is larger than 10 MB. Choose a smaller photo."
        for reason in ("not_an_image", "unsupported_format", "truncated", "too_many_pixels", "svg"):
            assert str(ImageRejected(reason).message).endswith(".")


def test_heif_support_is_optional(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_heif(name: str, *args: object, **kwargs: object) -> object:
        if name == "pillow_heif":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    pipeline._allowed_formats.cache_clear()  # noqa: SLF001
    monkeypatch.setattr(builtins, "__import__", no_heif)
    try:
        assert pipeline._allowed_formats() == ("JPEG", "PNG", "WEBP")  # noqa: SLF001
    finally:
        pipeline._allowed_formats.cache_clear()  # noqa: SLF001
