use super::*;

/// Test evaluator: integer literals are done by the module; this adds a few names.
fn eval(expr: &str, _file: &str) -> Option<i128> {
    let table: &[(&str, i128)] = &[
        ("UINT_MAX", u32::MAX as i128),
        ("INT_MAX", i32::MAX as i128),
        ("INT_MIN", i32::MIN as i128),
        ("U64_MAX", u64::MAX as i128),
        ("DRM_MODE_COLORIMETRY_DEFAULT", 0),
        ("DRM_MODE_COLORIMETRY_BT709_YCC", 2),
        ("DRM_MODE_COLORIMETRY_RGB_WIDE_FIXED", 13),
        ("DRM_MODE_COLORIMETRY_RGB_WIDE_FLOAT", 14),
        ("DRM_MODE_DPMS_ON", 0),
        ("DRM_MODE_DPMS_OFF", 3),
        ("256 + 255", 511),
    ];
    table.iter().find(|(k, _)| *k == expr).map(|(_, v)| *v)
}

fn sources<'a>(files: &[(&'a str, &'a str)]) -> Vec<SourceFile<'a>> {
    files
        .iter()
        .map(|(p, s)| SourceFile {
            path: p,
            bytes: s.as_bytes(),
        })
        .collect()
}

fn run(files: &[(&str, &str)]) -> KmsModel {
    extract(&sources(files), &eval)
}

fn prop<'m>(m: &'m KmsModel, owner: &str, name: &str) -> &'m Property {
    m.properties
        .iter()
        .find(|p| p.owner == owner && p.name == name)
        .unwrap_or_else(|| {
            panic!(
                "no property {owner}:{name} in {:#?}",
                m.properties
                    .iter()
                    .map(|p| (&p.owner, &p.name))
                    .collect::<Vec<_>>()
            )
        })
}

fn names(p: &Property) -> Vec<(&str, Option<i128>)> {
    p.values
        .iter()
        .map(|v| (v.name.as_str(), v.value))
        .collect()
}

#[test]
fn query_compiles() {
    let q = &*parse::QUERY;
    assert!(q.capture_names().contains(&"call.fn"));
}

#[test]
fn owners() {
    assert_eq!(owner_of("drivers/gpu/drm/drm_connector.c"), "core");
    assert_eq!(
        owner_of("drivers/gpu/drm/display/drm_hdcp_helper.c"),
        "core"
    );
    assert_eq!(
        owner_of("drivers/gpu/drm/i915/display/intel_sdvo.c"),
        "i915"
    );
    assert_eq!(
        owner_of("drivers/gpu/drm/amd/display/amdgpu_dm/amdgpu_dm_color.c"),
        "amd/display"
    );
    assert_eq!(
        owner_of("drivers/gpu/drm/amd/amdgpu/amdgpu_display.c"),
        "amd/amdgpu"
    );
    assert_eq!(
        owner_of("drivers/gpu/drm/renesas/rcar-du/rcar_du_kms.c"),
        "renesas/rcar-du"
    );
    assert_eq!(owner_of("drivers/gpu/drm/vc4/vc4_vec.c"), "vc4");
    assert!(wanted("drivers/gpu/drm/vc4/vc4_vec.c"));
    assert!(wanted("drivers/gpu/drm/vc4/vc4_drv.h"));
    assert!(!wanted(
        "drivers/gpu/drm/amd/include/asic_reg/dcn/dcn_3_0_0_sh_mask.h"
    ));
    assert!(!wanted("drivers/gpu/host1x/dev.c"));
}

#[test]
fn int_literals() {
    use resolve::parse_int;
    assert_eq!(parse_int("0x01ffffff"), Some(0x01ffffff));
    assert_eq!(parse_int("-1"), Some(-1));
    assert_eq!(parse_int("(100U)"), Some(100));
    assert_eq!(parse_int("010"), Some(8));
    assert_eq!(parse_int("0"), Some(0));
    assert_eq!(parse_int("x"), None);
    assert_eq!(parse_int("-"), None);
}

// ---------------------------------------------------------------------------------------------
// Creation forms (one fixture each).

const CORE_STANDARD: &str = r#"
static const struct drm_prop_enum_list drm_plane_type_enum_list[] = {
	{ DRM_PLANE_TYPE_OVERLAY, "Overlay" },
	{ DRM_PLANE_TYPE_PRIMARY, "Primary" },
	{ DRM_PLANE_TYPE_CURSOR, "Cursor" },
};

static int drm_mode_create_standard_properties(struct drm_device *dev)
{
	struct drm_property *prop;

	prop = drm_property_create_enum(dev, DRM_MODE_PROP_IMMUTABLE,
					"type", drm_plane_type_enum_list,
					ARRAY_SIZE(drm_plane_type_enum_list));
	if (!prop)
		return -ENOMEM;
	dev->mode_config.plane_type_property = prop;

	prop = drm_property_create_range(dev, DRM_MODE_PROP_ATOMIC,
			"SRC_X", 0, UINT_MAX);
	dev->mode_config.prop_src_x = prop;

	prop = drm_property_create_signed_range(dev, DRM_MODE_PROP_ATOMIC,
			"CRTC_X", INT_MIN, INT_MAX);
	dev->mode_config.prop_crtc_x = prop;

	prop = drm_property_create_object(dev, DRM_MODE_PROP_ATOMIC,
			"FB_ID", DRM_MODE_OBJECT_FB);
	dev->mode_config.prop_fb_id = prop;

	prop = drm_property_create(dev,
			DRM_MODE_PROP_ATOMIC | DRM_MODE_PROP_BLOB,
			"MODE_ID", 0);
	dev->mode_config.prop_mode_id = prop;

	prop = drm_property_create_bool(dev, DRM_MODE_PROP_ATOMIC,
			"ACTIVE");
	dev->mode_config.prop_active = prop;

	prop = drm_property_create(dev,
				   DRM_MODE_PROP_IMMUTABLE | DRM_MODE_PROP_BLOB,
				   "IN_FORMATS", 0);
	dev->mode_config.modifiers_property = prop;
	return 0;
}

int drmm_mode_config_init(struct drm_device *dev)
{
	return drm_mode_create_standard_properties(dev);
}
"#;

const CORE_PLANE: &str = r#"
static int __drm_universal_plane_init(struct drm_device *dev, struct drm_plane *plane)
{
	struct drm_mode_config *config = &dev->mode_config;

	drm_object_attach_property(&plane->base, config->plane_type_property, type);
	drm_object_attach_property(&plane->base, config->prop_fb_id, 0);
	drm_object_attach_property(&plane->base, config->prop_src_x, 0);
	drm_object_attach_property(&plane->base, config->prop_crtc_x, 0);
	return 0;
}

int drm_crtc_init_with_planes(struct drm_device *dev, struct drm_crtc *crtc)
{
	drm_object_attach_property(&crtc->base, config->prop_active, 0);
	drm_object_attach_property(&crtc->base, config->prop_mode_id, 0);
	return 0;
}
"#;

