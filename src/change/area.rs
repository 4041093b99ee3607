//! Areas: which part of the kernel an item belongs to, and so who reviews it and whether the DRM
//! "open-source userspace" rules apply. DRM core, each DRM driver, each accel driver, the rest.

use crate::change::Change;
use serde::Serialize;

#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Area {
    DrmCore,
    DrmDriver,
    Accel,
    /// A netlink family's spec (`Documentation/netlink/specs/<family>.yaml`).
    Netlink,
    Other,
}

impl Area {
    pub fn as_str(self) -> &'static str {
        match self {
            Area::DrmCore => "drm-core",
            Area::DrmDriver => "drm-driver",
            Area::Accel => "accel",
            Area::Netlink => "netlink",
            Area::Other => "other",
        }
    }

    /// The area as a heading: `DRM core`, `DRM drivers`, `accel`, `netlink`, `other uAPI`.
    pub fn title(self) -> &'static str {
        match self {
            Area::DrmCore => "DRM core",
            Area::DrmDriver => "DRM drivers",
            Area::Accel => "accel",
            Area::Netlink => "netlink",
            Area::Other => "other uAPI",
        }
    }
}

/// A checklist group: an area, and the driver within it (`xe`, `amd/display`, `ivpu`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupKey {
    pub area: Area,
    pub driver: Option<String>,
}

impl GroupKey {
    fn new(area: Area, driver: Option<&str>) -> GroupKey {
        GroupKey {
            area,
            driver: driver.map(str::to_string),
        }
    }

    /// The heading shown to reviewers: `DRM core`, `DRM driver xe`, `accel ivpu`, `other uAPI`.
    pub fn title(&self) -> String {
        match (self.area, &self.driver) {
            (Area::DrmCore, _) => "DRM core".to_string(),
            (Area::DrmDriver, Some(d)) => format!("DRM driver {d}"),
            (Area::Accel, Some(d)) => format!("accel {d}"),
            (Area::Accel, None) => "accel core".to_string(),
            (Area::Netlink, Some(f)) => format!("netlink {f}"),
            (Area::Netlink, None) => "netlink".to_string(),
            (Area::DrmDriver, None) | (Area::Other, _) => "other uAPI".to_string(),
        }
    }
}

const UAPI_DRM: &str = "include/uapi/drm/";
const DRIVERS_DRM: &str = "drivers/gpu/drm/";
const DRIVERS_ACCEL: &str = "drivers/accel/";
const NETLINK_SPECS: &str = "Documentation/netlink/specs/";

/// The group of a change: KMS properties by their `owner`, everything else by its file.
pub fn group_of(c: &Change) -> GroupKey {
    group_of_item(c.owner.as_deref(), &c.file)
}

/// The group of an item: by its KMS `owner` when it has one, else by its file.
pub fn group_of_item(owner: Option<&str>, file: &str) -> GroupKey {
    match owner {
        Some(owner) if is_core(owner) => GroupKey::new(Area::DrmCore, None),
        Some(driver) => GroupKey::new(Area::DrmDriver, Some(driver)),
        None => group_of_path(file),
    }
}

pub fn group_of_path(path: &str) -> GroupKey {
    if let Some(name) = path.strip_prefix(UAPI_DRM) {
        if let Some(driver) = name.strip_suffix("_accel.h") {
            return GroupKey::new(Area::Accel, Some(driver));
        }
        if let Some(driver) = name.strip_suffix("_drm.h") {
            return GroupKey::new(Area::DrmDriver, Some(driver));
        }
        // drm.h, drm_mode.h, drm_fourcc.h, drm_sarea.h
        return GroupKey::new(Area::DrmCore, None);
    }
    if let Some(rest) = path.strip_prefix(DRIVERS_ACCEL) {
        return match rest.split_once('/') {
            Some((driver, _)) => GroupKey::new(Area::Accel, Some(driver)),
            None => GroupKey::new(Area::Accel, None),
        };
    }
    if let Some(spec) = path.strip_prefix(NETLINK_SPECS) {
        let family = spec.strip_suffix(".yaml").unwrap_or(spec);
        return GroupKey::new(Area::Netlink, Some(family));
    }
    if path.starts_with(DRIVERS_DRM) {
        return match owner_of(path).as_str() {
            owner if is_core(owner) => GroupKey::new(Area::DrmCore, None),
            driver => GroupKey::new(Area::DrmDriver, Some(driver)),
        };
    }
    GroupKey::new(Area::Other, None)
}

