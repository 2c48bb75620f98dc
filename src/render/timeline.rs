//! The plan as a timeline: support lifetime and next review, releases, freeze windows,
//! license and waiver expiries, today. One chart, drawn two ways: a Mermaid `gantt` block for
//! Markdown (GitHub renders it) and an inline SVG for the HTML page.

use std::fmt::Write;

use super::xml;
use crate::plan::Plan;
use crate::plan::values::Date;
use crate::release::Release;

/// What the timeline shows beyond the plan itself: the product's releases (from git), the
/// waivers' expiries, and today.
#[derive(Debug, Clone, Default)]
pub struct Timeline {
    pub releases: Vec<Release>,
    pub waivers: Vec<(String, Date)>,
    pub today: Option<Date>,
}

/// One line of the chart: a span (`end` set) or a milestone on one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    pub name: String,
    pub start: Date,
    pub end: Option<Date>,
}

/// The chart: a title and named sections of bars, in drawing order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    pub title: String,
    pub sections: Vec<(String, Vec<Bar>)>,
    pub today: Option<Date>,
}

/// Words Mermaid's gantt lexer reads as a statement when a line starts with them (it matches
/// case-insensitively, before any task text).
const KEYWORDS: [&str; 18] = [
    "acctitle",
    "accdescr",
    "accdescription",
    "href",
    "call",
    "click",
    "gantt",
    "dateformat",
    "inclusiveenddates",
    "topaxis",
    "axisformat",
    "tickinterval",
    "includes",
    "excludes",
    "todaymarker",
    "weekday",
    "title",
    "section",
];

/// A task name Mermaid reads as one: letters, digits, spaces and `.-_/+` only (`:`, `;`,
/// `#` and other punctuation are syntax), at most 60 characters, and never starting with a
/// keyword, a digit or `%` (a statement, a date or a comment): then it starts with `noun`.
fn task_name(s: &str, noun: &str) -> String {
    let cleaned: String = s
        .chars()
        .map(|c| if c.is_alphanumeric() || matches!(c, ' ' | '.' | '-' | '_' | '/' | '+') { c } else { ' ' })
        .take(60)
        .collect();
    let cleaned = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    let lower = cleaned.to_lowercase();
    if cleaned.is_empty() {
        noun.to_owned()
    } else if cleaned.starts_with(|c: char| !c.is_alphabetic()) || KEYWORDS.iter().any(|k| lower.starts_with(k)) {
        format!("{noun} {cleaned}")
    } else {
        cleaned
    }
}

/// The most releases a chart draws (the newest): Mermaid refuses a diagram over 50,000
/// characters, and a thousand diamonds say nothing.
pub const MAX_RELEASES: usize = 40;

fn milestone(name: String, day: Date) -> Bar {
    Bar { name, start: day, end: None }
}

/// Lays out the plan's timeline. The next review is the one `plan due` reports: the interval
/// after the last review, or the first major release since it when the plan says so. Names
/// are as the plan and git spell them; each drawing makes them safe for itself. A date the
/// template left for the author (1970-01-01) is not drawn.
pub fn chart(plan: &Plan, t: &Timeline) -> Chart {
    let placeholder = |d: Date| d == Date::from_unix_seconds(0);
    let l = &plan.strategy.lifetime;
    let (review, _) = crate::due::review_due(l, &t.releases);
    let mut support = Vec::new();
    if !placeholder(l.supported_from) && !placeholder(l.end_of_support) {
        support.push(Bar { name: "Supported".into(), start: l.supported_from, end: Some(l.end_of_support) });
    }
    if !placeholder(l.last_review) {
        support.push(milestone("Next plan review".into(), review));
    }
    let shown = &t.releases[t.releases.len().saturating_sub(MAX_RELEASES)..];
    let releases: Vec<Bar> = shown.iter().map(|r| milestone(r.tag.clone(), r.date)).collect();
    let releases_title = if shown.len() < t.releases.len() {
        format!("Releases (the last {} of {})", shown.len(), t.releases.len())
    } else {
        "Releases".to_owned()
    };
    let freezes: Vec<Bar> = plan
        .strategy
        .release
        .freeze_windows
        .iter()
        .filter(|(_, w)| !placeholder(w.from) && !placeholder(w.to))
        .map(|(id, w)| Bar { name: id.clone(), start: w.from, end: Some(w.to) })
        .collect();
    let licenses: Vec<Bar> = plan
        .environment
        .licenses
        .get()
        .map(|ls| {
            ls.iter()
                .filter_map(|(id, l)| {
                    l.expires.filter(|e| !placeholder(*e)).map(|e| milestone(format!("{id} expires"), e))
                })
                .collect()
        })
        .unwrap_or_default();
    let waivers: Vec<Bar> = t
        .waivers
        .iter()
        .filter(|(_, day)| !placeholder(*day))
        .map(|(id, day)| milestone(format!("waiver {id} expires"), *day))
        .collect();
    let mut sections = Vec::new();
    for (name, bars) in [
        ("Support".to_owned(), support),
        (releases_title, releases),
        ("Freeze windows".to_owned(), freezes),
        ("Licenses".to_owned(), licenses),
        ("Waivers".to_owned(), waivers),
    ] {
        if !bars.is_empty() {
            sections.push((name, bars));
        }
    }
    Chart { title: format!("{} support timeline", plan.plan.product), sections, today: t.today }
}