#[test]
fn creation_forms() {
    let m = run(&[
        ("drivers/gpu/drm/drm_mode_config.c", CORE_STANDARD),
        ("drivers/gpu/drm/drm_plane.c", CORE_PLANE),
    ]);
    let t = prop(&m, "core", "type");
    assert_eq!(t.kind, PropertyKind::Enum);
    assert_eq!(t.flags, vec!["IMMUTABLE"]);
    assert_eq!(
        names(t),
        vec![("Cursor", None), ("Overlay", None), ("Primary", None)]
    );
    assert_eq!(t.values[0].expr.as_deref(), Some("DRM_PLANE_TYPE_CURSOR"));
    assert_eq!(t.attached_to, vec!["plane"]);
    assert_eq!(
        (t.file.as_str(), t.line, t.function.as_str()),
        (
            "drivers/gpu/drm/drm_mode_config.c",
            12,
            "drm_mode_create_standard_properties"
        )
    );
    assert_eq!(
        t.helper.as_deref(),
        Some("drm_mode_create_standard_properties")
    );

    let x = prop(&m, "core", "SRC_X");
    assert_eq!(
        (x.kind, x.range),
        (PropertyKind::Range, Some((Some(0), Some(u32::MAX as i128))))
    );
    assert_eq!(x.flags, vec!["ATOMIC"]);
    assert_eq!(x.attached_to, vec!["plane"]);
    let cx = prop(&m, "core", "CRTC_X");
    assert_eq!(
        (cx.kind, cx.range),
        (
            PropertyKind::SignedRange,
            Some((Some(i32::MIN as i128), Some(i32::MAX as i128)))
        )
    );
    let fb = prop(&m, "core", "FB_ID");
    assert_eq!(
        (fb.kind, fb.object_type.as_deref(), fb.range),
        (PropertyKind::Object, Some("DRM_MODE_OBJECT_FB"), None)
    );
    let mode = prop(&m, "core", "MODE_ID");
    assert_eq!(
        (mode.kind, mode.flags.clone(), mode.attached_to.clone()),
        (
            PropertyKind::Blob,
            vec!["ATOMIC".to_string()],
            vec!["crtc".to_string()]
        )
    );
    let active = prop(&m, "core", "ACTIVE");
    assert_eq!(
        (active.kind, active.range),
        (PropertyKind::Range, Some((Some(0), Some(1))))
    );
    let inf = prop(&m, "core", "IN_FORMATS");
    assert_eq!(
        (inf.kind, inf.flags.clone(), inf.attached_to.clone()),
        (PropertyKind::Blob, vec!["IMMUTABLE".to_string()], vec![])
    );
    assert!(m.unresolved.is_empty(), "{:?}", m.unresolved);
    assert_eq!(m.properties.len(), 7);
}

#[test]
fn bitmask_and_add_enum() {
    let src = r#"
int drm_plane_create_rotation_property(struct drm_plane *plane,
				       unsigned int rotation,
				       unsigned int supported_rotations)
{
	static const struct drm_prop_enum_list props[] = {
		{ __builtin_ffs(DRM_MODE_ROTATE_0) - 1,   "rotate-0" },
		{ __builtin_ffs(DRM_MODE_ROTATE_90) - 1,  "rotate-90" },
		{ __builtin_ffs(DRM_MODE_REFLECT_X) - 1,  "reflect-x" },
	};
	struct drm_property *prop;

	prop = drm_property_create_bitmask(plane->dev, 0, "rotation",
					   props, ARRAY_SIZE(props),
					   supported_rotations);
	if (!prop)
		return -EINVAL;

	drm_object_attach_property(&plane->base, prop, rotation);
	plane->rotation_property = prop;
	return 0;
}

int drm_plane_create_blend_mode_property(struct drm_plane *plane,
					 unsigned int supported_modes)
{
	struct drm_device *dev = plane->dev;
	struct drm_property *prop;
	static const struct drm_prop_enum_list props[] = {
		{ DRM_MODE_BLEND_PIXEL_NONE, "None" },
		{ DRM_MODE_BLEND_PREMULTI, "Pre-multiplied" },
		{ DRM_MODE_BLEND_COVERAGE, "Coverage" },
	};
	int i;

	prop = drm_property_create(dev, DRM_MODE_PROP_ENUM,
				   "pixel blend mode",
				   hweight32(supported_modes));
	for (i = 0; i < ARRAY_SIZE(props); i++) {
		int ret;

		if (!(BIT(props[i].type) & supported_modes))
			continue;

		ret = drm_property_add_enum(prop, props[i].type,
					    props[i].name);
	}
	drm_property_add_enum(prop, 7, "Extra");
	drm_object_attach_property(&plane->base, prop, DRM_MODE_BLEND_PREMULTI);
	return 0;
}
"#;
    let m = run(&[("drivers/gpu/drm/drm_blend.c", src)]);
    let r = prop(&m, "core", "rotation");
    assert_eq!(r.kind, PropertyKind::Bitmask);
    let rn: Vec<&str> = r.values.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(rn, vec!["reflect-x", "rotate-0", "rotate-90"]);
    assert_eq!(r.attached_to, vec!["plane"]);
    let b = prop(&m, "core", "pixel blend mode");
    assert_eq!(b.kind, PropertyKind::Enum);
    assert_eq!(
        names(b),
        vec![
            ("Extra", Some(7)),
            ("Coverage", None),
            ("None", None),
            ("Pre-multiplied", None)
        ]
    );
    assert_eq!(
        b.values
            .iter()
            .find(|v| v.name == "Coverage")
            .and_then(|v| v.expr.as_deref()),
        Some("DRM_MODE_BLEND_COVERAGE")
    );
    assert_eq!(b.attached_to, vec!["plane"]);
    assert_eq!(
        b.helper.as_deref(),
        Some("drm_plane_create_blend_mode_property")
    );
}

/// 6.12 style: a designated string array filled into a local enum list in a loop, and a name
/// function generated by a macro (`DRM_ENUM_NAME_FN`).
#[test]
fn string_array_and_name_function_values() {
    let src = r#"
static const struct drm_prop_enum_list drm_tv_mode_enum_list[] = {
	{ DRM_MODE_TV_MODE_NTSC, "NTSC" },
	{ DRM_MODE_TV_MODE_PAL, "PAL" },
};

DRM_ENUM_NAME_FN(drm_get_tv_mode_name, drm_tv_mode_enum_list)

static const char * const colorspace_names[] = {
	/* For Default case, driver will set the colorspace */
	[DRM_MODE_COLORIMETRY_DEFAULT] = "Default",
	[DRM_MODE_COLORIMETRY_BT709_YCC] = "BT709_YCC",
	"BT709_NEXT",
	[DRM_MODE_COLORIMETRY_RGB_WIDE_FIXED] = "RGB_WIDE_FIXED",
};

static int drm_mode_create_colorspace_property(struct drm_connector *connector,
					u32 supported_colorspaces)
{
	struct drm_device *dev = connector->dev;
	struct drm_prop_enum_list enum_list[DRM_MODE_COLORIMETRY_COUNT];
	int i, len;

	len = 0;
	for (i = 0; i < DRM_MODE_COLORIMETRY_COUNT; i++) {
		if ((colorspaces & BIT(i)) == 0)
			continue;

		enum_list[len].type = i;
		enum_list[len].name = colorspace_names[i];
		len++;
	}

	connector->colorspace_property =
		drm_property_create_enum(dev, DRM_MODE_PROP_ENUM, "Colorspace",
					enum_list,
					len);
	return 0;
}

int drm_mode_create_hdmi_colorspace_property(struct drm_connector *connector, u32 s)
{
	return drm_mode_create_colorspace_property(connector, s);
}

int drm_connector_attach_colorspace_property(struct drm_connector *connector)
{
	struct drm_property *prop = connector->colorspace_property;

	drm_object_attach_property(&connector->base, prop, DRM_MODE_COLORIMETRY_DEFAULT);
	return 0;
}

int drm_mode_create_tv_properties(struct drm_device *dev,
				  unsigned int supported_tv_modes)
{
	struct drm_prop_enum_list tv_mode_list[DRM_MODE_TV_MODE_MAX];
	struct drm_property *tv_mode;
	unsigned int i, len = 0;

	for (i = 0; i < DRM_MODE_TV_MODE_MAX; i++) {
		tv_mode_list[len].type = i;
		tv_mode_list[len].name = drm_get_tv_mode_name(i);
		len++;
	}

	tv_mode = drm_property_create_enum(dev, 0, "TV mode",
					   tv_mode_list, len);
	dev->mode_config.tv_mode_property = tv_mode;
	return 0;
}
"#;
    let m = run(&[("drivers/gpu/drm/drm_connector.c", src)]);
    let c = prop(&m, "core", "Colorspace");
    assert_eq!(
        names(c),
        vec![
            ("Default", Some(0)),
            ("BT709_YCC", Some(2)),
            ("BT709_NEXT", Some(3)),
            ("RGB_WIDE_FIXED", Some(13))
        ]
    );
    assert_eq!(
        c.values[2].expr.as_deref(),
        Some("DRM_MODE_COLORIMETRY_BT709_YCC + 1")
    );
    assert_eq!(c.attached_to, vec!["connector"]);
    assert_eq!(c.flags, Vec::<String>::new());
    assert_eq!(
        c.helper.as_deref(),
        Some("drm_mode_create_colorspace_property")
    );
    let tv = prop(&m, "core", "TV mode");
    let tn: Vec<&str> = tv.values.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(tn, vec!["NTSC", "PAL"]);
    assert!(m.unresolved.is_empty(), "{:?}", m.unresolved);
}

