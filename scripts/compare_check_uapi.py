#!/usr/bin/env python3
"""Compare the kernel's scripts/check-uapi.sh (abidiff) log with uapi-diff's JSON diff of the same pair.

Standard library only. Inputs (see scripts/compare-check-uapi.sh):
  --log            check-uapi.sh -l log (default run)
  --diff           uapi-diff diff OLD NEW --format json
  --dump-old/-new  uapi-diff dump REV --format json (where each type is defined, which fields it has)
  --skipped        optional: the headers check-uapi.sh leaves out (its no-header-test list), one a line
  --log-ignore-ambiguous  optional: the log of the -i run (headers flagged there are marked)
  --time FILE      /usr/bin/time -v outputs (repeatable): summarised in the report
Outputs: --markdown (the per-header and per-item tables), --json (the same as data).

Every item abidiff names in a flagged header ([C] changed / [D] removed type, or a removed header)
is matched with uapi-diff's changes for the same type: its own entry (struct:/union:/enum:/typedef:),
its fields (parent == the type) or, for enums, its enumerators. Anonymous types are matched with the
named type that contains them (the one whose fields include all their members). The class:
  a  uapi-diff reports a breaking change for the item
  b  check-uapi.sh flags it, uapi-diff reports no breaking change (the uapi-diff rules seen are listed)
and uapi-diff's breaking changes matched by no flagged item are class c, with the reason check-uapi.sh
cannot see them (macros, enumerators of suppressed names, skipped headers, ...).
"""
import argparse
import collections
import json
import re
import statistics
import sys

HDR_RE = re.compile(r"^==== ABI differences detected in (\S+) from (\S+) -> (\S+) ====$")
REMOVED_RE = re.compile(r"^==== UAPI header (\S+) was removed between (\S+) and (\S+) ====$")
COMPILE_RE = re.compile(r"^==== Could not compile version of UAPI header (\S+) at (\S+) ====$")
ITEM_RE = re.compile(r"^    \[([CDA])\] '(.*)'(?: changed:| at (\S+?):(\d+):\d+)\s*$")
SUPPRESSED_ENUM = [re.compile(p) for p in (
    ".*_AFTER_LAST$", ".*_CNT$", ".*_COUNT$", ".*_END$", ".*_LAST$", ".*_MASK$", ".*_MAX$", ".*_MAX_BIT$",
    ".*_MAX_BPF_ATTACH_TYPE$", ".*_MAX_ID$", ".*_MAX_SHIFT$", ".*_NBITS$", ".*_NETDEV_NUMHOOKS$",
    ".*_NFT_META_IIFTYPE$", ".*_NL80211_ATTR$", ".*_NLDEV_NUM_OPS$", ".*_NUM$", ".*_NUM_ELEMS$",
    ".*_NUM_IRQS$", ".*_SIZE$", ".*_TLSMAX$", "^MAX_.*", "^NUM_.*")]


def installed_path(src):
    """uapi-diff's source path -> the path check-uapi.sh names (relative to the installed usr/)."""
    m = re.match(r"^include/uapi/(.*)$", src)
    if m:
        return "include/" + m.group(1)
    m = re.match(r"^arch/[^/]+/include/uapi/(.*)$", src)
    if m:
        return "include/" + m.group(1)
    return src


def decl_name(decl):
    """'__u32 tcpi_rcv_wnd' -> tcpi_rcv_wnd; 'struct {...} v71' -> v71; 'union {...}' -> None."""
    decl = decl.strip()
    if decl.endswith("}"):
        return None
    m = re.search(r"([A-Za-z_]\w*)\s*(\[[^\]]*\]\s*)*$", decl)
    return m.group(1) if m else None


def split_type(name):
    """'struct foo' -> ('struct', 'foo', None); 'struct {__u32 a; ...}' -> ('struct', None, members);
    'enum {A=1, B=2, }' -> ('enum', None, ['A', 'B']); 'typedef foo' -> ('typedef', 'foo', None)."""
    m = re.match(r"^(struct|union|enum|typedef) (.*)$", name)
    if not m:
        return ("type", name, None)
    kind, rest = m.group(1), m.group(2)
    if not rest.startswith("{"):
        return (kind, rest, None)
    body = rest[1:-1] if rest.endswith("}") else rest[1:]
    if kind == "enum":
        return (kind, None, [e.split("=")[0].strip() for e in body.split(",") if e.strip()])
    # top-level members of an anonymous struct/union: split on ';' outside braces
    members, depth, cur = [], 0, ""
    for ch in body:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if ch == ";" and depth == 0:
            members.append(cur.strip())
            cur = ""
        else:
            cur += ch
    names = []
    for mdecl in members:
        n = decl_name(mdecl)
        if n:
            names.append(n)
        elif mdecl.endswith("}"):
            # an anonymous member: its own members are reached directly
            inner = split_type(mdecl.split(" ", 1)[0] + " " + mdecl[mdecl.index("{"):])
            names.extend(inner[2] or [])
    return (kind, None, names)


