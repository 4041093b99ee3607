//! The growth chart: for each area, a bar per step of the walk for the items added (up), removed
//! and breaking (down), drawn by `plotters` into SVG (`--plot FILE.svg`, and inline in the HTML
//! report). One panel per area, each with its own scale: the rest of the kernel is a hundred
//! times DRM's size, and a shared scale would flatten DRM to nothing.

use crate::change::area::{group_of, Area};
use crate::change::{ChangeKind, DiffReport};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::collections::BTreeMap;

/// The areas, in the order of the panels.
pub(super) const AREAS: [Area; 5] = [
    Area::Other,
    Area::Netlink,
    Area::DrmCore,
    Area::DrmDriver,
    Area::Accel,
];

/// The area as a heading.
pub(super) fn area_title(area: Area) -> &'static str {
    match area {
        Area::DrmCore => "DRM core",
        Area::DrmDriver => "DRM drivers",
        Area::Accel => "accel",
        Area::Netlink => "netlink",
        Area::Other => "other uAPI",
    }
}

/// What one step did to one area.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Bars {
    pub added: usize,
    pub removed: usize,
    pub changed: usize,
    pub breaking: usize,
}

/// A step's changes counted by area.
pub(super) fn by_area(step: &DiffReport) -> BTreeMap<Area, Bars> {
    let mut out: BTreeMap<Area, Bars> = BTreeMap::new();
    for c in &step.changes {
        let bars = out.entry(group_of(c).area).or_default();
        match c.change {
            ChangeKind::Added => bars.added += 1,
            ChangeKind::Removed => bars.removed += 1,
            ChangeKind::Changed => bars.changed += 1,
        }
        bars.breaking += usize::from(c.breaking);
    }
    out
}

const WIDTH: u32 = 1100;
const HEIGHT: u32 = 940;
const ADDED: RGBColor = RGBColor(0x2e, 0x8b, 0x57);
const REMOVED: RGBColor = RGBColor(0xe0, 0x7b, 0x39);
const BREAKING: RGBColor = RGBColor(0xb0, 0x1c, 0x2e);
const FONT: &str = "sans-serif";

/// The chart of `steps` as an SVG document. `totals` (items per area at each revision, when the
/// walk counted them) puts each area's size at the first and last revision in its panel's title.
pub fn svg(steps: &[DiffReport], totals: &[BTreeMap<Area, usize>]) -> String {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (WIDTH, HEIGHT)).into_drawing_area();
        // Drawing into a string fails only on a coordinate plotters cannot map, which these
        // ranges never produce: a chart that cannot be drawn is left blank, not an error.
        let _ = draw(&root, steps, totals);
        let _ = root.present();
    }
    out
}

type Drawn = Result<(), DrawingAreaErrorKind<<SVGBackend<'static> as DrawingBackend>::ErrorType>>;

fn draw(
    root: &DrawingArea<SVGBackend, Shift>,
    steps: &[DiffReport],
    totals: &[BTreeMap<Area, usize>],
) -> Drawn {
    root.fill(&WHITE)?;
    let (top, panels) = root.split_vertically(34);
    legend(&top)?;
    let bars: Vec<BTreeMap<Area, Bars>> = steps.iter().map(by_area).collect();
    let labels: Vec<String> = steps.iter().map(|s| short(&s.new.revision)).collect();
    for (panel, area) in panels.split_evenly((3, 2)).iter().zip(AREAS) {
        let counts: Vec<Bars> = bars
            .iter()
            .map(|b| b.get(&area).copied().unwrap_or_default())
            .collect();
        let caption = match (totals.first(), totals.last()) {
            (Some(first), Some(last)) if totals.len() > 1 => format!(
                "{}: {} → {} items",
                area_title(area),
                first.get(&area).copied().unwrap_or(0),
                last.get(&area).copied().unwrap_or(0)
            ),
            _ => area_title(area).to_string(),
        };
        let quiet = counts.iter().all(|c| *c == Bars::default());
        let caption = match quiet {
            true => format!("{caption} (no change)"),
            false => caption,
        };
        area_panel(panel, &caption, &counts, &labels)?;
    }
    Ok(())
}

/// A revision label short enough to sit under its bars.
fn short(label: &str) -> String {
    match label.char_indices().nth(12) {
        Some((at, _)) => format!("{}…", &label[..at]),
        None => label.to_string(),
    }
}

fn legend(top: &DrawingArea<SVGBackend, Shift>) -> Drawn {
    let style = TextStyle::from((FONT, 15).into_font()).color(&BLACK);
    top.draw(&Text::new(
        "uAPI items per step (each bar: the diff from the revision before)",
        (12, 10),
        style.clone(),
    ))?;
    for (i, (name, color)) in [
        ("added", ADDED),
        ("removed", REMOVED),
        ("breaking", BREAKING),
    ]
    .into_iter()
    .enumerate()
    {
        let x = 620 + 120 * i as i32;
        top.draw(&Rectangle::new([(x, 10), (x + 14, 24)], color.filled()))?;
        top.draw(&Text::new(name, (x + 20, 10), style.clone()))?;
    }
    Ok(())
}

fn area_panel(
    panel: &DrawingArea<SVGBackend, Shift>,
    caption: &str,
    counts: &[Bars],
    labels: &[String],
) -> Drawn {
    let n = counts.len().max(1);
    let up = counts.iter().map(|c| c.added).max().unwrap_or(0).max(1) as f64;
    let down = counts
        .iter()
        .map(|c| c.removed.max(c.breaking))
        .max()
        .unwrap_or(0) as f64;
    // Room below the axis even without removals, so that the zero line reads as one.
    let down = down.max(up * 0.12).max(1.0);
    let mut chart = ChartBuilder::on(panel)
        .caption(caption, (FONT, 17))
        .margin(10)
        .x_label_area_size(26)
        .y_label_area_size(52)
        .build_cartesian_2d(-0.5..(n as f64 - 0.5), -down * 1.05..up * 1.05)?;
    let label_of = |x: &f64| {
        let i = x.round();
        match (x - i).abs() < 1e-6 && i >= 0.0 {
            true => labels.get(i as usize).cloned().unwrap_or_default(),
            false => String::new(),
        }
    };
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n)
        .x_label_formatter(&label_of)
        .y_labels(6)
        .y_label_formatter(&|y| match (y - y.round()).abs() < 1e-9 {
            true => format!("{}", y.abs().round()),
            false => String::new(),
        })
        .label_style((FONT, 13))
        .light_line_style(RGBColor(0xee, 0xee, 0xee))
        .draw()?;
    let width = 0.26;
    let bar = |x: f64, height: f64, color: RGBColor| {
        Rectangle::new([(x, 0.0), (x + width, height)], color.filled())
    };
    chart.draw_series(counts.iter().enumerate().flat_map(|(i, c)| {
        let x = i as f64 - 1.5 * width;
        [
            bar(x, c.added as f64, ADDED),
            bar(x + width, -(c.removed as f64), REMOVED),
            bar(x + 2.0 * width, -(c.breaking as f64), BREAKING),
        ]
    }))?;
    chart.draw_series(std::iter::once(PathElement::new(
        [(-0.5, 0.0), (n as f64 - 0.5, 0.0)],
        BLACK.stroke_width(1),
    )))?;
    Ok(())
}
