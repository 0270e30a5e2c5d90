"""report.html checked in a real headless Chromium (Debian's chromium + chromedriver).

The output folder is made in the real formats (tests/fixtures/report.py: the real session
engine and frames.csv sink, an H.264 annotated.mp4); when sample clips exist, a folder made
by the real `posecoach analyze` is rendered too.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from fixtures.paths import REPO
from fixtures.report import Script, make_output

from posecoach.report import build_report
from posecoach.results import history

CHROME_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--window-size=1100,900",
)


@pytest.fixture(scope="module")
def output(tmp_path_factory) -> Path:
    return make_output(tmp_path_factory.mktemp("clip") / "out")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not driver:
        pytest.skip("Debian chromium / chromium-driver not installed (tools/test.sh installs)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="pip install '.[test]'")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chrome-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    service = webdriver.ChromeService(executable_path=driver)
    drv = webdriver.Chrome(options=options, service=service)
    drv.set_page_load_timeout(60)
    yield drv
    drv.quit()


def _requests(drv) -> list[tuple[str, str]]:
    """(url, url of the document that asked) of every request since the last call."""
    out = []
    for entry in drv.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg.get("method") == "Network.requestWillBeSent":
            params = msg["params"]
            out.append((params["request"]["url"], params.get("documentURL", "")))
    return out


def _wait(drv, script: str, timeout: float = 20.0):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(drv, timeout, poll_frequency=0.1).until(lambda d: d.execute_script(script))


def _open(drv, report: Path) -> None:
    drv.get_log("performance")  # drop earlier pages' entries
    drv.get_log("browser")
    drv.get(report.as_uri())
    _wait(drv, "return document.readyState === 'complete'")


def _assert_clean(drv) -> list[str]:
    """No console errors and no network; returns the URLs the page requested."""
    errors = [e for e in drv.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    assert not errors, f"console errors: {errors}"
    # The report may load only local things; chrome://resources/ is the browser's own
    # built-in media-control icons. Nothing anywhere may go to the network.
    local = ("file:", "data:", "blob:", "chrome://resources/")
    network = ("http:", "https:", "ws:", "wss:", "ftp:")
    requests = _requests(drv)
    foreign = [
        u for u, doc in requests
        if u.startswith(network) or (doc.startswith("file:") and not u.startswith(local))
    ]
    assert not foreign, f"non-file network requests: {foreign}"
    return [u for u, _ in requests]


def test_report_is_self_contained_text(output):
    report = build_report(output)
    html = report.read_text(encoding="utf-8")
    for needle in ("http://", "https://"):
        stray = [ln for ln in html.splitlines() if needle in ln and "w3.org/2000/svg" not in ln]
        assert not stray, f"external reference in report: {stray[:2]}"
    assert 'src="annotated.mp4"' in html
    # poster, peak L, peak R, longest fault
    assert html.count("data:image/jpeg;base64,") == 4
    assert "estimate" in html and "The hip, groin or knee is swollen." in html


def test_report_renders_and_seeks_in_chromium(output, browser, tmp_path):
    report = build_report(output)
    _open(browser, report)
    assert browser.execute_script("return document.querySelectorAll('svg.plot').length") >= 5
    n_lines = browser.execute_script("return document.querySelectorAll('svg polyline').length")
    assert n_lines >= 10
    _wait(browser, "const v = document.getElementById('player'); "
                   "return v.readyState >= 1 && v.duration > 0")
    duration = browser.execute_script("return document.getElementById('player').duration")
    assert duration == pytest.approx(24.0, abs=0.5)
    images_ok = browser.execute_script(
        "return [...document.images].every(i => i.complete && i.naturalWidth > 0)")
    assert images_ok

    # The right side's fault (leaning forward) in the episode list, then the left one's
    # bar on the SVG timeline: each click must move the player to the fault (the first
    # frame that shows its cue, within a second of its start).
    script = Script()
    button = browser.find_element(
        "css selector", f'button.seek[data-at="{script.leaning[0]:.3f}"]'
    )
    button.click()
    _wait(browser, f"return Math.abs(document.getElementById('player').currentTime - "
                   f"{script.leaning[0] + 0.5}) < 0.6")
    bar = browser.find_element("css selector", "rect.fault.seek")
    browser.execute_script(
        "arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", bar
    )
    _wait(browser, f"return Math.abs(document.getElementById('player').currentTime - "
                   f"{script.arching[0] + 0.5}) < 0.6")
    urls = _assert_clean(browser)
    assert any(u.startswith("file:") and u.endswith("report.html") for u in urls), urls
    browser.save_screenshot(str(tmp_path / "report.png"))
    # Clicking a plot seeks too: the middle of the plot area is the middle of the clip.
    browser.execute_script("window.scrollTo(0, 0)")
    plot = browser.find_elements("css selector", "svg.plot:not(.timeline)")[0]
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", plot)
    plot.click()  # selenium clicks the element's centre
    _wait(browser, "return Math.abs(document.getElementById('player').currentTime - 12.3) < 1.5")


def test_progress_section_from_history(tmp_path, browser):
    db = tmp_path / "history.sqlite"
    first = make_output(tmp_path / "first", client="Ana", video=False)
    history.record_session(db, json.loads((first / "summary.json").read_text()), first,
                           recorded="2026-11-01")
    second = make_output(tmp_path / "second", client="Ana", video=False)
    report = build_report(second, db_path=db)
    html = report.read_text(encoding="utf-8")
    assert "<h2>Progress</h2>" in html and "2026-11-01" in html
    assert "no video in the output folder" in html  # key frames say why they are missing
    _open(browser, report)
    _assert_clean(browser)


def test_no_progress_without_earlier_sessions(output, tmp_path):
    html = build_report(output, db_path=tmp_path / "absent.sqlite").read_text(encoding="utf-8")
    assert "<h2>Progress</h2>" not in html
    assert not (tmp_path / "absent.sqlite").exists()  # reading must not create the database


def _sample_clip() -> Path | None:
    clips = sorted((REPO / "sample_videos").glob("*.mp4"))
    return clips[0] if clips else None


@pytest.mark.model
@pytest.mark.slow
def test_report_from_real_analyze(tmp_path, browser):
    clip = _sample_clip()
    if clip is None:
        pytest.skip("no clips in sample_videos/ yet")
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "posecoach", "analyze", str(clip), "--out", str(out), "--quiet"],
        capture_output=True, text=True, timeout=900,
    )
    assert done.returncode == 0, done.stderr
    report = out / "report.html"
    if not report.is_file():  # the pipeline does not build it (yet): build it here
        report = build_report(out)
    _open(browser, report)
    assert browser.execute_script("return document.querySelectorAll('svg.plot').length") >= 1
    _assert_clean(browser)


# ------------------------------------------------------------- clinic-ready (issue 22)


def _shot(element) -> np.ndarray:
    """An element's pixels as BGR."""
    png = np.frombuffer(element.screenshot_as_png, np.uint8)
    return cv2.imdecode(png, cv2.IMREAD_COLOR)