def parse_log(path):
    """-> list of blocks: {header, status: abi|removed|compile, unchanged, items: [...]}"""
    blocks, cur, item, section = [], None, None, None
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().split("\n")
    for line in lines:
        m = HDR_RE.match(line)
        if m:
            cur = {"header": m.group(1), "status": "abi", "unchanged": False, "items": [], "includes": []}
            blocks.append(cur)
            item = None
            continue
        m = REMOVED_RE.match(line) or COMPILE_RE.match(line)
        if m:
            cur = {"header": m.group(1), "status": "removed" if "removed" in line else "compile",
                   "unchanged": False, "items": [], "includes": []}
            blocks.append(cur)
            item = None
            continue
        if cur is None:
            continue
        if re.match(r"^=+$", line):
            item = None
            continue
        if " did not change between " in line:
            cur["unchanged"] = True
            continue
        if line.startswith("#include") and cur["unchanged"]:
            cur["includes"].append(line.split(None, 1)[1])
            continue
        m = ITEM_RE.match(line)
        if m:
            tag, name = m.group(1), m.group(2)
            kind, tname, members = split_type(name)
            item = {"tag": tag, "type": name, "kind": kind, "name": tname, "anon_members": members,
                    "at": m.group(3), "line": m.group(4), "changes": set(), "inserted": [], "deleted": [], "changed": [],
                    "enum_inserted": [], "enum_deleted": [], "enum_changed": [], "details": []}
            if tag == "D":
                item["changes"].add("type removed")
            if tag != "A":
                cur["items"].append(item)
            section = None
            continue
        if item is None or not line.startswith("      "):
            if re.match(r"^  \d+ (added|removed|changed) types? ", line):
                item = None
            continue
        item["details"].append(line.rstrip())
        indent = len(line) - len(line.lstrip())
        text = line.strip()
        if indent == 6:
            section = None
            if text.startswith("type size changed from"):
                item["changes"].add("size changed")
            elif re.match(r"\d+ data member insertions?:", text):
                section = "inserted"
            elif re.match(r"\d+ data member deletions?:", text):
                section = "deleted"
            elif re.match(r"\d+ data member changes?", text):
                section = "changed"
            elif re.match(r"\d+ enumerator insertions?:", text):
                section = "enum_inserted"
            elif re.match(r"\d+ enumerator deletions?:", text):
                section = "enum_deleted"
            elif re.match(r"\d+ enumerator changes?:", text):
                section = "enum_changed"
            elif text.startswith("underlying type"):
                item["changes"].add("underlying type changed")
            elif text.startswith("type name changed"):
                item["changes"].add("type name changed")
        elif indent == 8 and section:
            q = re.match(r"^'([^']*)'", text)
            if section in ("inserted", "deleted"):
                item["changes"].add("member " + section)
                item[section].append(decl_name(q.group(1)) if q else None)
            elif section == "changed":
                m2 = re.match(r"^type of '([^']*)' changed:", text)
                m3 = re.match(r"^'([^']*)' offset changed", text)
                m4 = re.match(r"^and name of '([^']*)' changed to '([^']*)'", text)
                m5 = re.match(r"^data member (.*) at offset \d+ \(in bits\) became anonymous data member", text)
                if m2:
                    item["changes"].add("member type changed")
                    item["changed"].append(decl_name(m2.group(1)))
                elif m3:
                    item["changes"].add("member offset changed")
                    item["changed"].append(decl_name(m3.group(1)))
                elif m4:
                    item["changes"].add("member renamed")
                    item["changed"].append(m4.group(1).split("::")[-1])
                elif m5:
                    item["changes"].add("member moved into anonymous member")
                    item["changed"].append(decl_name(m5.group(1)))
                elif text.startswith("anonymous data member"):
                    item["changes"].add("anonymous member changed")
                elif text.startswith("and offset changed"):
                    item["changes"].add("member offset changed")
                elif text.startswith("and size changed"):
                    item["changes"].add("member size changed")
            elif section.startswith("enum_") and q:
                item[section].append(q.group(1))
                item["changes"].add({"enum_inserted": "enumerator inserted", "enum_deleted": "enumerator deleted",
                                     "enum_changed": "enumerator value changed"}[section])
    return blocks


