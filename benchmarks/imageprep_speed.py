"""prepare_image on a big camera JPEG against a plain decode + resize + encode, side by side.

The baseline does what a straightforward implementation would: full-size decode, exif_transpose,
LANCZOS resize to the same 2000 px, JPEG q90. prepare_image decodes DCT-scaled via draft().
Also times the pass-through of a small card scan (decode check only).

    .venv/bin/python benchmarks/imageprep_speed.py          # ~10 s
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections.abc import Callable

from PIL import Image, ImageDraw, ImageOps

from airflow_provider_faceid.imageprep import prepare_image


def photo(width: int, height: int, quality: int) -> bytes:
    base = Image.radial_gradient("L").resize((width, height)).convert("RGB")
    noise = Image.effect_noise((width, height), 24).convert("RGB")
    img = Image.blend(base, noise, 0.3)
    ImageDraw.Draw(img).rectangle((width // 8, height // 8, width // 2, height // 2), outline="red", width=8)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def baseline(data: bytes) -> bytes:
    img = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    scale = 2000 / max(img.size)
    img = img.resize((round(img.width * scale), round(img.height * scale)), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def best_of(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    big = photo(4000, 3000, 95)
    small = photo(856, 540, 90)
    out = prepare_image(big)
    ref = baseline(big)
    t_prep = best_of(lambda: prepare_image(big), args.repeat)
    t_base = best_of(lambda: baseline(big), args.repeat)
    t_pass = best_of(lambda: prepare_image(small), args.repeat)
    print(f"4000x3000 q95 JPEG, {len(big) / 1e6:.2f} MB -> {out.width}x{out.height}, {out.size / 1e6:.2f} MB")
    print(f"  baseline decode+resize+encode: {t_base * 1000:7.1f} ms ({len(ref) / 1e6:.2f} MB)")
    print(f"  prepare_image (draft):         {t_prep * 1000:7.1f} ms   ratio {t_base / t_prep:.1f}x faster")
    print(f"856x540 q90 JPEG, {len(small) / 1e3:.0f} KB pass-through check: {t_pass * 1000:.1f} ms")


if __name__ == "__main__":
    main()
