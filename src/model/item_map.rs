//! A model's items in key order, held per header. `ItemKey` orders by file first, so one file's
//! items are a contiguous run of the whole order: the map keeps each run in its own map behind an
//! `Arc`, and a walk's revisions share the run of every header whose listing they share
//! (`listings`) instead of copying its items. Changing a run copies that run alone (copy on
//! write): what a revision adds to a shared header's items stays its own.

use super::{Item, ItemKey};
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Bound;
use std::sync::Arc;

/// One file's items.
pub type FileItems = BTreeMap<ItemKey, Item>;

/// The items of a model, iterated in `ItemKey` order as one map would be.
#[derive(Clone, Default)]
pub struct ItemMap {
    /// By file, each file's items (never an empty run).
    files: BTreeMap<String, Arc<FileItems>>,
}

impl ItemMap {
    pub fn new() -> ItemMap {
        ItemMap::default()
    }

    /// Adds a file's whole run, shared (a kept listing's items). The file must have no items yet.
    pub(super) fn share_file(&mut self, file: &str, items: Arc<FileItems>) {
        if items.is_empty() {
            return;
        }
        debug_assert!(items.keys().all(|k| k.file == file));
        let before = self.files.insert(file.to_string(), items);
        debug_assert!(before.is_none(), "{file} listed twice");
    }

    pub fn len(&self) -> usize {
        self.files.values().map(|items| items.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub fn get(&self, key: &ItemKey) -> Option<&Item> {
        self.files.get(&key.file)?.get(key)
    }

    pub fn get_key_value(&self, key: &ItemKey) -> Option<(&ItemKey, &Item)> {
        self.files.get(&key.file)?.get_key_value(key)
    }

    pub fn contains_key(&self, key: &ItemKey) -> bool {
        self.get(key).is_some()
    }

    /// The items of one file, in key order.
    pub fn of_file(&self, file: &str) -> impl Iterator<Item = (&ItemKey, &Item)> {
        self.files
            .get(file)
            .into_iter()
            .flat_map(|items| items.iter())
    }

    pub fn insert(&mut self, key: ItemKey, item: Item) -> Option<Item> {
        // The file's run is looked up before its name is copied for a new one.
        if let Some(items) = self.files.get_mut(&key.file) {
            return Arc::make_mut(items).insert(key, item);
        }
        let items = self.files.entry(key.file.clone()).or_default();
        Arc::make_mut(items).insert(key, item)
    }

    pub fn remove(&mut self, key: &ItemKey) -> Option<Item> {
        let items = self.files.get_mut(&key.file)?;
        let removed = Arc::make_mut(items).remove(key)?;
        if items.is_empty() {
            self.files.remove(&key.file);
        }
        Some(removed)
    }

    /// Keeps the items `keep` says to; a run it keeps whole stays shared.
    pub fn retain(&mut self, mut keep: impl FnMut(&ItemKey, &Item) -> bool) {
        self.files.retain(|_, items| {
            if items.iter().all(|(k, i)| keep(k, i)) {
                return true;
            }
            Arc::make_mut(items).retain(|k, i| keep(k, i));
            !items.is_empty()
        });
    }

    /// The items from `first` on, in key order (as `BTreeMap::range(first..)`).
    pub fn range_from(&self, first: ItemKey) -> impl Iterator<Item = (&ItemKey, &Item)> {
        let later = (Bound::Excluded(first.file.as_str()), Bound::Unbounded);
        let own = self
            .files
            .get(&first.file)
            .map(|items| items.range(first.clone()..));
        let later = self
            .files
            .range::<str, _>(later)
            .flat_map(|(_, items)| items.iter());
        own.into_iter().flatten().chain(later)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&ItemKey, &Item)> {
        self.files.values().flat_map(|items| items.iter())
    }

    /// Its items but those of the headers whose items `other` holds too, the same run (shared):
    /// what a comparison with `other` has to look at, in key order.
    pub fn unshared_with<'m>(
        &'m self,
        other: &'m ItemMap,
    ) -> impl Iterator<Item = (&'m ItemKey, &'m Item)> {
        self.files
            .iter()
            .filter(|(file, items)| {
                !other
                    .files
                    .get(*file)
                    .is_some_and(|theirs| Arc::ptr_eq(items, theirs))
            })
            .flat_map(|(_, items)| items.iter())
    }

    pub fn keys(&self) -> impl Iterator<Item = &ItemKey> {
        self.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl Iterator<Item = &Item> {
        self.iter().map(|(_, i)| i)
    }
}

impl Extend<(ItemKey, Item)> for ItemMap {
    fn extend<I: IntoIterator<Item = (ItemKey, Item)>>(&mut self, iter: I) {
        for (key, item) in iter {
            self.insert(key, item);
        }
    }
}

impl FromIterator<(ItemKey, Item)> for ItemMap {
    fn from_iter<I: IntoIterator<Item = (ItemKey, Item)>>(iter: I) -> ItemMap {
        let mut map = ItemMap::new();
        map.extend(iter);
        map
    }
}

impl<'m> IntoIterator for &'m ItemMap {
    type Item = (&'m ItemKey, &'m Item);
    type IntoIter = Box<dyn Iterator<Item = (&'m ItemKey, &'m Item)> + 'm>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

impl IntoIterator for ItemMap {
    type Item = (ItemKey, Item);
    type IntoIter = Box<dyn Iterator<Item = (ItemKey, Item)>>;

    /// The items, moved out of the runs this map alone holds, copied out of the shared ones.
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.files.into_values().flat_map(|items| {
            Arc::try_unwrap(items)
                .unwrap_or_else(|shared| (*shared).clone())
                .into_iter()
        }))
    }
}

/// As a map indexes: the item of a key it holds (a missing key panics, as with `BTreeMap`).
impl std::ops::Index<&ItemKey> for ItemMap {
    type Output = Item;