/// `drm_property_create_enum(..., privacy_screen_enum, 2)` takes the first two entries only.
#[test]
fn enum_count_limits_entries() {
    let src = r#"
static const struct drm_prop_enum_list privacy_screen_enum[] = {
	{ PRIVACY_SCREEN_DISABLED,		"Disabled" },
	{ PRIVACY_SCREEN_ENABLED,		"Enabled" },
	{ PRIVACY_SCREEN_DISABLED_LOCKED,	"Disabled-locked" },
	{ PRIVACY_SCREEN_ENABLED_LOCKED,	"Enabled-locked" },
};

void drm_connector_create_privacy_screen_properties(struct drm_connector *connector)
{
	connector->privacy_screen_sw_state_property =
		drm_property_create_enum(connector->dev, DRM_MODE_PROP_ENUM,
				"privacy-screen sw-state",
				privacy_screen_enum, 2);

	connector->privacy_screen_hw_state_property =
		drm_property_create_enum(connector->dev,
				DRM_MODE_PROP_IMMUTABLE | DRM_MODE_PROP_ENUM,
				"privacy-screen hw-state",
				privacy_screen_enum,
				ARRAY_SIZE(privacy_screen_enum));
}
"#;
    let m = run(&[("drivers/gpu/drm/drm_connector.c", src)]);
    assert_eq!(prop(&m, "core", "privacy-screen sw-state").values.len(), 2);
    let hw = prop(&m, "core", "privacy-screen hw-state");
    assert_eq!(hw.values.len(), 4);
    assert_eq!(hw.flags, vec!["IMMUTABLE"]);
}

// ---------------------------------------------------------------------------------------------
// Driver styles: wrappers with the name as a parameter, macros, #ifdef, unresolved names.

/// amdgpu style: a driver-local wrapper takes the name; callers pass literals. Code under
/// `#ifdef AMD_PRIVATE_COLOR` is extracted too.
#[test]
fn driver_wrapper_names_from_call_sites() {
    let color = r#"
static const char * const
amdgpu_transfer_function_names[] = {
	[AMDGPU_TRANSFER_FUNCTION_DEFAULT]		= "Default",
	[AMDGPU_TRANSFER_FUNCTION_IDENTITY]		= "Identity",
};

#ifdef AMD_PRIVATE_COLOR
static struct drm_property *
amdgpu_create_tf_property(struct drm_device *dev,
			  const char *name,
			  u32 supported_tf)
{
	struct drm_prop_enum_list enum_list[AMDGPU_TRANSFER_FUNCTION_COUNT];
	int i, len;

	len = 0;
	for (i = 0; i < AMDGPU_TRANSFER_FUNCTION_COUNT; i++) {
		enum_list[len].type = i;
		enum_list[len].name = amdgpu_transfer_function_names[i];
		len++;
	}

	return drm_property_create_enum(dev, DRM_MODE_PROP_ENUM,
					name, enum_list, len);
}

int
amdgpu_dm_create_color_properties(struct amdgpu_device *adev)
{
	struct drm_property *prop;

	prop = drm_property_create(adev_to_drm(adev),
				   DRM_MODE_PROP_BLOB,
				   "AMD_PLANE_DEGAMMA_LUT", 0);
	if (!prop)
		return -ENOMEM;
	adev->mode_info.plane_degamma_lut_property = prop;

	prop = amdgpu_create_tf_property(adev_to_drm(adev),
					 "AMD_PLANE_DEGAMMA_TF",
					 amdgpu_eotf);
	if (!prop)
		return -ENOMEM;
	adev->mode_info.plane_degamma_tf_property = prop;

	prop = amdgpu_create_tf_property(adev_to_drm(adev),
					 "AMD_CRTC_REGAMMA_TF",
					 amdgpu_inv_eotf);
	adev->mode_info.regamma_tf_property = prop;

	prop = amdgpu_create_tf_property(adev_to_drm(adev), runtime_name, 0);
	return 0;
}
#endif
"#;
    let plane = r#"
static void amdgpu_dm_plane_drm_plane_reset(struct drm_plane *plane) {}

#ifdef AMD_PRIVATE_COLOR
static void
dm_atomic_plane_attach_color_mgmt_properties(struct amdgpu_display_manager *dm,
					     struct drm_plane *plane)
{
	struct amdgpu_mode_info mode_info = dm->adev->mode_info;

	drm_object_attach_property(&plane->base,
				   mode_info.plane_degamma_lut_property, 0);
	drm_object_attach_property(&plane->base,
				   mode_info.plane_degamma_tf_property,
				   AMDGPU_TRANSFER_FUNCTION_DEFAULT);
}
#endif
"#;
    let crtc = r#"
#ifdef AMD_PRIVATE_COLOR
static int amdgpu_dm_crtc_late_register(struct drm_crtc *crtc)
{
	struct amdgpu_device *adev = drm_to_adev(crtc->dev);
	drm_object_attach_property(&crtc->base, adev->mode_info.regamma_tf_property,
				   AMDGPU_TRANSFER_FUNCTION_DEFAULT);
	return 0;
}
#endif
"#;
    let m = run(&[
        (
            "drivers/gpu/drm/amd/display/amdgpu_dm/amdgpu_dm_color.c",
            color,
        ),
        (
            "drivers/gpu/drm/amd/display/amdgpu_dm/amdgpu_dm_plane.c",
            plane,
        ),
        (
            "drivers/gpu/drm/amd/display/amdgpu_dm/amdgpu_dm_crtc.c",
            crtc,
        ),
    ]);
    let lut = prop(&m, "amd/display", "AMD_PLANE_DEGAMMA_LUT");
    assert_eq!(
        (lut.kind, lut.attached_to.clone()),
        (PropertyKind::Blob, vec!["plane".to_string()])
    );
    let tf = prop(&m, "amd/display", "AMD_PLANE_DEGAMMA_TF");
    assert_eq!(tf.kind, PropertyKind::Enum);
    assert_eq!(tf.line, 40);
    assert_eq!(tf.function, "amdgpu_dm_create_color_properties");
    assert_eq!(tf.helper, None);
    let tn: Vec<&str> = tf.values.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(tn, vec!["Default", "Identity"]);
    assert_eq!(tf.attached_to, vec!["plane"]);
    assert_eq!(
        prop(&m, "amd/display", "AMD_CRTC_REGAMMA_TF").attached_to,
        vec!["crtc"]
    );
    assert_eq!(m.properties.len(), 3);
    assert_eq!(m.unresolved.len(), 1, "{:?}", m.unresolved);
    let u = &m.unresolved[0];
    assert_eq!(
        (u.line, u.function.as_str()),
        (52, "amdgpu_dm_create_color_properties")
    );
    assert!(u.reason.contains("runtime_name"), "{}", u.reason);
}

