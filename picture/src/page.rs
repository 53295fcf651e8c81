//! The page around a chart: one self-contained HTML file (inline CSS, SVG
//! and JS, nothing fetched) that opens from disk. Hovering anything drawn
//! shows what it was; clicking pins it in the panel below the chart.

use crate::escape::escape;

/// Styles for every class the charts use.
const STYLE: &str = r#"
body { font: 13px/1.4 system-ui, sans-serif; margin: 16px; color: #1d2329; background: #fff; }
h1 { font-size: 18px; margin: 0 0 6px; }
h1 .failed { color: #b3261e; } h1 .passed { color: #1e7b34; }
pre { background: #f4f5f7; padding: 8px; overflow-x: auto; font-size: 12px; }
code { background: #f4f5f7; padding: 1px 4px; }
.violations li { color: #b3261e; }
.chart { display: flex; border: 1px solid #d0d4d9; margin: 10px 0; max-height: 75vh; overflow-y: auto; }
.labels { flex: none; background: #fafbfc; border-right: 1px solid #d0d4d9; }
.scroll { overflow-x: auto; flex: 1; }
.lane { fill: #ffffff; stroke: #eef0f2; }
.lane.flagged { fill: #fdecea; }
.lane-label { font-size: 12px; fill: #333; } .lane-label.flagged { fill: #b3261e; font-weight: bold; }
.grid { stroke: #e3e6ea; } .axis { font-size: 11px; fill: #667; }
.bar rect { stroke: rgba(0,0,0,.35); stroke-width: .5; }
.bar text { font-size: 10px; fill: #fff; pointer-events: none; }
.tick { fill: #8a939c; }
.lease rect { fill: #2f6fba; } .lease-lost rect { fill: #7d8fa3; }
.lease-taken-over rect { fill: #d07b22; } .lease-revived rect { fill: #c62828; }
.call rect { fill: #5b9bd5; } .call-err rect { fill: #c0504d; }
.sink-accepted { fill: #2e8b57; } .sink-rejected { fill: #c62828; }
.fault-bar rect { fill: #8e6bbf; }
.span { fill: #8e6bbf; opacity: .16; } .span.fault-crash, .span.fault-registry-crash { fill: #c62828; }
.span.fault-partition, .span.fault-sink-partition { fill: #e39b1b; }
.span.fault-hold { fill: #c9a400; } .span.fault-stall { fill: #5b7c99; }
.mark line { stroke: #c62828; stroke-width: 2; } .mark text { fill: #c62828; font-weight: bold; font-size: 12px; }
.op rect { fill: #c7ccd1; } .op-prefix rect { fill: #2e8b57; } .op-unplaced rect { fill: #c62828; }
.op-counterexample rect { fill: #e39b1b; } .op-partition rect { fill: #9fb8cf; }
[data-tip]:hover rect, [data-tip].tick:hover { stroke: #000; stroke-width: 1.5; }
#tip { position: fixed; display: none; max-width: 640px; background: #1d2329; color: #fff;
  padding: 6px 8px; border-radius: 4px; font: 12px/1.35 ui-monospace, monospace; white-space: pre-wrap; pointer-events: none; z-index: 2; }
#pinned { min-height: 2.5em; }
.legend span { display: inline-block; margin-right: 14px; }
.legend i { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: -2px; }
"#;

/// Records script errors on the body before anything else runs, so a test
/// (or a reader) can see that the page rendered without one.
const ERROR_HOOK: &str = r#"
window.addEventListener('error', function (event) {
  var body = document.body || document.documentElement;
  var seen = body.getAttribute('data-errors') || '';
  body.setAttribute('data-errors', seen + (event.message || 'error') + ';');
});
"#;

/// Hover shows an element's `data-tip` beside the pointer; a click pins it.
const SCRIPT: &str = r#"
(function () {
  var tip = document.getElementById('tip');
  var pinned = document.getElementById('pinned');
  function target(event) { return event.target.closest ? event.target.closest('[data-tip]') : null; }
  document.addEventListener('mousemove', function (event) {
    var element = target(event);
    if (!element) { tip.style.display = 'none'; return; }
    tip.textContent = element.getAttribute('data-tip');
    tip.style.display = 'block';
    var left = Math.min(event.clientX + 14, window.innerWidth - tip.offsetWidth - 8);
    tip.style.left = Math.max(4, left) + 'px';
    tip.style.top = (event.clientY + 14) + 'px';
  });
  document.addEventListener('click', function (event) {
    var element = target(event);
    if (element) { pinned.textContent = element.getAttribute('data-tip'); }
  });
  // Open at the first failure: scroll it into view.
  var mark = document.querySelector('.mark line');
  var scroll = document.querySelector('.scroll');
  if (mark && scroll) {
    var x = parseFloat(mark.getAttribute('x1'));
    scroll.scrollLeft = Math.max(0, x - scroll.clientWidth * 0.92);
  }
  var body = document.body;
  body.setAttribute('data-lanes', String(document.querySelectorAll('rect.lane').length));
  body.setAttribute('data-marks', String(document.querySelectorAll('.mark').length));
  body.setAttribute('data-rendered', 'yes');
})();
"#;

/// One colour of the legend: a CSS class and what it stands for.
pub struct Key {
    /// The class whose fill the swatch shows.
    pub class: &'static str,
    /// What it means.
    pub meaning: &'static str,
}

/// The page: `title`, the summary HTML above the chart, the chart, the
/// legend, and `details` HTML below.
pub fn page(title: &str, summary: &str, chart: &str, legend: &[Key], details: &str) -> String {
    let mut keys = String::new();
    for key in legend {
        keys.push_str(&format!(
            "<span><svg width=\"12\" height=\"12\"><g class=\"bar {}\"><rect width=\"12\" height=\"12\"/></g></svg> {}</span>",
            key.class,
            escape(key.meaning)
        ));
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style>\n<script>{ERROR_HOOK}</script>\n</head>\n<body>\n{summary}\n<div class=\"legend\">{keys}</div>\n{chart}\n<p>Hover over anything for what it was; click to pin it here:</p>\n<pre id=\"pinned\"></pre>\n{details}\n<div id=\"tip\"></div>\n<script>{SCRIPT}</script>\n</body>\n</html>\n",
        escape(title)
    )
}