    fn index(&self, key: &ItemKey) -> &Item {
        self.get(key).expect("no item with this key")
    }
}

/// As one map prints.
impl fmt::Debug for ItemMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::change::{Facts, ItemKind};

    fn key(file: &str, name: &str) -> ItemKey {
        ItemKey {
            file: file.to_string(),
            kind: ItemKind::Define,
            parent: None,
            name: name.to_string(),
        }
    }

    fn item(line: u32) -> Item {
        Item {
            line,
            facts: Facts::Value {
                text: line.to_string(),
                value: Some(line.into()),
                unresolved: None,
                non_integer: None,
                context: None,
                configured: Vec::new(),
            },
            decl: "".into(),
        }
    }

    /// Whatever order items go in, the map gives them in the order one `BTreeMap` would, and
    /// changing a shared run leaves the other holder's copy as it was.
    #[test]
    fn iterates_as_one_map_and_copies_a_shared_run_on_write() {
        let keys = [
            key("b.h", "Z"),
            key("a.h", "B"),
            key("c.h", "A"),
            key("a.h", "A"),
            key("b.h", "Y"),
        ];
        let entries = || {
            keys.iter()
                .enumerate()
                .map(|(i, k)| (k.clone(), item(i as u32)))
        };
        let map: ItemMap = entries().collect();
        let one: BTreeMap<ItemKey, Item> = entries().collect();
        assert_eq!(format!("{map:?}"), format!("{one:?}"));
        assert_eq!(map.len(), one.len());

        let shared = Arc::new(
            map.of_file("b.h")
                .map(|(k, i)| (k.clone(), i.clone()))
                .collect(),
        );
        let mut mine = ItemMap::new();
        mine.share_file("b.h", Arc::clone(&shared));
        mine.insert(key("b.h", "X"), item(9));
        mine.retain(|k, _| k.name != "Z");
        assert_eq!(shared.len(), 2, "the shared run is unchanged");
        let names: Vec<&str> = mine.keys().map(|k| k.name.as_str()).collect();
        assert_eq!(names, ["X", "Y"]);
        let mut theirs = ItemMap::new();
        theirs.share_file("b.h", Arc::clone(&shared));
        theirs.insert(key("a.h", "A"), item(1));
        assert_eq!(
            theirs.unshared_with(&map).count(),
            3,
            "nothing shared with `map`"
        );
        let mut same = ItemMap::new();
        same.share_file("b.h", shared);
        let unshared: Vec<&str> = theirs.unshared_with(&same).map(|(k, _)| &*k.name).collect();
        assert_eq!(unshared, ["A"], "b.h's run is the same in both");
        assert!(mine.remove(&key("b.h", "X")).is_some());
        assert!(mine.remove(&key("b.h", "Y")).is_some());
        assert!(mine.is_empty(), "a file without items is gone");
    }
}