class UapiDiff:
    def __init__(self, diff, dump_old, dump_new):
        self.changes = diff["changes"]
        self.dump_old, self.dump_new = dump_old, dump_new
        self.by_type = collections.defaultdict(list)   # type name -> changes of it, its fields, enumerators
        self.by_enumerator = collections.defaultdict(list)
        self.by_file = collections.defaultdict(list)
        for c in self.changes:
            if c["kind"] in ("struct", "union", "enum", "typedef"):
                self.by_type[c["name"]].append(c)
            elif c["kind"] == "field":
                self.by_type[c["parent"]].append(c)
            elif c["kind"] == "enumerator":
                self.by_enumerator[c["name"]].append(c)
                if c.get("parent"):
                    self.by_type[c["parent"]].append(c)
            self.by_file[c["file"]].append(c)
        # where each type is defined, and the fields of each struct/union, at both revisions
        self.defined = collections.defaultdict(set)
        self.fields = collections.defaultdict(set)
        for dump in (dump_old, dump_new):
            for it in dump["items"]:
                if it["kind"] in ("struct", "union", "enum", "typedef"):
                    self.defined[it["name"]].add(it["file"])
                elif it["kind"] == "field":
                    for part in it["name"].split("."):
                        self.fields[it["parent"]].add(part)

    def parent_of_anonymous(self, members, basename, line=None, dump=None):
        """The named struct/union whose fields include all `members` (an anonymous type's own members),
        preferring one defined in a file called `basename`, and there the one that starts last before
        `line` (abidiff's line in the installed header: the innermost enclosing named type)."""
        if not members:
            return None
        want = set(members)
        cands = [p for p, fs in self.fields.items() if want <= fs]
        local = [p for p in cands if any(f.rsplit("/", 1)[-1] == basename for f in self.defined.get(p, ()))]
        if local:
            cands = local
        if line is not None and dump is not None and cands:
            starts = {}
            for it in dump["items"]:
                if it["kind"] in ("struct", "union") and it["name"] in cands and \
                        it["file"].rsplit("/", 1)[-1] == basename and it["line"] <= line:
                    starts[it["name"]] = max(starts.get(it["name"], 0), it["line"])
            if starts:
                return max(starts, key=lambda p: starts[p])
        # the smallest such type (the innermost named container)
        cands.sort(key=lambda p: (len(self.fields[p]), p))
        return cands[0] if cands else None


def basename_of(item):
    if item.get("at"):
        return item["at"]
    for d in item["details"]:
        m = re.search(r" at ([\w.-]+\.h):\d+:\d+", d)
        if m:
            return m.group(1)
    return None


def match_item(ud, item):
    """-> (uapi-diff type name, changes considered, breaking changes)"""
    if item["kind"] == "enum" and item["name"] is None:
        names = set(item["enum_changed"]) | set(item["enum_deleted"]) | set(item["enum_inserted"])
        cs = [c for n in sorted(names) for c in ud.by_enumerator.get(n, [])]
        owner = "enum {" + ", ".join(sorted(names)) + "}"
        return owner, cs, [c for c in cs if c["breaking"]]
    name = item["name"]
    if name is None:
        if item["tag"] == "D" and item.get("at"):
            name = ud.parent_of_anonymous(item["anon_members"], item["at"], int(item["line"]), ud.dump_old)
        else:
            name = ud.parent_of_anonymous(item["anon_members"], basename_of(item))
        if name is None:
            return None, [], []
    cs = list(ud.by_type.get(name, []))
    if item["kind"] == "typedef":
        # a typedef of an anonymous struct: uapi-diff keeps the struct under the typedef's name too
        cs = [c for c in cs if c["kind"] in ("typedef", "struct", "union", "field")]
    return name, cs, [c for c in cs if c["breaking"]]


