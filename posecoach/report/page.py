"""The page frame of report.html: stylesheet, script and small HTML helpers.

Everything is inline (no CDN, fonts or scripts from elsewhere) so the report opens offline
and can be mailed as one file beside its video. The script drives the video's own controls
(below the picture, so no browser control bar covers the cue banner at the bottom of the
annotated video), seeks it and moves the playheads; the report reads fine without it, and
a print stylesheet gives a clean page from "Print to PDF".
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

CSS = """
:root { --ink:#1d2330; --muted:#5b6475; --line:#d9dde5; --bg:#ffffff; --soft:#f4f6f9;
  --L:#1f5fa8; --R:#c2550a; --good:#2e7d32; --bad:#b3261e; --warn:#a86b00; }
* { box-sizing: border-box; }
body { margin:0; color:var(--ink); background:var(--bg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; }
main { max-width: 980px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 1.6rem; margin: 0 0 2px; }
h2 { font-size: 1.15rem; margin: 32px 0 10px; padding-bottom: 4px;
  border-bottom: 1px solid var(--line); }
h3 { font-size: 1rem; margin: 18px 0 6px; }
.sub { color: var(--muted); margin: 0 0 12px; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line);
  vertical-align: top; }
th { font-weight: 600; background: var(--soft); }
td.num, th.num { text-align: right; }
.progress th { white-space: nowrap; }
.progress td:first-child { white-space: nowrap; }
.muted { color: var(--muted); }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr));
  gap: 10px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.card .k { color: var(--muted); font-size: .82rem; }
.card .v { font-size: 1.35rem; font-weight: 600; }
.side-L { color: var(--L); } .side-R { color: var(--R); }
.better { color: var(--good); } .worse { color: var(--bad); }
.estimate { color: var(--warn); font-weight: 600; }
video { width: 100%; max-height: 460px; background: #000; border-radius: 6px 6px 0 0;
  display: block; cursor: pointer; }
video:fullscreen { max-height: none; border-radius: 0; }
.vctl { display: flex; align-items: center; gap: 8px; padding: 6px 8px; background: var(--soft);
  border: 1px solid var(--line); border-top: none; border-radius: 0 0 6px 6px; }
