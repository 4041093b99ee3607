//! The report as one self-contained HTML page (`history --format html`, `diff --format html`):
//! the growth chart inline, a row per step that opens into its changes, a search box and each
//! item's history, from `templates/timeline.html` (askama: the template is checked and compiled
//! with the crate, and every value is HTML-escaped). No network, no external asset: the page's
//! style and its small script are inline.

use super::index::{Entry, Event};
use super::plot::{self, area_title, Bars, AREAS};
use super::Timeline;
use crate::change::{Change, DiffReport};
use crate::report::{facts_line, facts_transition};
use askama::Template;

#[derive(Template)]
#[template(path = "timeline.html")]
struct Page {
    title: String,
    subtitle: String,
    chart: String,
    revisions: Vec<String>,
    /// Items per area at each revision: (area, counts).
    totals: Vec<(&'static str, Vec<usize>)>,
    steps: Vec<StepView>,
    items: Vec<ItemView>,
    /// Items the walk saw (changed or not).
    indexed: usize,
}

struct StepView {
    number: usize,
    old: String,
    new: String,
    added: usize,
    removed: usize,
    changed: usize,
    breaking: usize,
    needs_userspace: usize,
    areas: Vec<(&'static str, Bars)>,
    changes: Vec<ChangeView>,
}

struct ChangeView {
    change: &'static str,
    kind: &'static str,
    name: String,
    area: &'static str,
    rule: String,
    facts: String,
    file: String,
    line: u32,
    breaking: bool,
    anchor: String,
    /// `--all-arches`: where it holds.
    scope: Option<String>,
    search: String,
}

struct ItemView {
    anchor: String,
    id: String,
    kind: &'static str,
    name: String,
    area: &'static str,
    file: String,
    /// `since r03`, `r01 – r07`, `since r00, changed 2×`.
    when: String,
    /// (revision, event, facts then).
    events: Vec<(String, &'static str, String)>,
    search: String,
}

/// The element id of an item's history: its item id, and for an `--all-arches` diff's entry the
/// arches it holds for (an item may have one entry per group of arches).
fn anchor(id: &str, arches: Option<&[String]>) -> String {
    match arches {
        Some(arches) => format!("item-{id}@{}", arches.join(",")),
        None => format!("item-{id}"),
    }
}

fn qualified(parent: Option<&str>, name: &str) -> String {
    match parent {
        Some(p) => format!("{p}.{name}"),
        None => name.to_string(),
    }
}

/// The page of a timeline: `arch` as the reports name it (`x86`, `all arches: …`).
pub fn render(timeline: &Timeline, arch: &str) -> String {
    let index = &timeline.index;
    let (first, last) = match (index.revisions.first(), index.revisions.last()) {
        (Some(f), Some(l)) => (f.as_str(), l.as_str()),
        _ => ("", ""),
    };
    let totals = match index.totals.len() {
        0 => Vec::new(),
        _ => AREAS
            .iter()
            .map(|area| {
                let counts = index
                    .totals
                    .iter()
                    .map(|t| t.get(area).copied().unwrap_or(0));
                (area_title(*area), counts.collect())
            })
            .collect(),
    };
    let items: Vec<ItemView> = index
        .items
        .iter()
        .filter(|e| e.eventful())
        .map(item_view)
        .collect();
    let page = Page {
        title: format!("uAPI {first} → {last}"),
        subtitle: format!("{arch} · {} revisions", index.revisions.len()),
        chart: plot::svg(&timeline.steps, &index.totals),
        revisions: index.revisions.clone(),
        totals,
        steps: timeline
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| step_view(i + 1, s))
            .collect(),
        items,
        indexed: index.items.len(),
    };
    let mut html = page.render().expect("the template renders");
    html.push('\n');
    html
}

fn step_view(number: usize, step: &DiffReport) -> StepView {
    let by_area = plot::by_area(step);
    let all = step.arches.as_deref();
    StepView {
        number,
        old: step.old.revision.clone(),
        new: step.new.revision.clone(),
        added: step.summary.added,
        removed: step.summary.removed,
        changed: step.summary.changed,
        breaking: step.summary.breaking,
        needs_userspace: step.summary.needs_userspace,
        areas: AREAS
            .iter()
            .map(|a| (area_title(*a), by_area.get(a).copied().unwrap_or_default()))
            .collect(),
        changes: step.changes.iter().map(|c| change_view(c, all)).collect(),
    }
}

fn change_view(c: &Change, all: Option<&[String]>) -> ChangeView {
    let name = qualified(c.parent.as_deref(), &c.name);
    let area = area_title(crate::change::area::group_of(c).area);
    let search = format!("{} {} {} {}", c.id, name, c.file, c.rule).to_lowercase();
    ChangeView {
        change: c.change.as_str(),
        kind: c.kind.as_str(),
        area,
        rule: c.rule.clone(),
        facts: facts_transition(c),
        file: c.file.clone(),
        line: c.line,
        breaking: c.breaking,
        anchor: anchor(&c.id, c.arches.as_deref()),
        scope: crate::report::arch_scope(all, c.arches.as_deref()),
        search,
        name,
    }
}

fn item_view(e: &Entry) -> ItemView {
    let name = qualified(e.parent.as_deref(), &e.name);
    let mut when = match &e.last {
        Some(last) => format!("{} – {last}", e.first),
        None => format!("since {}", e.first),
    };
    if !e.changed.is_empty() {
        when.push_str(&format!(", changed at {}", e.changed.join(", ")));
    }
    ItemView {
        anchor: anchor(&e.id, e.on_arches.as_deref()),
        id: e.id.clone(),
        kind: e.kind.as_str(),
        area: area_title(e.area),
        file: e.file.clone(),
        when,
        events: e
            .events
            .iter()
            .map(|(rev, event, facts)| {
                let facts = match (event, facts) {
                    (Event::Removed, _) | (_, None) => String::new(),
                    (_, Some(f)) => facts_line(f),
                };
                (rev.clone(), event.as_str(), facts)
            })
            .collect(),
        search: format!("{} {} {}", e.id, name, e.file).to_lowercase(),
        name,
    }
}
