//! The run history chart of a source's page, drawn on the server as inline SVG: one stacked bar
//! per run (items by outcome, left axis), a status strip under the bars, and the run's duration as
//! a line (right axis). No JavaScript and no external resource, so the page works offline and
//! under the pages' strict Content-Security-Policy; each run's numbers are in its `<title>`
//! (shown on hover) for readers who want exact values.

use common::model::{JobStatus, RunRecord};
use maud::{html, Markup};

use crate::health::human_duration;

const WIDTH: f64 = 760.0;
const HEIGHT: f64 = 300.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 64.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 52.0;

/// Outcomes stacked from the bottom, with their colours (also used by the screenshot test).
pub const OUTCOMES: [(&str, &str); 5] = [
    ("created", "#2e7d32"),
    ("updated", "#1565c0"),
    ("skipped", "#9e9e9e"),
    ("failed", "#c62828"),
    ("archived", "#ef6c00"),
];
/// Colour of the duration line.
pub const DURATION_COLOUR: &str = "#6a1b9a";

fn status_colour(status: JobStatus) -> &'static str {
    match status {
        JobStatus::Done => "#2e7d32",
        JobStatus::DoneErrors => "#f9a825",
        JobStatus::Failed => "#c62828",
        _ => "#9e9e9e",
    }
}

fn counts(run: &RunRecord) -> [i64; 5] {
    [
        run.created,
        run.updated,
        run.skipped,
        run.failed,
        run.archived,
    ]
    .map(|n| n.max(0))
}

/// The smallest 1, 2 or 5 × 10ⁿ at least `v` (at least 1).
fn nice_max(v: f64) -> f64 {
    if v <= 1.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|m| *m >= v)
        .unwrap_or(10.0 * magnitude)
}

fn number(v: f64) -> String {
    if v >= 1_000_000.0 {
        format!("{}M", v / 1_000_000.0)
    } else if v >= 1_000.0 {
        format!("{}k", v / 1_000.0)
    } else {
        format!("{v}")
    }
}

fn day(d: bson::DateTime) -> String {
    d.to_chrono().format("%Y-%m-%d %H:%M").to_string()
}

/// A coordinate as drawn: one decimal.
fn f1(v: f64) -> String {
    format!("{v:.1}")
}

