//! The patch reader on arbitrary bytes: splitting an mbox, decoding its mails, reading their diffs
//! and applying each file's hunks to the bytes after the first NUL (or to nothing) must never
//! panic; a hunk that applies yields the hunk's new lines in place of its old ones.
#![no_main]

use libfuzzer_sys::fuzz_target;
use uapi_diff::series::{mail, patch};

fuzz_target!(|data: &[u8]| {
    let (series, content) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    for raw in mail::split_mbox(series) {
        let Ok(m) = mail::parse(raw) else { continue };
        let Ok(files) = patch::parse(&m.diff) else { continue };
        for f in &files {
            if let Ok(out) = patch::apply(content, &f.hunks) {
                // Applying the reverse of a hunk list that applied is not required to round-trip
                // (offsets), but the output can never be longer than input plus every new line.
                let added: usize = f.hunks.iter().flat_map(|h| &h.new).map(|l| l.len() + 1).sum();
                assert!(out.len() <= content.len() + added + 1);
            }
        }
    }
});