def test_jumping_to_a_fault_shows_the_cue_banner_uncovered(output, browser):
    _open(browser, build_report(output))
    _wait(browser, "return document.getElementById('player').readyState >= 2")
    at = f"{Script().leaning[0]:.3f}"
    browser.find_element("css selector", f'button.seek[data-at="{at}"]').click()
    _wait(browser, "const v = document.getElementById('player'); "
                   "return v.paused && !v.seeking && v.currentTime > 17")
    video = browser.find_element("id", "player")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", video)
    time.sleep(0.5)  # let the seeked frame paint
    image = _shot(video)
    h, w = image.shape[:2]
    banner = image[int(h * 0.92): int(h * 0.97), int(w * 0.3): int(w * 0.7)].astype(int)
    red = (banner[..., 2] > 170) & (banner[..., 1] < 90) & (banner[..., 0] < 90)
    assert red.mean() > 0.9, "the cue banner at the bottom of the frame is covered"


def _not_done_output(output: Path, tmp_path: Path, side: str = "R") -> Path:
    """The same clip with one side never done."""
    out = tmp_path / f"not_done_{side}"
    shutil.copytree(output, out)
    summary = json.loads((out / "summary.json").read_text())
    block = summary["sides"][side]
    block.update(holds=[], good_s=0, faults=[], fault_time_s={}, hint_time_s={})
    (out / "summary.json").write_text(json.dumps(summary))
    return out


def test_a_side_not_done_reads_not_done(output, browser, tmp_path):
    _open(browser, build_report(_not_done_output(output, tmp_path)))
    table = browser.execute_script(
        "const h = [...document.querySelectorAll('h2')].find(x => x.textContent === "
        "'Left / right'); return h.parentElement.querySelector('table').innerText")
    assert "R − L" not in table and "0.0 s" not in table.split("\n")[1]
    assert table.count("not done") >= 4
    cards = browser.find_element("css selector", ".cards").text
    assert "Right side\nnot done" in cards