PADDING_RE = re.compile(r"(end|pad|pad[0-9]?|pad_[0-9]?|padding|padding[0-9]?|padding_[0-9]?|res|resv|resv[0-9]?|"
                        r"resv_[0-9]?|reserved|reserved[0-9]?|reserved_[0-9]?|rsvd[0-9]?|unused)$")


def same_change(item, brk):
    """Does one of uapi-diff's breaking changes concern what abidiff reports (not just the same type)?"""
    ch = item["changes"]
    last = lambda n: n.split(".")[-1]
    for c in brk:
        if item["tag"] == "D" and c["change"] == "removed" and c["kind"] in ("struct", "union", "enum", "typedef"):
            return True
        if item["name"] is None and c["change"] == "removed" and c["kind"] in ("struct", "union"):
            # an anonymous type whose named container is gone (abidiff may pair it with an unrelated
            # anonymous type of the new tree and report that as a change)
            return True
        if "size changed" in ch and c["kind"] in ("struct", "union") and c["change"] == "changed":
            return True
        if "underlying type changed" in ch and c["kind"] == "typedef":
            return True
        if c["kind"] == "field" and (last(c["name"]) in item["inserted"] + item["deleted"] + item["changed"]):
            return True
        if c["kind"] == "enumerator" and c["name"] in item["enum_changed"] + item["enum_deleted"]:
            return True
    return False


def explain_b(item, cs):
    """Why check-uapi.sh flags an item uapi-diff does not call breaking (from the uapi-diff rules seen and
    the abidiff change kinds); a first guess, checked by hand against the headers in the note."""
    rules = sorted({c["rule"] for c in cs})
    ch = item["changes"]
    if "drm-struct-extended" in rules or "drm-ioctl-extended" in rules:
        return "DRM ioctl struct grew at the end (uapi-diff: drm-struct-extended, needs userspace)"
    if "flex-array-converted" in rules:
        return "flex-array conversion (x[0]/x[1] -> x[])"
    if "moved" in rules:
        return "type moved to another header (uapi-diff: moved); abidiff sees the members added in its holes"
    if ch <= {"member inserted"} and cs and \
            all(c["kind"] == "field" and c["change"] == "added" and not c["breaking"] for c in cs):
        return "member added in a hole or tail padding, size and other offsets unchanged"
    if "padding-renamed" in rules or "reserved-field-used" in rules:
        return "padding/reserved field renamed or put to use, same offset and size"
    if item["kind"] == "enum" and not (set(item["enum_changed"]) - {c["name"] for c in cs if c["breaking"]}):
        return "enum grew (sentinel moved)" if "sentinel-moved" in rules else "enumerators added"
    if not cs:
        return "no uapi-diff change for this item"
    return "uapi-diff: " + ", ".join(rules)