/// The noun a section's task names start with when they need one.
fn noun(section: &str) -> &'static str {
    match section.split_whitespace().next().unwrap_or("") {
        "Releases" => "release",
        "Freeze" => "freeze",
        "Licenses" => "license",
        "Waivers" => "waiver",
        _ => "task",
    }
}

/// The chart as a Mermaid `gantt` fenced block. End dates are inclusive, as in the plan.
pub fn gantt(c: &Chart) -> String {
    let mut g = String::from("```mermaid\ngantt\n");
    let _ = writeln!(g, "    title {}", task_name(&c.title, "plan"));
    g.push_str("    dateFormat YYYY-MM-DD\n    axisFormat %Y-%m\n    inclusiveEndDates\n    todayMarker off\n");
    for (section, bars) in &c.sections {
        let _ = writeln!(g, "    section {section}");
        for b in bars {
            let name = task_name(&b.name, noun(section));
            match b.end {
                Some(end) => {
                    let _ = writeln!(g, "    {name} : {}, {end}", b.start);
                }
                None => {
                    let _ = writeln!(g, "    {name} : milestone, {}, 0d", b.start);
                }
            }
        }
    }
    if let Some(today) = c.today {
        let _ = writeln!(g, "    section Today\n    Today : milestone, {today}, 0d");
    }
    g.push_str("```\n\n");
    g
}

const WIDTH: i64 = 960;
const LABELS: i64 = 230;
const RIGHT: i64 = 20;
const ROW: i64 = 22;
const TOP: i64 = 44;

/// The colour of a section's bars.
fn colour(section: &str) -> &'static str {
    match noun(section) {
        "task" => "#2f6fb0",
        "release" => "#2e7d4f",
        "freeze" => "#8a6d1d",
        "license" => "#8e3b8e",
        _ => "#b0452f",
    }
}

/// Years between axis ticks for a span of `years`: about ten ticks at most.
fn tick_step(years: i64) -> i64 {
    [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000].into_iter().find(|s| years / s <= 10).unwrap_or(1000)
}

