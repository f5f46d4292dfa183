"""Render screenshots of every page kind of the sample site into docs/screenshots/.

Each kind at a phone (390 px) and a desktop (1280 px) width, in the light and the dark theme,
viewport only, as small palette PNGs. Needs Chromium, chromedriver, selenium and Pillow:

    pip install -e '.[test,screenshots]' && python scripts/screenshots.py
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from sitegen.build import build  # noqa: E402
from sitegen.config import load_config  # noqa: E402
from tests.browser import chrome, page_kinds, serve  # noqa: E402

SIZES = {"phone": (390, 844), "desktop": (1280, 860)}
THEMES = ("light", "dark")


def shoot(driver: object, url: str, width: int, height: int, theme: str) -> bytes:
    """Load ``url`` at the given viewport and colour scheme; return a compressed PNG."""
    cdp = driver.execute_cdp_cmd  # type: ignore[attr-defined]
    cdp(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
    )
    cdp(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-color-scheme", "value": theme}]},
    )
    driver.get(url)  # type: ignore[attr-defined]
    png = driver.get_screenshot_as_png()  # type: ignore[attr-defined]
    image = Image.open(io.BytesIO(png)).convert("RGB")
    small = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    small.save(out, "PNG", optimize=True)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--only", help="comma-separated page kinds (default: all)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        output = Path(tmp) / "site"
        config = load_config(ROOT, overrides={"output_dir": str(output)})
        build(config, log=lambda _: None)
        kinds = page_kinds(output)
        wanted = set(args.only.split(",")) if args.only else set(kinds)
        driver = chrome()
        try:
            with serve(output) as base:
                for kind, path in sorted(kinds.items()):
                    if kind not in wanted:
                        continue
                    url = base + path.removesuffix("index.html")
                    for size, (width, height) in SIZES.items():
                        for theme in THEMES:
                            name = f"{kind}-{size}-{theme}.png"
                            data = shoot(driver, url, width, height, theme)
                            (args.out / name).write_bytes(data)
                            print(f"{name}: {len(data) // 1024} KB")
        finally:
            driver.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