def test_progress_is_high_with_noise_threshold_and_short_headers(output, browser, tmp_path):
    db = tmp_path / "h.sqlite"
    summary = json.loads((output / "summary.json").read_text())
    history.record_session(db, summary, output, recorded="2026-11-01")
    summary["sides"]["L"]["holds"][0]["good_s"] += 0.3  # noise, not progress
    later = tmp_path / "later"
    shutil.copytree(output, later)
    (later / "summary.json").write_text(json.dumps(summary))
    _open(browser, build_report(later, db_path=db))
    order = browser.execute_script(
        "return [...document.querySelectorAll('h2')].map(h => h.textContent)")
    assert order.index("Progress") < order.index("Video and fault timeline")
    section = browser.find_element("css selector", "section.progress")
    assert "1 s of time, 2° of angle" in section.text
    row = browser.execute_script(
        "return [...arguments[0].querySelectorAll('tr')].find(r => "
        "r.innerText.startsWith('Good-form hold time') && r.innerText.includes('Left'))"
        ".innerText", section)
    assert "(same)" in row and "better" not in row
    line = browser.execute_script("return parseFloat(getComputedStyle(document.body).lineHeight)")
    heights = browser.execute_script(
        "return [...arguments[0].querySelectorAll('th')].map(t => t.clientHeight)", section)
    assert max(heights) <= 2 * line + 12  # two lines at most (date, session id)


def test_plots_show_the_stretch_with_titles_and_readable_text(output, browser, tmp_path):
    # Only the right side done: the plots start at its hold, not at the clip's start.
    _open(browser, build_report(_not_done_output(output, tmp_path, "L")))
    plot = browser.find_element("css selector", "svg.plot:not(.timeline)")
    assert float(plot.get_attribute("data-t0")) >= Script().right[0] - 1.5
    browser.execute_script("arguments[0].style.width = '600px'", plot)
    smallest = browser.execute_script(
        "return Math.min(...[...arguments[0].querySelectorAll('text')].map(t => {"
        "const m = t.getScreenCTM(); "
        "return Math.hypot(m.a, m.b) * parseFloat(getComputedStyle(t).fontSize); }))", plot)
    assert smallest >= 11
    titles = browser.execute_script(
        "return [...arguments[0].querySelectorAll('text.axis')].map(t => t.textContent)", plot)
    assert any("time" in t for t in titles) and any("°" in t for t in titles)
    fills = browser.execute_script(
        "const f = s => getComputedStyle(document.querySelector(s)).fill;"
        "return [f('svg .band'), f('svg.timeline .span.hold')]")
    assert fills[0] != fills[1]


def test_a_hint_and_a_fault_starting_together_are_both_visible():
    from posecoach.report.svg import Series, Span, line_plot, timeline

    spans = [Span(2.0, 4.0, "fault", "f"), Span(2.0, 4.0, "hint", "h")]
    t = np.linspace(0, 6, 61)
    for svg in (timeline({"R": spans}, (0, 6)),
                line_plot("x", [Series("R", t, t)], (0, 6), spans=spans)):
        boxes = {kind: [(float(y), float(y) + float(hh)) for y, hh in re.findall(
            rf'class="span {kind}[^"]*"[^>]*y="([\d.]+)"[^>]*height="([\d.]+)"', svg)]
            for kind in ("fault", "hint")}
        assert boxes["fault"] and boxes["hint"]
        hint = boxes["hint"][0]
        assert all(f[1] <= hint[0] or f[0] >= hint[1] for f in boxes["fault"][:1])


def test_clinic_sections_poster_pair_and_print(output, browser):
    from posecoach.report.build import poster_time
    from posecoach.results.reading import load_clip

    res = load_clip(output)
    t = poster_time(res)
    assert any(h.start_s <= t <= h.end_s for s in res.sides.values() for h in s.holds)
    _open(browser, build_report(output))
    text = browser.find_element("tag name", "main").text
    assert "Session: " in text and "Time in good form, Left" in text and "%" in text
    assert "Prescribed and done" in text and "3 × 30 s" in text
    assert browser.execute_script(
        "return document.getElementById('player').poster.startsWith('data:image/jpeg')")
    assert not browser.execute_script("return document.getElementById('player').controls")
    left, right = browser.find_elements("css selector", ".frames.pair figure")
    assert left.rect["y"] == right.rect["y"] and left.rect["x"] < right.rect["x"]
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        hidden = browser.execute_script(
            "return [...document.querySelectorAll('.video, .noprint')]"
            ".every(e => e.offsetParent === null)")
        assert hidden
        assert browser.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    assert browser.print_page()[:4] == "JVBE"  # base64 of "%PDF"