/// i915/gma500 SDVO style: a statement macro creates the property from `#name`, through a
/// second macro; nouveau style: a macro takes the name and the value table.
#[test]
fn macro_wrappers() {
    let sdvo = r#"
#define _ENHANCEMENT(state_assignment, name, NAME) do { \
	if (enhancements.name) { \
		if (!intel_sdvo_get_value(intel_sdvo, SDVO_CMD_GET_MAX_##NAME, &data_value, 4)) \
			return false; \
		intel_sdvo_connector->name = \
			drm_property_create_range(dev, 0, #name, 0, data_value[0]); \
		if (!intel_sdvo_connector->name) return false; \
		state_assignment = response; \
		drm_object_attach_property(&connector->base, \
					   intel_sdvo_connector->name, 0); \
	} \
} while (0)

#define ENHANCEMENT(state, name, NAME) _ENHANCEMENT((state)->name, name, NAME)

static bool
intel_sdvo_create_enhance_property_tv(struct intel_sdvo *intel_sdvo)
{
	ENHANCEMENT(&sdvo_state->tv, hpos, HPOS);
	_ENHANCEMENT(conn_state->tv.dot, dot_crawl, DOT_CRAWL);
	return true;
}
"#;
    let nouveau = r#"
struct nouveau_drm_prop_enum_list {
	u8 gen_mask;
	int type;
	char *name;
};

static struct nouveau_drm_prop_enum_list dither_mode[] = {
	{ 0x1f, DITHERING_MODE_AUTO, "auto" },
	{ 0x1f, DITHERING_MODE_OFF, "off" },
	{}
};

#define PROP_ENUM(p,gen,n,list) do {                                           \
	struct nouveau_drm_prop_enum_list *l = (list);                         \
	int c = 0;                                                             \
	if (c) {                                                               \
		p = drm_property_create(dev, DRM_MODE_PROP_ENUM, n, c);        \
		l = (list);                                                    \
		while (p && l->gen_mask) {                                     \
			drm_property_add_enum(p, l->type, l->name);            \
			l++;                                                   \
		}                                                              \
	}                                                                      \
} while(0)

static void
nouveau_display_create_properties(struct drm_device *dev)
{
	PROP_ENUM(disp->dithering_mode, gen, "dithering mode", dither_mode);
}
"#;
    let connector = r#"
int nouveau_conn_attach_properties(struct drm_connector *connector)
{
	drm_object_attach_property(&connector->base, disp->dithering_mode, 0);
	return 0;
}
"#;
    let m = run(&[
        ("drivers/gpu/drm/i915/display/intel_sdvo.c", sdvo),
        ("drivers/gpu/drm/nouveau/nouveau_display.c", nouveau),
        ("drivers/gpu/drm/nouveau/nouveau_connector.c", connector),
    ]);
    let hpos = prop(&m, "i915", "hpos");
    assert_eq!(
        (hpos.kind, hpos.range),
        (PropertyKind::Range, Some((Some(0), None)))
    );
    assert_eq!(
        (hpos.line, hpos.function.as_str()),
        (20, "intel_sdvo_create_enhance_property_tv")
    );
    assert_eq!(hpos.attached_to, vec!["connector"]);
    prop(&m, "i915", "dot_crawl");
    let d = prop(&m, "nouveau", "dithering mode");
    assert_eq!(d.kind, PropertyKind::Enum);
    assert_eq!(names(d), vec![("auto", None), ("off", None)]);
    assert_eq!(d.values[0].expr.as_deref(), Some("DITHERING_MODE_AUTO"));
    assert_eq!(
        (d.line, d.function.as_str()),
        (30, "nouveau_display_create_properties")
    );
    // The macro stores into its parameter `p`, i.e. `disp->dithering_mode`, attached elsewhere.
    assert_eq!(d.attached_to, vec!["connector"]);
    assert_eq!(m.properties.len(), 3);
    assert!(m.unresolved.is_empty(), "{:?}", m.unresolved);
}

#[test]
fn unresolved_names_are_reported() {
    let src = r#"
static int foo_create(struct drm_device *dev, int i)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "prop-%d", i);
	priv->p = drm_property_create_range(dev, 0, buf, 0, 1);
	priv->q = drm_property_create_bool(dev, 0, PREFIX "suffix");
	return 0;
}

static int foo_unused(struct drm_device *dev, const char *name)
{
	return drm_property_create_bool(dev, 0, name) != NULL;
}
"#;
    let m = run(&[("drivers/gpu/drm/foo/foo_kms.c", src)]);
    assert!(m.properties.is_empty());
    let got: Vec<(u32, &str)> = m
        .unresolved
        .iter()
        .map(|u| (u.line, u.function.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![(6, "foo_create"), (7, "foo_create"), (13, "foo_unused")]
    );
    assert!(m.unresolved[0].reason.contains("`buf`"));
    assert!(m.unresolved[2].reason.contains("no call site"));
}

/// The same name created in several places by one owner is one property: values merged, a flag
/// set at some sites only is marked, ranges widened.
#[test]
fn same_owner_sites_merge() {
    let src = r#"
static const struct drm_prop_enum_list dvi[] = { { 0, "Automatic" }, { 1, "DVI-D" } };
static const struct drm_prop_enum_list tv[] = { { 0, "Automatic" }, { 5, "SVIDEO" } };

void a(struct drm_device *dev)
{
	dev->mode_config.dvi_i_select_subconnector_property =
		drm_property_create_enum(dev, 0, "select subconnector", dvi, ARRAY_SIZE(dvi));
	prop = drm_property_create_range(plane->dev, 0, "zpos", 0, 7);
}

void b(struct drm_device *dev)
{
	tv_selector = drm_property_create_enum(dev, 0, "select subconnector", tv, ARRAY_SIZE(tv));
	prop = drm_property_create_range(plane->dev, DRM_MODE_PROP_IMMUTABLE, "zpos", 1, 9);
}
"#;
    let m = run(&[("drivers/gpu/drm/drm_connector.c", src)]);
    let s = prop(&m, "core", "select subconnector");
    assert_eq!(
        names(s),
        vec![
            ("Automatic", Some(0)),
            ("DVI-D", Some(1)),
            ("SVIDEO", Some(5))
        ]
    );
    assert_eq!(
        s.other_sites,
        vec!["drivers/gpu/drm/drm_connector.c:14 in b"]
    );
    let z = prop(&m, "core", "zpos");
    assert_eq!(z.flags, vec!["IMMUTABLE (some sites)"]);
    assert_eq!(z.range, Some((Some(0), Some(9))));
    assert_eq!(m.properties.len(), 2);
}

// ---------------------------------------------------------------------------------------------
// Core helpers and exposures.

const CORE_HELPERS: &str = r#"
static const struct drm_prop_enum_list drm_cp_enum_list[] = {
	{ DRM_MODE_CONTENT_PROTECTION_UNDESIRED, "Undesired" },
	{ DRM_MODE_CONTENT_PROTECTION_DESIRED, "Desired" },
};

int drm_plane_create_zpos_property(struct drm_plane *plane,
				   unsigned int zpos,
				   unsigned int min, unsigned int max)
{
	struct drm_property *prop;

	prop = drm_property_create_range(plane->dev, 0, "zpos", min, max);
	if (!prop)
		return -ENOMEM;

	drm_object_attach_property(&plane->base, prop, zpos);
	plane->zpos_property = prop;
	return 0;
}
EXPORT_SYMBOL(drm_plane_create_zpos_property);

static int create_writeback_properties(struct drm_device *dev)
{
	struct drm_property *prop;

	if (!dev->mode_config.writeback_fb_id_property) {
		prop = drm_property_create_object(dev, DRM_MODE_PROP_ATOMIC,
						  "WRITEBACK_FB_ID",
						  DRM_MODE_OBJECT_FB);
		dev->mode_config.writeback_fb_id_property = prop;
	}
	return 0;
}