.vctl button { font: inherit; font-size: .88rem; border: 1px solid var(--line);
  background: #fff; border-radius: 5px; padding: 2px 9px; cursor: pointer; }
.vctl input[type=range] { flex: 1; min-width: 80px; }
svg.plot { width: 100%; max-width: 760px; height: auto; display: block; cursor: crosshair; }
svg .grid { stroke: #e6e9ef; stroke-width: 1; }
svg .zero { stroke: #9aa3b2; stroke-width: 1; }
svg .frame { fill: none; stroke: #b9c0cc; stroke-width: 1; }
svg .tick, svg .lane { font-size: 12px; fill: #4a5263; }
svg .axis { font-size: 12px; fill: #1d2330; }
svg .band { fill: #6b5fb5; fill-opacity: .14; }
svg .span.hold { fill: #2e7d32; fill-opacity: .08; }
svg .span.fault { fill: #b3261e; fill-opacity: .12; }
svg .span.hint { fill: #e0a800; fill-opacity: .25; }
svg .span.lane { fill-opacity: .85; }
svg.timeline .span.hold { fill-opacity: .25; }
svg.timeline .span.fault { fill-opacity: .85; }
svg.timeline .span.hint { fill-opacity: .75; }
svg .lane-bg { fill: var(--soft); }
svg .seek { cursor: pointer; }
svg .playhead { stroke: #111; stroke-width: 1.2; }
.legend { display: flex; flex-wrap: wrap; gap: 14px; font-size: .85rem; color: var(--muted);
  margin: 4px 0 10px; }
.sw { display: inline-block; width: 14px; height: 10px; margin-right: 5px;
  vertical-align: baseline; border-radius: 2px; }
button.seek { font: inherit; font-variant-numeric: tabular-nums; border: 1px solid var(--line);
  background: var(--soft); border-radius: 5px; padding: 1px 8px; cursor: pointer; }
button.seek:hover { background: #e7ebf2; }
.frames { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr));
  gap: 12px; margin-bottom: 12px; }
.frames.pair { grid-template-columns: 1fr 1fr; }
figure { margin: 0; border: 1px solid var(--line); border-radius: 8px; overflow: hidden; }
figure img { width: 100%; display: block; }
figcaption { padding: 6px 10px; font-size: .88rem; }
.missing { padding: 30px 10px; text-align: center; color: var(--muted); background: var(--soft); }
.note { background: #fff8e6; border-left: 4px solid #e0a800; padding: 8px 12px;
  border-radius: 4px; }
.safety { background: #fdecea; border-left: 4px solid var(--bad); padding: 8px 14px;
  border-radius: 4px; }
.meta { font-size: .82rem; color: var(--muted); }
code { font-size: .85em; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { font-size: 10pt; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  main { max-width: none; padding: 0; }
  .video, .noprint { display: none !important; }
  h1 { font-size: 16pt; }
  h2 { font-size: 12pt; margin: 14px 0 6px; break-after: avoid; }
  h3 { break-after: avoid; }
  .cards { grid-template-columns: repeat(4, 1fr); }
  .card .v { font-size: 12pt; }
  figure, svg.plot, table, tr, .card, .note, .safety { break-inside: avoid; }
  svg.plot { max-width: 100%; cursor: auto; }
  figure img { max-height: 70mm; object-fit: contain; }
  button.seek { border: none; background: none; padding: 0; font: inherit; }
  a { color: inherit; text-decoration: none; }
}
"""

JS = """
(function () {
  'use strict';
  var video = document.getElementById('player');
  function seek(t) {
    if (!video || !isFinite(t)) { return; }
    video.pause();  // stop on the frame asked for: it shows the cue
    video.currentTime = Math.max(0, t);
    var r = video.getBoundingClientRect();
    if (r.bottom < 0 || r.top > window.innerHeight) {
      video.scrollIntoView({block: 'nearest'});
    }
  }
  function plotTime(svg, evt) {
    var pt = svg.createSVGPoint();
    pt.x = evt.clientX; pt.y = evt.clientY;
    var p = pt.matrixTransform(svg.getScreenCTM().inverse());
    var d = svg.dataset;
    var f = (p.x - d.x0) / (d.x1 - d.x0);
    if (f < 0 || f > 1) { return NaN; }
    return parseFloat(d.t0) + f * (d.t1 - d.t0);
  }
  document.addEventListener('click', function (evt) {
    var el = evt.target.closest('[data-seek]');
    if (el) { evt.preventDefault(); seek(parseFloat(el.dataset.seek)); return; }
    var svg = evt.target.closest('svg.plot');
    if (svg) { seek(plotTime(svg, evt)); }
  });
  function playheads() {
    var t = video.currentTime;
    document.querySelectorAll('svg.plot').forEach(function (svg) {
      var d = svg.dataset, line = svg.querySelector('.playhead');
      if (!line) { return; }
      var f = (t - d.t0) / (d.t1 - d.t0);
      var x = parseFloat(d.x0) + f * (d.x1 - d.x0);
      line.setAttribute('x1', x); line.setAttribute('x2', x);
      line.setAttribute('visibility', f >= 0 && f <= 1 ? 'visible' : 'hidden');
    });
  }
  function fmt(t) {
    var m = Math.floor(t / 60), s = (t - 60 * m).toFixed(1);
    return m + ':' + (s < 10 ? '0' : '') + s;
  }
  function controls() {
    var play = document.getElementById('vplay'), pos = document.getElementById('vpos');
    var time = document.getElementById('vtime'), step = parseFloat(video.dataset.step);
    function show() {
      play.textContent = video.paused ? '\u25b6 play' : '\u275a\u275a pause';
      if (isFinite(video.duration)) { pos.max = video.duration; }
      pos.value = video.currentTime;
      time.textContent = fmt(video.currentTime) + ' / ' +
        (isFinite(video.duration) ? fmt(video.duration) : '-');
    }
    function toggle() { if (video.paused) { video.play(); } else { video.pause(); } }
    function by(dt) { video.pause(); video.currentTime = Math.max(0, video.currentTime + dt); }
    play.addEventListener('click', toggle);
    video.addEventListener('click', toggle);
    document.getElementById('vback').addEventListener('click', function () { by(-step); });
    document.getElementById('vfwd').addEventListener('click', function () { by(step); });
    pos.addEventListener('input', function () { video.currentTime = parseFloat(pos.value); });
    document.getElementById('vfull').addEventListener('click', function () {
      if (video.requestFullscreen) { video.requestFullscreen(); }
    });
    // In full screen the page's controls are not there: the browser's own ones are.
    document.addEventListener('fullscreenchange', function () {
      video.controls = document.fullscreenElement === video;
    });
    ['timeupdate', 'seeked', 'play', 'pause', 'loadedmetadata'].forEach(function (ev) {
      video.addEventListener(ev, show);
    });
    show();
  }
  if (video) {
    video.addEventListener('timeupdate', playheads);
    video.addEventListener('seeked', playheads);
    if (document.getElementById('vplay')) { controls(); }
  }
})();
"""


def e(value: object) -> str:
    """HTML-escaped text of any value."""
    return escape(str(value))


def table(
    header: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[int] = ()
) -> str:
    """A table from already-escaped cell HTML; columns in `numeric` are right-aligned."""
    def cell(tag: str, i: int, html: str) -> str:
        cls = ' class="num"' if i in numeric else ""
        return f"<{tag}{cls}>{html}</{tag}>"

    head = "".join(cell("th", i, h) for i, h in enumerate(header))
    body = "".join(
        "<tr>" + "".join(cell("td", i, c) for i, c in enumerate(r)) + "</tr>" for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def document(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        # An empty icon: otherwise the browser asks the file system for /favicon.ico.
        '<link rel="icon" href="data:,">\n'
        f"<title>{e(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
        f"{body}\n</main>\n<script>{JS}</script>\n</body>\n</html>\n"
    )
