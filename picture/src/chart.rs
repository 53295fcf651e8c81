//! Lanes on a time axis, drawn as SVG: the shape both pages share. Bars
//! that overlap in one lane stack in rows; ticks sit in a strip above them;
//! shaded spans cover whole lanes; marks cross every lane.

use crate::escape::escape;
use std::fmt::Write as _;

/// Width of the lane labels, in pixels.
const LABEL_WIDTH: u32 = 180;
/// Height of the time axis.
const AXIS_HEIGHT: u32 = 30;
/// Height of a lane's tick strip.
const TICK_HEIGHT: u32 = 8;
/// Height of one row of bars.
const ROW_HEIGHT: u32 = 16;
/// Space below a lane.
const LANE_GAP: u32 = 4;
/// A bar is never drawn narrower than this, so an instant stays visible.
const MIN_WIDTH: f64 = 2.0;
/// Axis steps tried, smallest first; the first at least [`MIN_STEP_PX`] wide is used.
const STEPS: [u64; 13] = [
    1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000,
];
/// The narrowest gap between two axis labels.
const MIN_STEP_PX: f64 = 70.0;

/// One lane: a row of the picture with its label.
#[derive(Debug, Clone)]
struct Lane {
    id: String,
    label: String,
    flagged: bool,
    /// Rows of bars; each holds the right edge, in pixels, of its last bar.
    rows: Vec<f64>,
}

/// Something drawn in a lane.
#[derive(Debug, Clone)]
struct Item {
    lane: usize,
    row: Option<usize>,
    from: u64,
    to: u64,
    class: String,
    label: Option<String>,
    tip: String,
}

/// A shaded span over a range of lanes.
#[derive(Debug, Clone)]
struct Span {
    lanes: Vec<usize>,
    from: u64,
    to: u64,
    class: String,
    tip: String,
}

/// A vertical line across every lane.
#[derive(Debug, Clone)]
struct Mark {
    at: u64,
    class: String,
    label: String,
    tip: String,
}

/// A picture under construction; see the module docs.
#[derive(Debug, Clone)]
pub struct Chart {
    lanes: Vec<Lane>,
    items: Vec<Item>,
    spans: Vec<Span>,
    marks: Vec<Mark>,
    end: u64,
    pixels_per_unit: f64,
    unit: &'static str,
}

impl Chart {
    /// An empty chart from 0 to `end` (in `unit`s: "ms", or "" for logical
    /// time), at `pixels_per_unit`.
    pub fn new(end: u64, pixels_per_unit: f64, unit: &'static str) -> Self {
        Self {
            lanes: Vec::new(),
            items: Vec::new(),
            spans: Vec::new(),
            marks: Vec::new(),
            end: end.max(1),
            pixels_per_unit,
            unit,
        }
    }

    /// Adds a lane below the others (once per `id`); returns its index.
    pub fn lane(&mut self, id: &str, label: &str) -> usize {
        if let Some(index) = self.lane_index(id) {
            return index;
        }
        self.lanes.push(Lane {
            id: id.to_owned(),
            label: label.to_owned(),
            flagged: false,
            rows: Vec::new(),
        });
        self.lanes.len() - 1
    }

    /// The index of the lane `id`, if there is one.
    pub fn lane_index(&self, id: &str) -> Option<usize> {
        self.lanes.iter().position(|lane| lane.id == id)
    }

    /// The ids of every lane, top to bottom.
    pub fn lane_ids(&self) -> Vec<&str> {
        self.lanes.iter().map(|lane| lane.id.as_str()).collect()
    }

    /// Marks the lane `id` as involved in a failure (its label shows it).
    pub fn flag(&mut self, id: &str) {
        if let Some(index) = self.lane_index(id) {
            self.lanes[index].flagged = true;
        }
    }

    /// A bar from `from` to `to` in lane `lane`, in the first row where it
    /// overlaps no other bar as drawn (so every bar can be hovered).
    pub fn bar(
        &mut self,
        lane: usize,
        from: u64,
        to: u64,
        class: &str,
        label: Option<String>,
        tip: String,
    ) {
        let to = to.max(from);
        let (left, right) = (self.x(from), self.x(to).max(self.x(from) + MIN_WIDTH));
        let rows = &mut self.lanes[lane].rows;
        let row = match rows.iter().position(|edge| *edge < left) {
            Some(row) => row,
            None => {
                rows.push(0.0);
                rows.len() - 1
            }
        };
        rows[row] = right;
        self.end = self.end.max(to);
        self.items.push(Item {
            lane,
            row: Some(row),
            from,
            to,
            class: class.to_owned(),
            label,
            tip,
        });
    }

    /// A tick at `at` in lane `lane`'s strip.
    pub fn tick(&mut self, lane: usize, at: u64, class: &str, tip: String) {
        self.end = self.end.max(at);
        self.items.push(Item {
            lane,
            row: None,
            from: at,
            to: at,
            class: class.to_owned(),
            label: None,
            tip,
        });
    }

    /// A shaded span over `lanes` from `from` to `to`.
    pub fn span(&mut self, lanes: Vec<usize>, from: u64, to: u64, class: &str, tip: String) {
        self.end = self.end.max(to);
        self.spans.push(Span {
            lanes,
            from,
            to: to.max(from),
            class: class.to_owned(),
            tip,
        });
    }

    /// A line across every lane at `at`, labelled above the lanes.
    pub fn mark(&mut self, at: u64, class: &str, label: String, tip: String) {
        self.end = self.end.max(at);
        self.marks.push(Mark {
            at,
            class: class.to_owned(),
            label,
            tip,
        });
    }