int drm_writeback_connector_init_with_encoder(struct drm_device *dev,
					      struct drm_writeback_connector *wb_connector)
{
	struct drm_mode_config *config = &dev->mode_config;
	int ret = create_writeback_properties(dev);

	drm_object_attach_property(&connector->base,
				   config->writeback_fb_id_property, 0);
	return ret;
}

int drm_writeback_connector_init(struct drm_device *dev,
				 struct drm_writeback_connector *wb_connector)
{
	return drm_writeback_connector_init_with_encoder(dev, wb_connector);
}

static void drm_connector_get_cmdline_mode(struct drm_connector *connector)
{
	drm_connector_set_panel_orientation(connector, 1);
}

int drm_connector_init(struct drm_device *dev, struct drm_connector *connector)
{
	drm_connector_get_cmdline_mode(connector);
	return 0;
}

int drm_connector_set_panel_orientation(struct drm_connector *connector, int o)
{
	prop = drm_property_create_enum(dev, DRM_MODE_PROP_IMMUTABLE,
			"panel orientation",
			drm_panel_orientation_enum_list,
			ARRAY_SIZE(drm_panel_orientation_enum_list));
	return 0;
}
"#;

const HDCP_HELPER: &str = r#"
int drm_connector_attach_content_protection_property(
		struct drm_connector *connector, bool hdcp_content_type)
{
	struct drm_device *dev = connector->dev;
	struct drm_property *prop =
			dev->mode_config.content_protection_property;

	if (!prop)
		prop = drm_property_create_enum(dev, 0, "Content Protection",
						drm_cp_enum_list,
						ARRAY_SIZE(drm_cp_enum_list));
	drm_object_attach_property(&connector->base, prop,
				   DRM_MODE_CONTENT_PROTECTION_UNDESIRED);
	dev->mode_config.content_protection_property = prop;
	return 0;
}
"#;

const CORE_HDCP_TABLE: &str = r#"
static const struct drm_prop_enum_list drm_cp_enum_list[] = {
	{ DRM_MODE_CONTENT_PROTECTION_UNDESIRED, "Undesired" },
	{ DRM_MODE_CONTENT_PROTECTION_DESIRED, "Desired" },
	{ DRM_MODE_CONTENT_PROTECTION_ENABLED, "Enabled" },
};
"#;

const DRIVER_VKMS: &str = r#"
static int vkms_plane_props(struct vkms_plane *plane)
{
	return drm_plane_create_zpos_property(&plane->base, 0, 0, 8);
}

/* The driver's own wrapper around a core helper, called from its init. */
static int vkms_wb_init(struct vkms_device *vkmsdev)
{
	return drm_writeback_connector_init(&vkmsdev->drm, &vkmsdev->wb);
}

int vkms_output_init(struct vkms_device *vkmsdev)
{
	drm_connector_init(&vkmsdev->drm, &vkmsdev->connector);
	vkms_plane_props(plane);
	return vkms_wb_init(vkmsdev);
}
"#;

#[test]
fn core_helpers_and_exposures() {
    let m = run(&[
        ("drivers/gpu/drm/drm_blend.c", CORE_HELPERS),
        ("drivers/gpu/drm/display/drm_hdcp_helper.c", HDCP_HELPER),
        ("drivers/gpu/drm/display/drm_hdcp_tables.h", CORE_HDCP_TABLE),
        ("drivers/gpu/drm/vkms/vkms_output.c", DRIVER_VKMS),
    ]);
    let z = prop(&m, "core", "zpos");
    assert_eq!(z.helper.as_deref(), Some("drm_plane_create_zpos_property"));
    assert_eq!(z.range, Some((None, None)));
    assert_eq!(z.attached_to, vec!["plane"]);
    let wb = prop(&m, "core", "WRITEBACK_FB_ID");
    assert_eq!(wb.helper.as_deref(), Some("create_writeback_properties"));
    assert_eq!(wb.attached_to, vec!["connector"]);
    // The display/ helper library is core; its table lives in a header beside it.
    let cp = prop(&m, "core", "Content Protection");
    assert_eq!(cp.values.len(), 3);
    assert_eq!(cp.attached_to, vec!["connector"]);

    let exp: Vec<(&str, &str, u32, &str, Vec<&str>)> = m
        .exposures
        .iter()
        .map(|e| {
            (
                e.owner.as_str(),
                e.helper.as_str(),
                e.line,
                e.function.as_str(),
                e.properties.iter().map(|s| s.as_str()).collect(),
            )
        })
        .collect();
    assert_eq!(
        exp,
        vec![
            (
                "vkms",
                "drm_plane_create_zpos_property",
                4,
                "vkms_plane_props",
                vec!["zpos"]
            ),
            (
                "vkms",
                "drm_writeback_connector_init",
                10,
                "vkms_wb_init",
                vec!["WRITEBACK_FB_ID"]
            ),
        ]
    );
}

/// A core helper whose enum names the driver passes (6.1/6.12 legacy TV "mode"): the values
/// belong to the calling driver.
#[test]
fn caller_supplied_enum_names() {
    let core = r#"
int drm_mode_create_tv_properties_legacy(struct drm_device *dev,
					 unsigned int num_modes,
					 const char * const modes[])
{
	unsigned int i;

	dev->mode_config.legacy_tv_mode_property =
		drm_property_create(dev, DRM_MODE_PROP_ENUM,
				    "mode", num_modes);

	for (i = 0; i < num_modes; i++)
		drm_property_add_enum(dev->mode_config.legacy_tv_mode_property,
				      i, modes[i]);
	return 0;
}
"#;
    let drv = r#"
static const char * const vc4_vec_tv_mode_names[] = {
	[VC4_VEC_TV_MODE_NTSC]		= "NTSC",
	[VC4_VEC_TV_MODE_PAL]		= "PAL",
};

static int vc4_vec_bind(struct device *dev)
{
	ret = drm_mode_create_tv_properties_legacy(drm, ARRAY_SIZE(vc4_vec_tv_mode_names), vc4_vec_tv_mode_names);
	drm_object_attach_property(&vec->connector.base,
				   drm->mode_config.legacy_tv_mode_property, 0);
	return 0;
}
"#;
    let eval_vc4 = |e: &str, _: &str| match e {
        "VC4_VEC_TV_MODE_NTSC" => Some(0),
        "VC4_VEC_TV_MODE_PAL" => Some(3),
        _ => None,
    };
    let files = [
        SourceFile {
            path: "drivers/gpu/drm/drm_connector.c",
            bytes: core.as_bytes(),
        },
        SourceFile {
            path: "drivers/gpu/drm/vc4/vc4_vec.c",
            bytes: drv.as_bytes(),
        },
    ];
    let m = extract(&files, &eval_vc4);
    let core_mode = prop(&m, "core", "mode");
    assert!(core_mode.values.is_empty());
    assert_eq!(core_mode.attached_to, vec!["connector"]);
    let vc4 = prop(&m, "vc4", "mode");
    assert_eq!(names(vc4), vec![("NTSC", Some(0)), ("PAL", Some(3))]);
    assert_eq!(
        vc4.helper.as_deref(),
        Some("drm_mode_create_tv_properties_legacy")
    );
    assert_eq!(
        (vc4.file.as_str(), vc4.line, vc4.function.as_str()),
        ("drivers/gpu/drm/vc4/vc4_vec.c", 9, "vc4_vec_bind")
    );
}

// ---------------------------------------------------------------------------------------------
// Recall baseline.

