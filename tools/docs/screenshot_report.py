"""Full-page screenshot of a report.html in headless Chromium (for docs/).

    python tools/docs/screenshot_report.py OUT_DIR/report.html docs/report_kneeling.png

Needs Debian's chromium and chromium-driver and selenium (the browser tests' set-up).
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

from selenium import webdriver

WIDTH = 1100


def screenshot(report: Path, png: Path, width: int = WIDTH) -> None:
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                 "--disable-dev-shm-usage", f"--window-size={width},900"):
        options.add_argument(flag)
    service = webdriver.ChromeService(executable_path=shutil.which("chromedriver"))
    drv = webdriver.Chrome(options=options, service=service)
    try:
        drv.get(report.resolve().as_uri())
        time.sleep(1.5)  # poster and key frames decode
        height = drv.execute_script("return document.documentElement.scrollHeight")
        drv.set_window_size(width, height + 100)
        time.sleep(0.5)
        drv.save_screenshot(str(png))
    finally:
        drv.quit()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path, help="report.html")
    parser.add_argument("png", type=Path, help="where to write the screenshot")
    parser.add_argument("--width", type=int, default=WIDTH, help="window width in px")
    args = parser.parse_args(argv)
    screenshot(args.report, args.png, args.width)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