/// The chart of `runs`, oldest first.
pub fn history_svg(runs: &[RunRecord]) -> Markup {
    let (Some(first), Some(last)) = (runs.first(), runs.last()) else {
        return html! {
            p class="chart-empty" {
                "No finished run yet: the chart of the history appears after the first job."
            }
        };
    };
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let base = TOP + plot_h;
    let items_max = nice_max(
        runs.iter()
            .map(|r| counts(r).iter().sum::<i64>() as f64)
            .fold(0.0, f64::max),
    );
    let secs_max = nice_max(
        runs.iter()
            .map(|r| r.duration_ms as f64 / 1000.0)
            .fold(0.0, f64::max),
    );
    let slot = plot_w / runs.len() as f64;
    let bar = (slot * 0.7).clamp(1.0, 36.0);
    let x_of = |i: usize| LEFT + slot * i as f64 + slot / 2.0;
    // The duration line's points.
    let points: Vec<(String, String)> = runs
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let y = base - plot_h * (r.duration_ms as f64 / 1000.0) / secs_max;
            (f1(x_of(i)), f1(y))
        })
        .collect();
    let polyline: Vec<String> = points.iter().map(|(x, y)| format!("{x},{y}")).collect();
    let legend_end = LEFT + 60.0 + 78.0 * OUTCOMES.len() as f64;
    html! {
        figure class="chart" {
            svg id="health-chart" xmlns="http://www.w3.org/2000/svg" width=(WIDTH) height=(HEIGHT)
                viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } role="img"
                aria-labelledby="health-chart-title" font-family="system-ui,sans-serif"
                font-size="11" {
                title id="health-chart-title" {
                    "Last " (runs.len()) " runs: items by outcome (bars) and duration (line)"
                }
                rect x="0" y="0" width=(WIDTH) height=(HEIGHT) fill="#ffffff" {}
                // Grid and axes.
                @for k in 0..=4 {
                    @let f = k as f64 / 4.0;
                    @let y = base - plot_h * f;
                    line x1=(LEFT) y1=(f1(y)) x2=(f1(LEFT + plot_w)) y2=(f1(y)) stroke="#e0e0e0" {}
                    text x=(f1(LEFT - 6.0)) y=(f1(y + 4.0)) text-anchor="end" fill="#333" {
                        (number(items_max * f))
                    }
                    text x=(f1(LEFT + plot_w + 6.0)) y=(f1(y + 4.0)) fill=(DURATION_COLOUR) {
                        (human_duration((secs_max * f * 1000.0) as i64))
                    }
                }
                text x=(LEFT) y=(f1(TOP - 8.0)) fill="#333" { "items" }
                text x=(f1(WIDTH - 4.0)) y=(f1(TOP - 8.0)) text-anchor="end"
                    fill=(DURATION_COLOUR) { "duration" }
                // Legend.
                @for (i, (name, colour)) in OUTCOMES.iter().enumerate() {
                    @let lx = LEFT + 60.0 + 78.0 * i as f64;
                    rect x=(f1(lx)) y="8" width="10" height="10" fill=(colour) {}
                    text x=(f1(lx + 14.0)) y="17" fill="#333" { (name) }
                }
                line x1=(f1(legend_end)) y1="13" x2=(f1(legend_end + 16.0)) y2="13"
                    stroke=(DURATION_COLOUR) stroke-width="2" {}
                text x=(f1(legend_end + 20.0)) y="17" fill="#333" { "duration" }
                // Bars, one group per run, with its numbers as a tooltip.
                @for (i, run) in runs.iter().enumerate() {
                    @let c = counts(run);
                    @let x = f1(x_of(i) - bar / 2.0);
                    g class={ "run run-" (run.status.as_str()) } shape-rendering="crispEdges" {
                        title {
                            (day(run.ended)) " — " (run.status.as_str()) " — "
                            (c[0]) " created, " (c[1]) " updated, " (c[2]) " skipped, "
                            (c[3]) " failed, " (c[4]) " archived — "
                            (human_duration(run.duration_ms))
                        }
                        @for (top, h, colour) in stack(&c, base, plot_h, items_max) {
                            rect x=(x) y=(f1(top)) width=(f1(bar)) height=(f1(h)) fill=(colour) {}
                        }
                        // Status strip under the axis.
                        rect x=(x) y=(f1(base + 4.0)) width=(f1(bar)) height="6"
                            fill=(status_colour(run.status)) {}
                    }
                }
                // Duration line.
                polyline class="duration" points=(polyline.join(" ")) fill="none"
                    stroke=(DURATION_COLOUR) stroke-width="2" {}
                @for (x, y) in &points {
                    circle cx=(x) cy=(y) r="3" fill=(DURATION_COLOUR) {}
                }
                // First and last dates.
                line x1=(LEFT) y1=(f1(base)) x2=(f1(LEFT + plot_w)) y2=(f1(base)) stroke="#333" {}
                text x=(LEFT) y=(f1(HEIGHT - 14.0)) fill="#333" { (day(first.ended)) }
                text x=(f1(LEFT + plot_w)) y=(f1(HEIGHT - 14.0)) text-anchor="end" fill="#333" {
                    (day(last.ended))
                }
            }
            figcaption {
                "Last " (runs.len()) " runs, oldest first: items by outcome (bars, left axis), \
                 status (strip: green done, amber done with errors, red failed) and duration \
                 (line, right axis)."
            }
        }
    }
}

/// The stacked segments of one run's bar, bottom up: top, height and colour of each non-empty
/// outcome.
fn stack(c: &[i64; 5], base: f64, plot_h: f64, items_max: f64) -> Vec<(f64, f64, &'static str)> {
    let mut y = base;
    OUTCOMES
        .iter()
        .zip(c)
        .filter(|(_, n)| **n != 0)
        .map(|((_, colour), n)| {
            let h = plot_h * *n as f64 / items_max;
            y -= h;
            (y, h, *colour)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use bson::oid::ObjectId;

    fn run(status: JobStatus, created: i64, failed: i64, ms: i64) -> RunRecord {
        RunRecord {
            job: ObjectId::new(),
            source: ObjectId::new(),
            status,
            started: None,
            ended: bson::DateTime::now(),
            duration_ms: ms,
            total: created + failed,
            created,
            updated: 0,
            skipped: 0,
            failed,
            archived: 0,
            error: None,
        }
    }

    #[test]
    fn scales() {
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(3.0), 5.0);
        assert_eq!(nice_max(50.0), 50.0);
        assert_eq!(nice_max(51.0), 100.0);
        assert_eq!(nice_max(1200.0), 2000.0);
    }

    #[test]
    fn one_bar_per_run_and_a_duration_line() {
        let runs = [
            run(JobStatus::Failed, 0, 0, 500),
            run(JobStatus::DoneErrors, 40, 10, 12_000),
            run(JobStatus::Done, 50, 0, 8_000),
        ];
        let svg = history_svg(&runs).into_string();
        assert_eq!(svg.matches("<g class=\"run ").count(), 3);
        assert!(svg.contains("run-failed") && svg.contains("run-done-errors"));
        assert!(svg.contains("40 created, 0 updated, 0 skipped, 10 failed"));
        assert_eq!(svg.matches("<circle ").count(), 3);
        assert!(svg.contains("<polyline class=\"duration\""));
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
        assert!(history_svg(&[])
            .into_string()
            .contains("No finished run yet"));
    }
}