#[test]
fn grep_finds_literal_names() {
    let src = r#"
/* drm_property_create_bitmask()) called "rotation" in docs */
p = drm_property_create_range(dev, 0, "a b", 0, 1);
p = drm_property_create(dev,
	DRM_MODE_PROP_BLOB | DRM_MODE_PROP_ATOMIC,
	"MULTI"
	"LINE", 0);
p = drm_property_create_enum(dev, f(1, 2), "nested", list, n);
p = drm_property_create_blob(dev, 4, "not a property");
p = drm_property_create_bool(dev, 0, name);
p = my_drm_property_create(dev, 0, "other", 0);
p = drm_property_create_range(dev, 0, PREFIX "x", 0, 1);
struct drm_property *drm_property_create(struct drm_device *dev, u32 flags, const char *name, int n)
"#;
    let files = [SourceFile {
        path: "drivers/gpu/drm/x.c",
        bytes: src.as_bytes(),
    }];
    let got = literal_names_by_grep(&files);
    let want: Vec<&str> = vec!["MULTILINE", "a b", "nested"];
    assert_eq!(got.iter().map(|s| s.as_str()).collect::<Vec<_>>(), want);
}

#[test]
fn extract_covers_grep_on_fixtures() {
    let fixtures: Vec<(&str, &str)> = vec![
        ("drivers/gpu/drm/drm_mode_config.c", CORE_STANDARD),
        ("drivers/gpu/drm/drm_blend.c", CORE_HELPERS),
        ("drivers/gpu/drm/display/drm_hdcp_helper.c", HDCP_HELPER),
    ];
    let files: Vec<SourceFile> = fixtures
        .iter()
        .map(|(p, s)| SourceFile {
            path: p,
            bytes: s.as_bytes(),
        })
        .collect();
    let grep = literal_names_by_grep(&files);
    let m = extract(&files, &eval);
    let got: std::collections::BTreeSet<String> =
        m.properties.iter().map(|p| p.name.clone()).collect();
    assert!(
        grep.is_subset(&got),
        "missed: {:?}",
        grep.difference(&got).collect::<Vec<_>>()
    );
    assert!(grep.len() >= 10);
}

// ---------------------------------------------------------------------------------------------
// Robustness: no panics on odd input.

#[test]
fn odd_inputs_do_not_panic() {
    let mut inputs: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"drm_property_create".to_vec(),
        b"drm_property_create(".to_vec(),
        b"x = drm_property_create_enum(dev, 0, \"a\", t, ARRAY_SIZE(t)".to_vec(),
        b"#define M(a) drm_property_create_range(dev, 0, #a, 0, 1); M(x) M(\"y\") M()".to_vec(),
        b"#define N(a,b) drm_property_create_range(dev, 0, #b, 0, 1)\nvoid f(void){ N(); N(1); drm_property_add_enum(); drm_object_attach_property(); }".to_vec(),
        b"static const char *const t[] = { [X] = \"a\", [".to_vec(),
        b"void f(const char *n){ p = drm_property_create_enum(dev, 0, n, n, 2); f(f); }".to_vec(),
        b"void g(const char *n){ g(n); p = drm_property_create_range(dev, 0, n, n, n); }".to_vec(),
        vec![0xff, 0xfe, b'"', 0x80, b'\n', b'\\'],
        "drm_property_create_range(dev, 0, \"\u{e9}\u{1F600}\", 0, 1);".as_bytes().to_vec(),
    ];
    // Every prefix of a realistic fixture.
    let big = CORE_HELPERS.as_bytes();
    for cut in (0..big.len()).step_by(97) {
        inputs.push(big[..cut].to_vec());
    }
    // Pseudo-random bytes from a tiny LCG over a C-ish alphabet.
    let alphabet = b"drm_property_create_range(){}[];,\"#\\\n =*&->.0123456789abcdefMACRO";
    let mut x: u64 = 0x2545F4914F6CDD1D;
    for _ in 0..40 {
        let mut v = Vec::new();
        for _ in 0..400 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            v.push(alphabet[(x >> 33) as usize % alphabet.len()]);
        }
        inputs.push(v);
    }
    for input in &inputs {
        let files = [
            SourceFile {
                path: "drivers/gpu/drm/drm_x.c",
                bytes: input,
            },
            SourceFile {
                path: "drivers/gpu/drm/foo/foo.c",
                bytes: input,
            },
            SourceFile {
                path: "",
                bytes: input,
            },
        ];
        let m = extract(&files, &eval);
        let _ = literal_names_by_grep(&files);
        let _ = diff(&m, &KmsModel::default());
    }
}

// ---------------------------------------------------------------------------------------------
// Diff.

const DIFF_OLD_CORE: &str = r#"
static const struct drm_prop_enum_list dp_colorspaces[] = {
	{ DRM_MODE_COLORIMETRY_DEFAULT, "Default" },
	{ DRM_MODE_COLORIMETRY_RGB_WIDE_FIXED, "RGB_Wide_Gamut_Fixed_Point" },
	{ DRM_MODE_COLORIMETRY_RGB_WIDE_FLOAT, "RGB_Wide_Gamut_Floating_Point" },
	{ DRM_MODE_COLORIMETRY_BT709_YCC, "BT709_YCC" },
};
static const struct drm_prop_enum_list drm_dpms_enum_list[] = {
	{ DRM_MODE_DPMS_ON, "On" },
	{ DRM_MODE_DPMS_OFF, "Off" },
	{ UNKNOWN_A, "Gone" },
	{ UNKNOWN_B, "OldSpelling" },
};

int drm_mode_create_dp_colorspace_property(struct drm_connector *connector)
{
	connector->colorspace_property =
		drm_property_create_enum(dev, DRM_MODE_PROP_ENUM, "Colorspace",
					 dp_colorspaces,
					 ARRAY_SIZE(dp_colorspaces));
	return 0;
}

int drm_connector_create_standard_properties(struct drm_device *dev)
{
	prop = drm_property_create_enum(dev, 0, "DPMS", drm_dpms_enum_list, ARRAY_SIZE(drm_dpms_enum_list));
	prop = drm_property_create_range(dev, 0, "max bpc", 0, 12);
	prop = drm_property_create_range(dev, 0, "becomes enum", 0, 1);
	prop = drm_property_create_bool(dev, 0, "non-desktop");
	prop = drm_property_create_range(dev, 0, "dropped", 0, 1);
	return 0;
}
"#;

const DIFF_NEW_CORE: &str = r#"
static const char * const colorspace_names[] = {
	[DRM_MODE_COLORIMETRY_DEFAULT] = "Default",
	[DRM_MODE_COLORIMETRY_BT709_YCC] = "BT709_YCC",
	[DRM_MODE_COLORIMETRY_RGB_WIDE_FIXED] = "RGB_WIDE_FIXED",
	[DRM_MODE_COLORIMETRY_RGB_WIDE_FLOAT] = "RGB_WIDE_FLOAT",
};
static const struct drm_prop_enum_list drm_dpms_enum_list[] = {
	{ DRM_MODE_DPMS_ON, "On" },
	{ 4, "Off" },
	{ UNKNOWN_B, "NewSpelling" },
	{ DRM_MODE_DPMS_OFF, "Suspend" },
};
static const struct drm_prop_enum_list some_list[] = { { 0, "a" } };

static int drm_mode_create_colorspace_property(struct drm_connector *connector, u32 supported)
{
	struct drm_prop_enum_list enum_list[DRM_MODE_COLORIMETRY_COUNT];
	for (i = 0; i < DRM_MODE_COLORIMETRY_COUNT; i++) {
		enum_list[len].type = i;
		enum_list[len].name = colorspace_names[i];
		len++;
	}
	connector->colorspace_property =
		drm_property_create_enum(dev, DRM_MODE_PROP_ENUM, "Colorspace", enum_list, len);
	return 0;
}