    fn x(&self, at: u64) -> f64 {
        at as f64 * self.pixels_per_unit + 10.0
    }

    fn lane_height(lane: &Lane) -> u32 {
        TICK_HEIGHT + ROW_HEIGHT * (lane.rows.len().max(1) as u32) + LANE_GAP
    }

    /// The top of each lane, and the total height.
    fn layout(&self) -> (Vec<u32>, u32) {
        let mut tops = Vec::with_capacity(self.lanes.len());
        let mut y = AXIS_HEIGHT;
        for lane in &self.lanes {
            tops.push(y);
            y += Self::lane_height(lane);
        }
        (tops, y)
    }

    /// The chart as HTML: a label column beside a scrolling SVG.
    pub fn render(&self) -> String {
        let (tops, height) = self.layout();
        let width = self.x(self.end) + 40.0;
        let mut labels = format!(
            "<svg class=\"labels\" width=\"{LABEL_WIDTH}\" height=\"{height}\" xmlns=\"http://www.w3.org/2000/svg\">"
        );
        let mut body = format!(
            "<svg class=\"timeline\" width=\"{width:.0}\" height=\"{height}\" xmlns=\"http://www.w3.org/2000/svg\">"
        );
        for (lane, top) in self.lanes.iter().zip(&tops) {
            let lane_height = Self::lane_height(lane);
            let _ = write!(
                labels,
                "<text class=\"lane-label{}\" x=\"6\" y=\"{}\">{}</text>",
                if lane.flagged { " flagged" } else { "" },
                top + TICK_HEIGHT + 12,
                escape(&lane.label)
            );
            let _ = write!(
                body,
                "<rect class=\"lane{}\" data-lane=\"{}\" x=\"0\" y=\"{top}\" width=\"{width:.0}\" height=\"{}\"/>",
                if lane.flagged { " flagged" } else { "" },
                escape(&lane.id),
                lane_height - LANE_GAP
            );
        }
        labels.push_str("</svg>");
        self.render_axis(&mut body, height);
        for span in &self.spans {
            for lane in &span.lanes {
                let top = tops[*lane];
                let _ = write!(
                    body,
                    "<rect class=\"span {}\" x=\"{:.1}\" y=\"{top}\" width=\"{:.1}\" height=\"{}\" data-tip=\"{}\"/>",
                    escape(&span.class),
                    self.x(span.from),
                    (self.x(span.to) - self.x(span.from)).max(MIN_WIDTH),
                    Self::lane_height(&self.lanes[*lane]) - LANE_GAP,
                    escape(&span.tip)
                );
            }
        }
        for item in &self.items {
            self.render_item(&mut body, item, tops[item.lane]);
        }
        for mark in &self.marks {
            let x = self.x(mark.at);
            let _ = write!(
                body,
                "<g class=\"mark {}\" data-tip=\"{}\"><line x1=\"{x:.1}\" y1=\"14\" x2=\"{x:.1}\" y2=\"{height}\"/><text x=\"{:.1}\" y=\"12\" text-anchor=\"end\">{}</text></g>",
                escape(&mark.class),
                escape(&mark.tip),
                x - 3.0,
                escape(&mark.label)
            );
        }
        body.push_str("</svg>");
        format!("<div class=\"chart\">{labels}<div class=\"scroll\">{body}</div></div>")
    }

    fn render_axis(&self, body: &mut String, height: u32) {
        let step = STEPS
            .iter()
            .copied()
            .find(|step| *step as f64 * self.pixels_per_unit >= MIN_STEP_PX)
            .unwrap_or(STEPS[STEPS.len() - 1]);
        let mut at = 0;
        while at <= self.end {
            let x = self.x(at);
            let label = match self.unit {
                "ms" if step >= 1_000 => format!("{} s", at / 1_000),
                "ms" => format!("{at} ms"),
                _ => at.to_string(),
            };
            let _ = write!(
                body,
                "<line class=\"grid\" x1=\"{x:.1}\" y1=\"{}\" x2=\"{x:.1}\" y2=\"{height}\"/><text class=\"axis\" x=\"{:.1}\" y=\"{}\">{label}</text>",
                AXIS_HEIGHT - 4,
                x + 2.0,
                AXIS_HEIGHT - 8
            );
            at += step;
        }
    }

    fn render_item(&self, body: &mut String, item: &Item, top: u32) {
        let x = self.x(item.from);
        let tip = escape(&item.tip);
        let class = escape(&item.class);
        let Some(row) = item.row else {
            let _ = write!(
                body,
                "<rect class=\"tick {class}\" x=\"{:.1}\" y=\"{}\" width=\"{MIN_WIDTH}\" height=\"{}\" data-tip=\"{tip}\"/>",
                x - 1.0,
                top + 1,
                TICK_HEIGHT - 2
            );
            return;
        };
        let y = top + TICK_HEIGHT + ROW_HEIGHT * row as u32;
        let width = (self.x(item.to) - x).max(MIN_WIDTH);
        let _ = write!(
            body,
            "<g class=\"bar {class}\" data-tip=\"{tip}\"><rect x=\"{x:.1}\" y=\"{}\" width=\"{width:.1}\" height=\"{}\"/>",
            y + 1,
            ROW_HEIGHT - 3
        );
        if let Some(label) = &item.label {
            // Only where the label fits inside its bar.
            if width >= 7.0 * label.chars().count() as f64 + 4.0 {
                let _ = write!(
                    body,
                    "<text x=\"{:.1}\" y=\"{}\">{}</text>",
                    x + 2.0,
                    y + ROW_HEIGHT - 5,
                    escape(label)
                );
            }
        }
        body.push_str("</g>");
    }
}