def class_c_reason(c, skipped, removed_headers, ud):
    inst = installed_path(c["file"])
    if c["kind"] in ("define", "ioctl"):
        return "macro (#define / ioctl number): not in DWARF, invisible to abidiff"
    if c["kind"] in ("property", "property_value"):
        return "KMS property (driver source, not a header)"
    if inst in removed_headers:
        return "in a header check-uapi.sh reports as removed (header-level finding)"
    if not inst.startswith("include/"):
        return "not an installed header"
    if inst.startswith("include/asm-generic/"):
        return "asm-generic header: check-uapi.sh skips asm-generic/*"
    if inst in skipped:
        return "header on check-uapi.sh's no-header-test list (not compiled alone)"
    if c["kind"] == "enumerator":
        again = [x for x in ud.by_enumerator.get(c["name"], []) if x is not c and x["change"] == "added"
                 and (x.get("new") or {}).get("value") == (c.get("old") or {}).get("value")]
        if c["change"] == "removed" and again:
            return "enumerator now in another (named or renamed) enum, same value: uapi-diff reports remove+add"
        as_define = [x for x in ud.by_file.get(c["file"], []) if x["kind"] == "define" and x["name"] == c["name"]
                     and x["change"] == "added" and (x.get("new") or {}).get("value") == (c.get("old") or {}).get("value")]
        if c["change"] == "removed" and as_define:
            return "enumerator became a #define with the same value: uapi-diff reports it removed"
        if any(p.match(c["name"]) for p in SUPPRESSED_ENUM):
            return "enumerator name matches check-uapi.sh's suppression regexps"
        if c["change"] == "removed":
            return ("enumerator removed: check-uapi.sh's enum suppression also filters enumerator deletions "
                    "and removed enums")
        return "enumerator (see per-item notes)"
    if c["kind"] == "field" and c["change"] == "changed" and c["old"] and c["new"] and \
            c["old"].get("offset") == c["new"].get("offset") and c["old"].get("size") == c["new"].get("size") and \
            c["old"].get("bits") == c["new"].get("bits"):
        return "field type respelled (typedef, macro or enum tag), same offset and size: abidiff sees no break"
    if c["kind"] == "field" and c["change"] == "removed" and any(
            x["kind"] == "field" and x["change"] == "added" and x.get("parent") == c.get("parent") and x["new"] and c["old"]
            and x["new"].get("offset") == c["old"].get("offset") and x["new"].get("size") == c["old"].get("size")
            for x in ud.by_type.get(c.get("parent"), [])):
        return "field renamed (same offset and size): abidiff filters member renames as harmless"
    if c["kind"] in ("struct", "enum") and c["change"] == "removed":
        return f"{c['kind']} removed: check-uapi.sh's suppressions (type_kind = {c['kind']}) also filter removed {c['kind']}s"
    if c["kind"] == "field" and c["change"] == "removed" and c.get("parent") and any(
            x["kind"] == "struct" and x["change"] == "removed" and x["name"] == c["parent"] for x in ud.by_type.get(c["parent"], [])):
        return "struct removed: check-uapi.sh's suppressions (type_kind = struct) also filter removed structs"
    if c["kind"] == "field" and PADDING_RE.search(c["name"].split(".")[-1]):
        return "reserved/padding field shrunk or retyped for new members: check-uapi.sh's padding suppressions"
    if c["kind"] in ("struct", "union") and c["change"] == "changed" and c["old"] and c["new"] and \
            c["old"].get("size") == c["new"].get("size") and c["old"].get("align") != c["new"].get("align"):
        return "alignment-only change (size and offsets unchanged): not flagged by abidiff"
    return "type change abidiff does not flag (see per-item notes)"


def time_summary(path):
    vals = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("Elapsed (wall clock) time"):
                t = line.rsplit(" ", 1)[1].split(":")
                secs = 0.0
                for part in t:
                    secs = secs * 60 + float(part)
                vals["wall_s"] = secs
            elif line.startswith("Maximum resident set size"):
                vals["max_rss_mib"] = int(line.rsplit(" ", 1)[1]) / 1024
            elif line.startswith("User time"):
                vals["user_s"] = float(line.rsplit(" ", 1)[1])
            elif line.startswith("System time"):
                vals["sys_s"] = float(line.rsplit(" ", 1)[1])
    return vals


