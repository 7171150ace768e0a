"""Phone photos made fit to keep (issue 15): the time, memory and size of converting and
reducing one photo as the upload does it (core.photos.photo_for_keeping), against the bare
full-size decode of the same file in the same run.

    scripts/bench photos [--repeat 3]

Cases, each in its own process (peak memory is its own): a 12-megapixel JPEG (a phone's
default), the same as an iPhone HEIC, a 48-megapixel JPEG (a high-resolution mode). The photos
are a page of print with a camera's sensor noise, so they compress as real photos do.
"""

import argparse
import io
import json
import subprocess
import sys
import time

from common import RESULTS, peak_mb, setup_django

CASES = {"jpeg_12mp": ((4032, 3024), "JPEG"), "heic_12mp": ((4032, 3024), "HEIF"),
         "jpeg_48mp": ((8000, 6000), "JPEG")}


def make_photo(size, fmt) -> bytes:
    from PIL import Image, ImageChops, ImageDraw

    page = Image.new("L", size, 235)
    draw = ImageDraw.Draw(page)
    step = max(8, size[1] // 120)
    for y in range(step * 4, size[1] - step * 4, step):
        draw.line((size[0] // 10, y, size[0] * 9 // 10, y), fill=40, width=max(2, step // 4))
    noise = Image.effect_noise(size, 6)
    photo = ImageChops.add(page, noise, scale=1.0, offset=-128).convert("RGB")
    if fmt == "HEIF":
        import pillow_heif
        pillow_heif.register_heif_opener()
    out = io.BytesIO()
    photo.save(out, fmt, quality=92)
    return out.getvalue()


def run_case(name: str, repeat: int) -> dict:
    setup_django()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from tongzhou_care.core.photos import photo_for_keeping

    size, fmt = CASES[name]
    data = make_photo(size, fmt)
    content_type = "image/heic" if fmt == "HEIF" else "image/jpeg"
    decode, keep = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        with Image.open(io.BytesIO(data)) as image:
            image.load()                                  # the bare full-size decode
        decode.append(time.perf_counter() - start)
        start = time.perf_counter()
        kept, _ = photo_for_keeping(SimpleUploadedFile("photo", data), content_type)
        keep.append(time.perf_counter() - start)
    with Image.open(io.BytesIO(kept.read())) as out:
        out_size = out.size
    return {"case": name, "pixels": f"{size[0]}x{size[1]}", "in_kb": len(data) // 1024,
            "decode_s": min(decode), "keep_s": min(keep), "out": f"{out_size[0]}x{out_size[1]}",
            "out_kb": kept.size // 1024, "peak_mb": round(peak_mb())}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--case", choices=CASES)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.repeat)))
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    rows = []
    for name in CASES:
        result = subprocess.run([sys.executable, __file__, "--case", name, "--repeat", str(args.repeat)],
                                capture_output=True, text=True, check=True)
        rows.append(json.loads(result.stdout.strip().splitlines()[-1]))
    print("| photo | pixels | in | bare decode | kept (convert + reduce) | ratio | out | out size | peak memory |")
    print("|---|---|---:|---:|---:|---:|---|---:|---:|")
    for r in rows:
        print(f"| {r['case']} | {r['pixels']} | {r['in_kb']:,} KB | {r['decode_s']:.2f} s | {r['keep_s']:.2f} s "
              f"| {r['keep_s'] / r['decode_s']:.2f}× | {r['out']} | {r['out_kb']:,} KB | {r['peak_mb']} MB |")
    (RESULTS / "photos.json").write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