/// The chart as an inline SVG: one row per bar under its section's heading, year ticks,
/// today as a vertical line. Self-contained (no fonts, scripts or links) and scaled to the
/// page's width.
pub fn svg(c: &Chart) -> String {
    let days = c.sections.iter().flat_map(|(_, bars)| bars.iter().flat_map(|b| [Some(b.start), b.end]).flatten());
    let (mut first, mut last) = days.chain(c.today).fold((None::<Date>, None::<Date>), |(lo, hi), d| {
        (Some(lo.map_or(d, |lo| lo.min(d))), Some(hi.map_or(d, |hi| hi.max(d))))
    });
    let (Some(lo), Some(hi)) = (first.take(), last.take()) else { return String::new() };
    // A month either side, so a milestone at either end is not cut in half.
    let (lo, hi) = (lo.add_days(-31), hi.add_days(31));
    let span = lo.days_until(hi).max(1);
    let plot = WIDTH - LABELS - RIGHT;
    let x = |d: Date| LABELS + lo.days_until(d) * plot / span;
    let rows: i64 = c.sections.iter().map(|(_, bars)| 1 + bars.len() as i64).sum();
    let height = TOP + rows * ROW + 16;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" viewBox=\"0 0 {WIDTH} {height}\" \
         width=\"100%\" font-family=\"sans-serif\" font-size=\"12\"><title>{}</title>",
        xml(&c.title)
    );
    let _ = write!(s, "<text x=\"0\" y=\"16\" font-size=\"15\" font-weight=\"bold\">{}</text>", xml(&c.title));
    // Year ticks along the top, with light rules down the chart.
    let (y0, y1) = (lo.0.year() as i64, hi.0.year() as i64);
    let step = tick_step(y1 - y0);
    let mut year = (y0 + step - 1) / step * step;
    while year <= y1 {
        if let Some(day) = Date::new(year as i16, 1, 1).filter(|d| *d >= lo && *d <= hi) {
            let tx = x(day);
            let _ = write!(
                s,
                "<line x1=\"{tx}\" y1=\"{}\" x2=\"{tx}\" y2=\"{}\" stroke=\"#ddd\"/><text x=\"{tx}\" y=\"{}\" \
                 text-anchor=\"middle\" fill=\"#555\">{year}</text>",
                TOP - 6,
                height - 8,
                TOP - 10
            );
        }
        year += step;
    }
    let mut y = TOP;
    for (section, bars) in &c.sections {
        let _ = write!(
            s,
            "<text class=\"section\" x=\"0\" y=\"{}\" font-weight=\"bold\">{}</text>",
            y + ROW - 7,
            xml(section)
        );
        y += ROW;
        let fill = colour(section);
        for b in bars {
            let mid = y + ROW / 2;
            let _ = write!(s, "<g class=\"bar\"><title>{}</title>", xml(&describe(b)));
            // The full name is in the title (shown on hover); the label fits its column.
            let label: String = if b.name.chars().count() > 30 {
                b.name.chars().take(29).chain(['…']).collect()
            } else {
                b.name.clone()
            };
            let _ = write!(s, "<text x=\"12\" y=\"{}\">{}</text>", y + ROW - 7, xml(&label));
            match b.end {
                Some(end) => {
                    let (bx, ex) = (x(b.start), x(end));
                    let _ = write!(
                        s,
                        "<rect x=\"{bx}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"3\" fill=\"{fill}\"/>",
                        y + 4,
                        (ex - bx).max(2),
                        ROW - 8
                    );
                }
                None => {
                    let mx = x(b.start);
                    let _ = write!(
                        s,
                        "<polygon points=\"{mx},{} {},{mid} {mx},{} {},{mid}\" fill=\"{fill}\"/>",
                        mid - 7,
                        mx + 7,
                        mid + 7,
                        mx - 7
                    );
                }
            }
            // The dates printed with the mark (a printed page has no hover): inside a bar with
            // room for them, else right of the mark, or left near the edge.
            let (from, to) = (x(b.start), b.end.map_or(x(b.start), x));
            let dates = match b.end {
                Some(end) => format!("{} – {end}", b.start),
                None => b.start.to_string(),
            };
            let room = (dates.chars().count() as i64) * 7 + 12;
            let (tx, anchor, ink) = if to - from > room {
                (from + 8, "start", "#fff")
            } else if to + room < WIDTH {
                (to + 10, "start", "#57606a")
            } else {
                (from - 10, "end", "#57606a")
            };
            let _ = write!(
                s,
                "<text class=\"date\" x=\"{tx}\" y=\"{}\" text-anchor=\"{anchor}\" fill=\"{ink}\" \
                 font-size=\"11\">{dates}</text>",
                y + ROW - 7
            );
            s.push_str("</g>");
            y += ROW;
        }
    }
    if let Some(today) = c.today {
        let tx = x(today);
        let near_right = tx + 44 > WIDTH;
        let _ = write!(
            s,
            "<g class=\"today\"><title>today, {today}</title><line x1=\"{tx}\" y1=\"{}\" x2=\"{tx}\" y2=\"{}\" \
             stroke=\"#d00\" stroke-width=\"2\"/><text x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\" \
             fill=\"#d00\">today</text></g>",
            TOP - 4,
            height - 8,
            if near_right { tx - 4 } else { tx + 4 },
            height - 2,
            anchor = if near_right { "end" } else { "start" },
        );
    }
    s.push_str("</svg>");
    s
}

/// `Supported: 2024-01-01 to 2027-12-31` or `v1.2.0: 2026-03-01`.
fn describe(b: &Bar) -> String {
    match b.end {
        Some(end) => format!("{}: {} to {end}", b.name, b.start),
        None => format!("{}: {}", b.name, b.start),
    }
}
