"""A 12-megapixel phone photo through the upload pipeline, against a plain open-resize-save.

Each measurement runs in a fresh process, so peak memory (ru_maxrss) is this photo's alone.
"""

from __future__ import annotations

import io
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

RUNS = 5

_CHILD = r"""
import io, json, resource, sys, time
from PIL import Image
mode, path = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()
from ideation.media.pipeline import process_image
import os
# Current (not peak) resident memory before the work; the peak after it includes the work.
before = int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
start = time.perf_counter()
if mode == "pipeline":
    process_image(data)
else:
    with Image.open(io.BytesIO(data)) as im:
        im = im.convert("RGB")
        for size in (1600, 400):
            copy = im.copy()
            copy.thumbnail((size, size))
            copy.save(io.BytesIO(), "JPEG", quality=82)
elapsed = (time.perf_counter() - start) * 1000
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"ms": elapsed, "mb": (after - before) / 1024}))
"""


def make_photo(path: Path) -> None:
    """A 4000x3000 JPEG with real-photo-like detail and EXIF (orientation and GPS)."""
    from PIL import Image, ImageFilter

    noise = Image.effect_noise((4000, 3000), 60).filter(ImageFilter.GaussianBlur(1))
    gradient = Image.linear_gradient("L").resize((4000, 3000))
    photo = Image.merge("RGB", (noise, gradient, noise.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
    exif = Image.Exif()
    exif[0x0112] = 6
    exif.get_ifd(0x8825)[2] = (52.0, 5.0, 0.0)
    buffer = io.BytesIO()
    photo.save(buffer, "JPEG", quality=92, exif=exif)
    path.write_bytes(buffer.getvalue())


def _measure(mode: str, path: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", _CHILD, mode, str(path)], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def run() -> dict:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "photo.jpg"
        make_photo(path)
        pipeline = [_measure("pipeline", path) for _ in range(RUNS)]
        naive = [_measure("naive", path) for _ in range(RUNS)]
        return {
            "ms": round(statistics.median(r["ms"] for r in pipeline), 1),
            "peak_mb": round(statistics.median(r["mb"] for r in pipeline), 1),
            "naive_ms": round(statistics.median(r["ms"] for r in naive), 1),
            "naive_peak_mb": round(statistics.median(r["mb"] for r in naive), 1),
            "file_mb": round(path.stat().st_size / 1024 / 1024, 2),
        }