/// Directories whose subdirectories are separate drivers (`amd/display` vs `amd/amdgpu`).
const VENDOR_DIRS: &[&str] = &["amd", "renesas", "imx", "arm"];
/// Directories of shared helper code that is part of DRM core rather than a driver.
const CORE_DIRS: &[&str] = &["display"];

/// The owner of DRM core's files and properties (`owner_of`); every other owner is a driver.
pub const CORE_OWNER: &str = "core";

/// Whether an owner (as `owner_of` names it) is DRM core rather than a driver.
pub fn is_core(owner: &str) -> bool {
    owner == CORE_OWNER
}

/// `core` or the driver directory for a path in (or relative to) drivers/gpu/drm.
pub fn owner_of(path: &str) -> String {
    let rest = path.strip_prefix(DRIVERS_DRM).unwrap_or(path);
    let parts: Vec<&str> = rest.split('/').collect();
    if parts.len() <= 1 || CORE_DIRS.contains(&parts[0]) {
        return CORE_OWNER.to_string();
    }
    if parts.len() >= 3 && VENDOR_DIRS.contains(&parts[0]) {
        return format!("{}/{}", parts[0], parts[1]);
    }
    parts[0].to_string()
}

/// A documented exception shown next to the item (the reviewer still records it in the ledger).
pub fn hint(c: &Change) -> Option<&'static str> {
    (c.file == "include/uapi/drm/drm_fourcc.h").then_some(
        "drm_fourcc.h \"Open Source User Waiver\": formats and modifiers need no open-source \
userspace, but stakeholders of all relevant driver stacks should approve; record it as waived",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(area: Area, driver: Option<&str>) -> GroupKey {
        GroupKey::new(area, driver)
    }

    #[test]
    fn paths_to_groups() {
        let cases = [
            ("include/uapi/drm/drm.h", key(Area::DrmCore, None)),
            ("include/uapi/drm/drm_mode.h", key(Area::DrmCore, None)),
            ("include/uapi/drm/drm_fourcc.h", key(Area::DrmCore, None)),
            (
                "include/uapi/drm/xe_drm.h",
                key(Area::DrmDriver, Some("xe")),
            ),
            (
                "include/uapi/drm/habanalabs_accel.h",
                key(Area::Accel, Some("habanalabs")),
            ),
            (
                "drivers/accel/ivpu/ivpu_drv.c",
                key(Area::Accel, Some("ivpu")),
            ),
            ("drivers/accel/drm_accel.c", key(Area::Accel, None)),
            ("drivers/gpu/drm/drm_plane.c", key(Area::DrmCore, None)),
            (
                "drivers/gpu/drm/display/drm_hdmi_helper.c",
                key(Area::DrmCore, None),
            ),
            (
                "drivers/gpu/drm/i915/display/intel_hdmi.c",
                key(Area::DrmDriver, Some("i915")),
            ),
            (
                "drivers/gpu/drm/amd/display/amdgpu_dm/amdgpu_dm.c",
                key(Area::DrmDriver, Some("amd/display")),
            ),
            ("include/uapi/linux/kvm.h", key(Area::Other, None)),
            (
                "Documentation/netlink/specs/dpll.yaml",
                key(Area::Netlink, Some("dpll")),
            ),
        ];
        for (path, want) in cases {
            assert_eq!(group_of_path(path), want, "{path}");
        }
    }

    #[test]
    fn titles() {
        assert_eq!(key(Area::DrmCore, None).title(), "DRM core");
        assert_eq!(key(Area::DrmDriver, Some("xe")).title(), "DRM driver xe");
        assert_eq!(key(Area::Accel, Some("ivpu")).title(), "accel ivpu");
        assert_eq!(key(Area::Other, None).title(), "other uAPI");
        assert_eq!(key(Area::Netlink, Some("dpll")).title(), "netlink dpll");
    }
}