int drm_connector_create_standard_properties(struct drm_device *dev)
{
	prop = drm_property_create_enum(dev, 0, "DPMS", drm_dpms_enum_list, ARRAY_SIZE(drm_dpms_enum_list));
	prop = drm_property_create_range(dev, 0, "max bpc", 0, 16);
	prop = drm_property_create_enum(dev, 0, "becomes enum", some_list, 1);
	prop = drm_property_create_bool(dev, DRM_MODE_PROP_IMMUTABLE, "non-desktop");
	prop = drm_property_create(dev, DRM_MODE_PROP_IMMUTABLE | DRM_MODE_PROP_BLOB, "SIZE_HINTS", 0);
	return 0;
}
"#;

const DIFF_VMW: &str = r#"
void vmw_kms_create_hotplug_mode_update_property(struct vmw_private *dev_priv)
{
	dev_priv->hotplug_mode_update_property =
		drm_property_create_range(&dev_priv->drm, DRM_MODE_PROP_IMMUTABLE,
					  "hotplug_mode_update", 0, 1);
}
"#;

const DIFF_QXL: &str = r#"
static int qxl_mode_create_hotplug_mode_update_property(struct qxl_device *qdev)
{
	qdev->hotplug_mode_update_property =
		drm_property_create_range(&qdev->ddev, DRM_MODE_PROP_IMMUTABLE,
					  "hotplug_mode_update", 0, 1);
	return 0;
}
"#;

const DIFF_RCAR: &str = r#"
static int rcar_du_properties_init(struct rcar_du_device *rcdu)
{
	rcdu->props.colorkey =
		drm_property_create_range(&rcdu->ddev, 0, "colorkey",
					  0, 0x01ffffff);
	return 0;
}
"#;

fn diff_models() -> (KmsModel, KmsModel) {
    let old = run(&[
        ("drivers/gpu/drm/drm_connector.c", DIFF_OLD_CORE),
        ("drivers/gpu/drm/vmwgfx/vmwgfx_kms.c", DIFF_VMW),
        ("drivers/gpu/drm/rcar-du/rcar_du_kms.c", DIFF_RCAR),
    ]);
    let new = run(&[
        ("drivers/gpu/drm/drm_connector.c", DIFF_NEW_CORE),
        ("drivers/gpu/drm/vmwgfx/vmwgfx_kms.c", DIFF_VMW),
        ("drivers/gpu/drm/qxl/qxl_display.c", DIFF_QXL),
        ("drivers/gpu/drm/renesas/rcar-du/rcar_du_kms.c", DIFF_RCAR),
    ]);
    (old, new)
}

#[test]
fn diff_classifies_changes() {
    let (old, new) = diff_models();
    let mut changes = diff(&old, &new);
    changes.iter_mut().for_each(crate::rules::set_severity);
    let got: Vec<(&str, &str, &str, bool, bool)> = changes
        .iter()
        .map(|c| {
            (
                c.change.as_str(),
                c.rule.as_str(),
                c.id.as_str(),
                c.breaking,
                c.needs_userspace,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "changed",
                "kms-value-renamed",
                "property_value:core:Colorspace:RGB_WIDE_FIXED",
                true,
                false
            ),
            (
                "changed",
                "kms-value-renamed",
                "property_value:core:Colorspace:RGB_WIDE_FLOAT",
                true,
                false
            ),
            (
                "changed",
                "kms-property-changed",
                "property_value:core:DPMS:Off",
                true,
                false
            ),
            (
                "removed",
                "kms-value-removed",
                "property_value:core:DPMS:Gone",
                true,
                false
            ),
            (
                "changed",
                "kms-value-renamed",
                "property_value:core:DPMS:NewSpelling",
                true,
                false
            ),
            (
                "added",
                "kms-value-added",
                "property_value:core:DPMS:Suspend",
                false,
                true
            ),
            (
                "added",
                "kms-property-added",
                "property:core:SIZE_HINTS",
                false,
                true
            ),
            (
                "changed",
                "kms-property-changed",
                "property:core:becomes enum",
                true,
                false
            ),
            (
                "removed",
                "kms-property-removed",
                "property:core:dropped",
                true,
                false
            ),
            (
                "changed",
                "kms-property-changed",
                "property:core:max bpc",
                true,
                false
            ),
            (
                "changed",
                "kms-property-changed",
                "property:core:non-desktop",
                true,
                false
            ),
            (
                "added",
                "kms-property-adopted",
                "property:qxl:hotplug_mode_update",
                false,
                true
            ),
        ]
    );
    // Locations: new side for added/changed, old side for removed.
    let removed = changes
        .iter()
        .find(|c| c.id == "property:core:dropped")
        .unwrap();
    assert_eq!(
        (removed.file.as_str(), removed.line),
        ("drivers/gpu/drm/drm_connector.c", 30)
    );
    let added = changes
        .iter()
        .find(|c| c.id == "property:core:SIZE_HINTS")
        .unwrap();
    assert_eq!(
        (added.line, added.owner.as_deref(), added.parent.as_deref()),
        (35, Some("core"), None)
    );
    let v = changes
        .iter()
        .find(|c| c.id == "property_value:core:DPMS:Suspend")
        .unwrap();
    assert_eq!(
        (v.kind, v.parent.as_deref(), v.line),
        (crate::change::ItemKind::PropertyValue, Some("DPMS"), 31)
    );
    insta::with_settings!({ snapshot_path => "../../snapshots", prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_json_snapshot!("kms_diff_fixture", changes);
    });
}

#[test]
fn diff_of_identical_models_is_empty() {
    let (old, _) = diff_models();
    assert!(diff(&old, &old).is_empty());
}

#[test]
fn model_snapshot() {
    let (_, new) = diff_models();
    insta::with_settings!({ snapshot_path => "../../snapshots", prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_json_snapshot!("kms_model_fixture", new);
    });
}

/// A core function returning the property it creates (SCALING_FILTER style): attachments are
/// followed at its callers.
#[test]
fn returned_property_is_followed_to_callers() {
    let src = r#"
static const struct drm_prop_enum_list filters[] = {
	{ DRM_SCALING_FILTER_DEFAULT, "Default" },
	{ DRM_SCALING_FILTER_NEAREST_NEIGHBOR, "Nearest Neighbor" },
};

static struct drm_property *
drm_create_scaling_filter_prop(struct drm_device *dev, unsigned int supported_filters)
{
	struct drm_property *prop;
	int i;

	prop = drm_property_create(dev, DRM_MODE_PROP_ENUM,
				   "SCALING_FILTER",
				   hweight32(supported_filters));
	for (i = 0; i < ARRAY_SIZE(filters); i++)
		drm_property_add_enum(prop, filters[i].type, filters[i].name);
	return prop;
}

int drm_plane_create_scaling_filter_property(struct drm_plane *plane, unsigned int supported_filters)
{
	struct drm_property *prop =
		drm_create_scaling_filter_prop(plane->dev, supported_filters);

	drm_object_attach_property(&plane->base, prop, DRM_SCALING_FILTER_DEFAULT);
	plane->scaling_filter_property = prop;
	return 0;
}

int drm_crtc_create_scaling_filter_property(struct drm_crtc *crtc, unsigned int supported_filters)
{
	struct drm_property *prop =
		drm_create_scaling_filter_prop(crtc->dev, supported_filters);

	drm_object_attach_property(&crtc->base, prop, DRM_SCALING_FILTER_DEFAULT);
	return 0;
}
"#;
    let m = run(&[("drivers/gpu/drm/drm_plane.c", src)]);
    let p = prop(&m, "core", "SCALING_FILTER");
    assert_eq!(p.kind, PropertyKind::Enum);
    assert_eq!(p.values.len(), 2);
    assert_eq!(p.attached_to, vec!["crtc", "plane"]);
    assert_eq!(p.helper.as_deref(), Some("drm_create_scaling_filter_prop"));
}

