use super::*;
use crate::arch::Arch;
use crate::change::ItemKind;
use crate::change::{Facts, Revision};
use crate::model::{Consulted, Item, ItemKey, Model};
use crate::pipeline::Snapshot;
use crate::source::FileEntry;
use std::collections::BTreeMap;

fn stored() -> Stored {
    let arch = Arch::by_name("x86").expect("x86");
    let mut items = BTreeMap::new();
    items.insert(
        ItemKey {
            file: "include/uapi/linux/a.h".into(),
            kind: ItemKind::Struct,
            parent: None,
            name: "a".into(),
        },
        Item {
            line: 3,
            facts: Facts::Record {
                size: Some(8),
                align: Some(4),
                unresolved: None,
            },
            decl: "struct a { int x, y; };".into(),
        },
    );
    items.insert(
        ItemKey {
            file: "include/uapi/linux/a.h".into(),
            kind: ItemKind::Enum,
            parent: None,
            name: "e".into(),
        },
        Item {
            line: 4,
            facts: Facts::Enum { size: Some(4) },
            decl: "enum e { E };".into(),
        },
    );
    Stored {
        snapshot: Snapshot {
            revision: Revision {
                revision: "v1".into(),
                commit: Some("c0ffee".into()),
                arch: "x86".into(),
                layout: None,
            },
            model: Model {
                revision: "v1".into(),
                arch,
                items: items.into_iter().collect(),
                unparsed: Vec::new(),
                notes: Vec::new(),
                consulted: Consulted::default(),
                enums: Vec::new(),
                elsewhere: BTreeMap::new(),
                types_headers: Default::default(),
            },
            kms: None,
            notes: Vec::new(),
        },
        headers: vec![FileEntry {
            path: "include/uapi/linux/a.h".into(),
            blob: BlobId::of_bytes(b"struct a { int x, y; };"),
        }],
        listing_notes: 0,
        surface_files: Vec::new(),
        kms_sources: None,
    }
}

/// What a stored side is made of, comparable (a record's facts are shapes that overlap when
/// untagged: `Enum { size }` must not come back as another shape).
fn contents(s: &Stored) -> String {
    format!(
        "{:?} {:?} {:?} {:?} {}",
        s.snapshot.revision, s.snapshot.model.items, s.headers, s.kms_sources, s.listing_notes
    )
}

#[test]
fn a_stored_side_reads_back_the_same() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("cache"), true).expect("a new cache opens");
    assert!(!store.contains("k"));
    assert!(store.load("k").is_none());
    let saved = store.save("k", stored());
    assert_eq!(contents(&saved), contents(&stored()));
    assert!(store.contains("k"));
    let loaded = store.load("k").expect("stored");
    assert_eq!(contents(&loaded), contents(&stored()));
    assert!(store.load("other key").is_none());
    let stats = store.stats();
    assert_eq!((stats.entries, stats.current_entries), (1, 1));
    store.clear().expect("clear");
    assert!(store.load("k").is_none());
    assert_eq!(store.stats(), Stats::default());
}

#[test]
fn a_directory_that_is_not_a_cache_is_not_used() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("notes.txt"), "mine").expect("write");
    let err = Store::open(dir.path(), true).err().expect("refused");
    assert!(err.contains("not a uapi-diff cache"), "{err}");
    // Nothing was written there.
    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 1);
}

#[test]
fn a_damaged_entry_reads_as_absent() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path(), true).expect("an empty dir opens");
    store.save("k", stored());
    // Flip bytes of every content file: the hash no longer matches.
    let mut damaged = 0;
    let mut stack = vec![dir.path().join("content-v2")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("dir").flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                let mut bytes = std::fs::read(e.path()).expect("read");
                bytes[10] ^= 0xff;
                std::fs::write(e.path(), bytes).expect("write");
                damaged += 1;
            }
        }
    }
    assert_eq!(damaged, 1);
    assert!(store.load("k").is_none());
    assert!(store.warned.load(Ordering::Relaxed), "one warning given");
}

#[test]
fn an_entry_another_build_could_write_is_not_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path(), true).expect("opens");
    // Bytes under this build's key that are not a record of this build's shape.
    put(dir.path(), &Store::key("k"), b"{\"something\": \"else\"}").expect("write");
    assert!(store.contains("k"));
    assert!(store.load("k").is_none());
    assert!(store.warned.load(Ordering::Relaxed));
}

#[test]
fn the_cache_stays_within_its_bound_dropping_the_least_recently_used() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(dir.path(), true).expect("opens");
    let one = record::encode(stored()).0.len() as u64;
    // Room for two entries, not three.
    store.max_bytes = one * 2 + one / 2;
    store.save("a", stored());
    std::thread::sleep(std::time::Duration::from_millis(5));
    store.save("b", stored());
    std::thread::sleep(std::time::Duration::from_millis(5));
    assert!(store.load("a").is_some()); // a is now used more recently than b
    std::thread::sleep(std::time::Duration::from_millis(5));
    store.save("c", stored());
    assert!(store.contains("a"));
    assert!(!store.contains("b"));
    assert!(store.contains("c"));
    assert!(store.stats().bytes <= store.max_bytes);
}

#[test]
fn entries_of_other_builds_go_first() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(dir.path(), true).expect("opens");
    let bytes = record::encode(stored()).0;
    store.max_bytes = bytes.len() as u64 * 2 + 1;
    store.save("a", stored());
    std::thread::sleep(std::time::Duration::from_millis(5));
    // Written after `a`, but by another build: it goes first.
    put(dir.path(), "uapi-diff 0.0.0-older/1/x", &bytes).expect("write");
    store.save("b", stored());
    assert!(store.contains("a") && store.contains("b"));
    assert_eq!(store.stats().entries, 2);
}
