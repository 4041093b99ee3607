//! The JSON contract (docs/json.md): `{old, new, changes, unparsed, summary, notes}`.

use super::DiffReport;

pub fn render(report: &DiffReport) -> String {
    let mut s = serde_json::to_string_pretty(report).expect("report types serialize");
    s.push('\n');
    s
}