#[test]
fn regions_cover_the_enclosing_function() {
    let src = b"static int a(void)\n{\n\treturn 0;\n}\n\n/* doc */\nint b(void)\n{\n\tif (x) {\n\t\tcall();\n\t}\n\treturn 1;\n}\n\nint c(void)\n{\n}\n";
    let pos = memchr::memmem::find(src, b"call").unwrap();
    let r = parse::regions_around(src, &[pos]);
    assert_eq!(r.len(), 1);
    let text = std::str::from_utf8(&src[r[0].0..r[0].1]).unwrap();
    assert!(text.starts_with("\n/* doc */\nint b(void)"), "{text:?}");
    assert!(text.ends_with("return 1;\n}\n"), "{text:?}");
    assert_eq!(
        parse::regions_around(src, &[0, src.len()]),
        vec![(0, 34), (src.len(), src.len())]
    );
    assert!(parse::regions_around(b"", &[5]).iter().all(|r| r.0 <= r.1));
}

/// Driver files that only call helpers are parsed around the calls: lines and functions stay
/// right, and a helper found in a later round is picked up in an already region-parsed file.
#[test]
fn exposures_in_large_driver_files() {
    let mut drv = String::new();
    for i in 0..40 {
        drv.push_str(&format!(
            "static int filler_{i}(struct foo *f)\n{{\n\treturn f->x + {i};\n}}\n\n"
        ));
    }
    drv.push_str("int foo_planes(struct drm_plane *plane)\n{\n\treturn drm_plane_create_zpos_property(plane, 0, 0, 3);\n}\n\n");
    for i in 40..80 {
        drv.push_str(&format!(
            "static int filler_{i}(struct foo *f)\n{{\n\treturn f->x + {i};\n}}\n\n"
        ));
    }
    drv.push_str("int foo_wb(struct drm_device *dev)\n{\n\treturn drm_writeback_connector_init(dev, wb);\n}\n\n");
    for i in 80..120 {
        drv.push_str(&format!(
            "static int filler_{i}(struct foo *f)\n{{\n\treturn f->x + {i};\n}}\n\n"
        ));
    }
    drv.push_str(
        "int foo_pipe(struct drm_plane *plane)\n{\n\treturn drm_simple_pipe_init(plane);\n}\n",
    );
    let line_of = |needle: &str| drv[..drv.find(needle).unwrap()].matches('\n').count() as u32 + 1;
    let (l1, l2, l3) = (
        line_of("drm_plane_create_zpos_property"),
        line_of("drm_writeback_connector_init"),
        line_of("drm_simple_pipe_init"),
    );
    // A core file without creation or attach calls: its helper is only known after a round.
    let simple = "int drm_simple_pipe_init(struct drm_plane *p)\n{\n\treturn drm_plane_create_zpos_property(p, 0, 0, 1);\n}\n";
    let m = run(&[
        ("drivers/gpu/drm/drm_blend.c", CORE_HELPERS),
        ("drivers/gpu/drm/drm_simple_kms_helper.c", simple),
        ("drivers/gpu/drm/foo/foo_drv.c", &drv),
    ]);
    let exp: Vec<(&str, u32, &str)> = m
        .exposures
        .iter()
        .map(|e| (e.helper.as_str(), e.line, e.function.as_str()))
        .collect();
    assert_eq!(
        exp,
        vec![
            ("drm_plane_create_zpos_property", l1, "foo_planes"),
            ("drm_writeback_connector_init", l2, "foo_wb"),
            ("drm_simple_pipe_init", l3, "foo_pipe"),
        ]
    );
    assert_eq!(m.exposures[2].properties, vec!["zpos"]);
}

/// Without an evaluator, renamed values still pair by the value expression as written.
#[test]
fn diff_pairs_renames_by_expression_without_eval() {
    let none = |_: &str, _: &str| None;
    let old_files = [SourceFile {
        path: "drivers/gpu/drm/drm_connector.c",
        bytes: DIFF_OLD_CORE.as_bytes(),
    }];
    let new_files = [SourceFile {
        path: "drivers/gpu/drm/drm_connector.c",
        bytes: DIFF_NEW_CORE.as_bytes(),
    }];
    let (old, new) = (extract(&old_files, &none), extract(&new_files, &none));
    let changes = diff(&old, &new);
    let renamed: Vec<(&str, Option<&str>)> = changes
        .iter()
        .filter(|c| c.rule == "kms-value-renamed")
        .map(|c| (c.name.as_str(), c.old_decl.as_deref()))
        .collect();
    assert_eq!(
        renamed,
        vec![
            (
                "RGB_WIDE_FIXED",
                Some("\"RGB_Wide_Gamut_Fixed_Point\" = DRM_MODE_COLORIMETRY_RGB_WIDE_FIXED")
            ),
            (
                "RGB_WIDE_FLOAT",
                Some("\"RGB_Wide_Gamut_Floating_Point\" = DRM_MODE_COLORIMETRY_RGB_WIDE_FLOAT")
            ),
            ("NewSpelling", Some("\"OldSpelling\" = UNKNOWN_B")),
        ]
    );
}

/// A cache shared by extractions (the two sides of a diff, a history's revisions) changes no
/// result: each revision extracted through it, in turn and again, equals its own uncached
/// extraction, whether its files are parsed whole or only around helper calls (the round below
/// parses `foo_drv.c` in part). Content ids stand for git blob ids: equal bytes, equal id.
#[test]
fn extraction_through_a_shared_parse_cache_is_the_same() {
    let drv = "static void foo_planes(struct drm_plane *p)\n{\n\tdrm_plane_create_zpos_property(p, 1, 0, 3);\n}\n";
    let simple = "int drm_simple_pipe_init(struct drm_plane *p)\n{\n\treturn drm_plane_create_zpos_property(p, 0, 0, 1);\n}\n";
    let revisions: [Vec<(&str, &str)>; 2] = [
        vec![
            ("drivers/gpu/drm/drm_blend.c", CORE_HELPERS),
            ("drivers/gpu/drm/drm_connector.c", DIFF_OLD_CORE),
            ("drivers/gpu/drm/foo/foo_drv.c", drv),
        ],
        vec![
            ("drivers/gpu/drm/drm_blend.c", CORE_HELPERS),
            ("drivers/gpu/drm/drm_connector.c", DIFF_NEW_CORE),
            ("drivers/gpu/drm/drm_simple_kms_helper.c", simple),
            ("drivers/gpu/drm/foo/foo_drv.c", drv),
        ],
    ];
    // Each distinct content its own id, as git's blob ids are.
    let contents = [CORE_HELPERS, DIFF_OLD_CORE, DIFF_NEW_CORE, simple, drv];
    let id_of = |bytes: &str| -> ContentId {
        let mut id = [0u8; 20];
        id[0] = contents
            .iter()
            .position(|c| *c == bytes)
            .expect("a listed content") as u8;
        id
    };
    let ids_of = |files: &[(&str, &str)]| -> Vec<ContentId> {
        files.iter().map(|(_, s)| id_of(s)).collect()
    };
    let cache = ParsedFiles::default();
    for (i, files) in revisions.iter().chain(revisions.iter()).enumerate() {
        let src = sources(files);
        let ids = ids_of(files);
        let cached = extract_cached(&src, &ids, &eval, &cache);
        let own = extract(&src, &eval);
        assert!(!own.properties.is_empty());
        assert_eq!(cached, own);
        // Prepared beside the model (`prepare_cached`), then resolved: the same.
        let prepared = prepare_cached(&src, &ids, &cache);
        assert_eq!(extract_prepared(&src, &ids, prepared, &eval, &cache), own);
        // Prepared from the other revision's files: these are extracted from the start.
        let other = &revisions[(i + 1) % 2];
        let prepared = prepare_cached(&sources(other), &ids_of(other), &cache);
        assert_eq!(extract_prepared(&src, &ids, prepared, &eval, &cache), own);
    }
}