def fmt_change(c):
    what = c["kind"] + " " + ((c.get("parent") + ".") if c.get("parent") else "") + c["name"]
    return f"{what} {c['change']} [{c['rule']}]"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--log", required=True)
    ap.add_argument("--log-ignore-ambiguous")
    ap.add_argument("--diff", required=True)
    ap.add_argument("--dump-old", required=True)
    ap.add_argument("--dump-new", required=True)
    ap.add_argument("--skipped")
    ap.add_argument("--time", action="append", default=[])
    ap.add_argument("--old-ref", default="v6.1")
    ap.add_argument("--new-ref", default="v6.12")
    ap.add_argument("--markdown")
    ap.add_argument("--json")
    a = ap.parse_args()

    blocks = parse_log(a.log)
    flagged_i = set()
    if a.log_ignore_ambiguous:
        flagged_i = {b["header"] for b in parse_log(a.log_ignore_ambiguous)}
    with open(a.diff) as f:
        diff = json.load(f)
    with open(a.dump_old) as f:
        dump_old = json.load(f)
    with open(a.dump_new) as f:
        dump_new = json.load(f)
    ud = UapiDiff(diff, dump_old, dump_new)
    skipped = set()
    if a.skipped:
        with open(a.skipped) as f:
            skipped = {"include/" + l.strip() for l in f if l.strip()}

    rows = []              # one per (flagged header, item)
    matched_ids = set()    # uapi-diff changes accounted for by a check-uapi.sh finding
    removed_headers = set()
    for b in blocks:
        h = b["header"]
        if b["status"] == "removed":
            removed_headers.add(h)
            src = [c for c in diff["changes"] if c["kind"] == "header" and installed_path(c["name"]) == h]
            brk = [c for c in src if c["breaking"]]
            for c in ud.by_file.get(src[0]["name"] if src else "", []):
                matched_ids.add(id(c))
            rows.append({"header": h, "item": "(header removed)", "abidiff": "header removed", "defined_in": h,
                         "own": True, "uapi_diff": [fmt_change(c) for c in brk] or ["no header removal"],
                         "class": "a" if brk else "b", "reason": "" if brk else "uapi-diff: header not removed"})
            continue
        if b["status"] == "compile":
            rows.append({"header": h, "item": "(does not compile)", "abidiff": "compile error", "defined_in": h,
                         "own": True, "uapi_diff": [], "class": "b", "reason": "check-uapi.sh could not compile it"})
            continue
        for it in b["items"]:
            owner, cs, brk = match_item(ud, it)
            for c in brk:
                matched_ids.add(id(c))
            if it["kind"] == "enum" and owner:
                for n in it["enum_changed"] + it["enum_deleted"]:
                    for c in ud.by_enumerator.get(n, []):
                        matched_ids.add(id(c))
            defined = sorted(installed_path(f) for f in ud.defined.get(owner or "", ())) if owner else []
            if it["kind"] == "enum" and it["name"] is None:
                files = {installed_path(c["file"]) for c in cs}
                defined = sorted(files)
            members = [m for m in it["inserted"] + it["deleted"] + it["changed"] if m] + \
                it["enum_inserted"] + it["enum_deleted"] + it["enum_changed"]
            label = it["type"] if it["name"] or it["kind"] == "enum" else f"{it['kind']} {{…}} in {owner}"
            if len(label) > 90:
                label = label[:87] + "…"
            cls = ("a" if same_change(it, brk) else "a*") if brk else "b"
            rows.append({"header": h, "item": label, "type": it["type"], "owner": owner,
                         "abidiff": ", ".join(sorted(it["changes"])) or "changed",
                         "members": members, "defined_in": ", ".join(defined) or "?",
                         "own": h in defined, "uapi_diff": [fmt_change(c) for c in (brk or cs)][:8],
                         "uapi_diff_count": len(brk or cs),
                         "class": cls, "reason": ("" if cls == "a" else ("uapi-diff flags other members of the type" if cls == "a*" else explain_b(it, cs)))})

    # class c: uapi-diff breaking changes no check-uapi.sh finding accounts for
    flagged = {b["header"] for b in blocks}
    cls_c = []
    for c in diff["changes"]:
        if c["breaking"] and id(c) not in matched_ids:
            cls_c.append((c, class_c_reason(c, skipped, removed_headers, ud)))

    # ---- report ----
    out = []
    p = out.append
    n_abi = sum(1 for b in blocks if b["status"] == "abi")
    p(f"# check-uapi.sh vs uapi-diff, {a.old_ref} → {a.new_ref} (x86_64)\n")
    p(f"check-uapi.sh flagged {len(blocks)} headers: {n_abi} with ABI differences, "
      f"{sum(1 for b in blocks if b['status'] == 'removed')} removed, "
      f"{sum(1 for b in blocks if b['status'] == 'compile')} that do not compile; "
      f"{sum(1 for b in blocks if b['unchanged'])} of them did not change themselves (the difference comes from "
      f"an included header).\n")
    if a.time:
        p("| run | wall s | user s | sys s | max RSS MiB |\n|---|---:|---:|---:|---:|")
        uds = []
        for t in a.time:
            v = time_summary(t)
            name = t.rsplit("/", 1)[-1]
            if "uapi-diff" in name:
                uds.append(v)
            p(f"| {name} | {v.get('wall_s', 0):.2f} | {v.get('user_s', 0):.2f} | {v.get('sys_s', 0):.2f} | "
              f"{v.get('max_rss_mib', 0):.0f} |")
        if uds:
            p(f"| uapi-diff median of {len(uds)} | {statistics.median(v['wall_s'] for v in uds):.2f} | "
              f"{statistics.median(v['user_s'] for v in uds):.2f} | {statistics.median(v['sys_s'] for v in uds):.2f} | "
              f"{statistics.median(v['max_rss_mib'] for v in uds):.0f} |")
        p("")
    # unique items
    uniq = collections.OrderedDict()
    for r in rows:
        key = r.get("type", r["header"] + r["item"])
        if r["item"] == "(header removed)":
            key = r["header"]
        uniq.setdefault(key, []).append(r)
    cnt_rows = collections.Counter(r["class"] for r in rows)
    cnt_uniq = collections.Counter(rs[0]["class"] for rs in uniq.values())
    p("## Summary\n")
    p(f"- (header, item) findings of check-uapi.sh: {len(rows)}; distinct items: {len(uniq)} "
      f"(the rest are the same type reported again in each header that includes it: "
      f"{sum(1 for r in rows if not r['own'])} findings in a header other than the type's own).")
    p(f"- class a (uapi-diff reports a breaking change for the same item and the same change): {cnt_rows['a']} findings, {cnt_uniq['a']} distinct items")
    p(f"- class a* (uapi-diff calls the same type breaking, but for another change than abidiff's): {cnt_rows['a*']} findings, {cnt_uniq['a*']} distinct items")
    p(f"- class b (check-uapi.sh flags, uapi-diff does not call it breaking): {cnt_rows['b']} findings, "
      f"{cnt_uniq['b']} distinct items")
    p(f"- class c (uapi-diff breaking changes no check-uapi.sh finding covers): {len(cls_c)} changes")
    if flagged_i:
        p(f"- with -i (ignore ambiguous changes) check-uapi.sh flags {len(flagged_i)} headers")
    p("")
    p("## Distinct items flagged by check-uapi.sh\n")
    p("| class | item | abidiff change kinds | members | defined in | flagged in (headers) | uapi-diff | reason (class b) |")
    p("|---|---|---|---|---|---|---|---|")
    for key, rs in uniq.items():
        r = rs[0]
        hs = sorted({x["header"] for x in rs})
        hs_s = ", ".join(h.replace("include/", "") for h in hs[:4]) + (f" (+{len(hs) - 4})" if len(hs) > 4 else "")
        ud_s = "; ".join(r["uapi_diff"][:4]) + (f" (+{r.get('uapi_diff_count', 0) - 4})" if r.get("uapi_diff_count", 0) > 4 else "")
        mem = ", ".join(r.get("members", [])[:6]) + (" …" if len(r.get("members", [])) > 6 else "")
        p(f"| {r['class']} | `{r['item']}` | {r['abidiff']} | {mem} | {r['defined_in'].replace('include/', '')} | "
          f"{hs_s} | {ud_s or '—'} | {r['reason']} |")
    p("")
    p("## Per header\n")
    p("| header | own change | items (class) | -i |")
    p("|---|---|---|---|")
    by_h = collections.OrderedDict()
    for r in rows:
        by_h.setdefault(r["header"], []).append(r)
    unchanged = {b["header"] for b in blocks if b["unchanged"]}
    for h, rs in by_h.items():
        items = "; ".join(f"`{r['item'][:60]}` ({r['class']})" for r in rs)
        own = "no (included header)" if h in unchanged else "yes"
        p(f"| {h.replace('include/', '')} | {own} | {items} | {'flagged' if h in flagged_i else ('—' if flagged_i else '')} |")
    p("")
    p("## Class c: uapi-diff breaking changes outside check-uapi.sh's findings\n")
    by_reason = collections.Counter(r for _, r in cls_c)
    p("| reason | changes | by kind | examples |")
    p("|---|---:|---|---|")
    for reason, n in by_reason.most_common():
        cs = [c for c, r in cls_c if r == reason]
        kinds = collections.Counter(f"{c['kind']} {c['change']}" for c in cs)
        ex = "; ".join(f"`{(c.get('parent') + '.') if c.get('parent') else ''}{c['name']}` ({installed_path(c['file']).replace('include/', '')})" for c in cs[:4])
        p(f"| {reason} | {n} | {', '.join(f'{k} {v}' for k, v in kinds.most_common())} | {ex} |")
    p("")
    p("### Class c changes not explained by macro/header/KMS reasons\n")
    for c, r in cls_c:
        if not (r.startswith("macro") or r.startswith("KMS") or r.startswith("in a header") or r.startswith("header on")):
            p(f"- `{c['id']}` {c['change']} [{c['rule']}] {c['file']}:{c['line']}: {json.dumps(c['old'])} → {json.dumps(c['new'])}")
    text = "\n".join(out) + "\n"
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"rows": rows, "class_c": [dict(id=c["id"], file=c["file"], rule=c["rule"], reason=r) for c, r in cls_c]},
                      f, indent=1, default=list)


if __name__ == "__main__":
    main()
