//! The layout of a struct or union as gcc computes it for the arch: member offsets, bitfields,
//! `packed`, `aligned`, `#pragma pack`, flexible arrays, anonymous members flattened; memoized.

use super::*;

impl<'p, 'a> Types<'p, 'a> {
    pub fn record_layout(&self, r: &Record, file: usize) -> Result<Rc<RecordLayout>, Reason> {
        let key = addr(r);
        match self.record_memo.borrow().get(&key) {
            Some(Memo::Done(v)) => return v.clone(),
            Some(Memo::InProgress) => return Err("the type contains itself".into()),
            None => {}
        }
        self.record_memo.borrow_mut().insert(key, Memo::InProgress);
        let layout = self.compute_record(r, file).map(Rc::new);
        self.record_memo
            .borrow_mut()
            .insert(key, Memo::Done(layout.clone()));
        layout
    }

    pub(super) fn compute_record(&self, r: &Record, file: usize) -> Result<RecordLayout, Reason> {
        let scope = self.macros(file);
        let mut live = Vec::new();
        live_members(&r.members, &scope, self.arch.data_model, &mut live);
        let is_union = r.kind == RecordKind::Union;
        let mut bit: u64 = 0;
        let mut size_bits: u64 = 0;
        let mut align: u64 = 1;
        let mut fields = Vec::new();
        for node in live {
            let f = match node {
                Node::Field(f) => f,
                Node::MacroMember { name, span, .. } => {
                    return Err(format!(
                        "member macro `{name}` at line {} could not be expanded",
                        span.line
                    )
                    .into())
                }
                _ => continue,
            };
            let label = f.name.as_deref().unwrap_or("<anonymous>");
            let tl = self
                .type_layout(&f.ty, file)
                .map_err(|e| e.within(format!("field `{label}`")))?;
            let packed = r.attrs.packed || f.attrs.packed;
            let mut falign = if packed { 1 } else { tl.align };
            if let Some(&pack) = self.packs.get(&addr(r)) {
                falign = falign.min(pack);
            }
            if let Some(a) = &f.attrs.aligned {
                falign = falign.max(self.alignment(a, file)?);
            }
            if is_union {
                bit = 0;
            }
            let (offset, bits) = match &f.bit_width {
                Some(w) => {
                    let width = self
                        .eval_u64(w, file)
                        .map_err(|e| e.within(format!("bitfield `{label}`")))?;
                    let size_unit = tl.size.max(1) * 8;
                    let start = match self.arch.bitfields {
                        BitfieldLayout::TypeUnits => {
                            // A bitfield may not straddle a storage unit of its type's size; when
                            // it would, it moves to the next boundary of its type's alignment
                            // (which differ for i386's 8-byte, 4-byte-aligned `long long`).
                            let align_unit = tl.align.max(1) * 8;
                            if width == 0 {
                                bit = bit.div_ceil(align_unit) * align_unit;
                                continue;
                            }
                            while !packed
                                && width <= size_unit
                                && (bit % size_unit) + width > size_unit
                            {
                                bit = (bit / align_unit + 1) * align_unit;
                            }
                            if f.name.is_some() {
                                align = align.max(falign);
                            }
                            bit
                        }
                        BitfieldLayout::Packed { zero_width_align } => {
                            if width == 0 {
                                bit = bit.div_ceil(zero_width_align * 8) * zero_width_align * 8;
                                align = align.max(zero_width_align);
                                continue;
                            }
                            // One that fills an integer mode (8, 16, 32, 64 bits) at a boundary
                            // of that mode's alignment is laid out as a plain member of that mode
                            // (gcc's layout_decl), which the record's alignment follows.
                            let mode_align = self.arch.scalar_align(width / 8);
                            if matches!(width, 8 | 16 | 32 | 64)
                                && width <= size_unit
                                && !packed
                                && bit % (mode_align * 8) == 0
                            {
                                align = align.max(mode_align);
                            }
                            bit
                        }
                    };
                    bit += width;
                    (
                        start / 8,
                        Some(BitField {
                            bit_offset: start,
                            width,
                        }),
                    )
                }
                None => {
                    bit = bit.div_ceil(falign * 8) * falign * 8;
                    let start = bit;
                    bit += tl.size * 8;
                    align = align.max(falign);
                    (start / 8, None)
                }
            };
            size_bits = size_bits.max(bit);
            self.push_fields(f, offset, tl, bits, file, &mut fields)?;
        }
        if let Some(a) = &r.attrs.aligned {
            align = align.max(self.alignment(a, file)?);
        }
        let bytes = size_bits.div_ceil(8);
        Ok(RecordLayout {
            size: bytes.div_ceil(align) * align,
            align,
            fields,
        })
    }

    /// Records a member, and the members of an in-place anonymous-type member under it.
    pub(super) fn push_fields(
        &self,
        f: &Field,
        offset: u64,
        tl: TypeLayout,
        bits: Option<BitField>,
        file: usize,
        out: &mut Vec<FieldLayout>,
    ) -> Result<(), Reason> {
        let inner = match (&f.ty.base, f.ty.derived.is_empty()) {
            (
                BaseType::Record {
                    def: Some(def),
                    name: None,
                    ..
                },
                true,
            ) => Some(self.record_layout(def, file)?),
            _ => None,
        };
        match (&f.name, inner) {
            (None, Some(inner)) => {
                for sub in &inner.fields {
                    out.push(sub.moved_by(offset));
                }
            }
            (Some(name), inner) => {
                out.push(FieldLayout {
                    name: name.clone(),
                    offset,
                    size: tl.size,
                    ty: f.ty.display(),
                    bits,
                    line: f.span.line,
                    decl: f.declaration().unwrap_or_default(),
                });
                for sub in inner.iter().flat_map(|i| i.fields.iter()) {
                    out.push(FieldLayout {
                        name: format!("{name}.{}", sub.name),
                        ..sub.moved_by(offset)
                    });
                }
            }
            (None, None) => {} // unnamed bitfield or padding-only member
        }
        Ok(())
    }
}

impl FieldLayout {
    /// The member as seen from a record that holds its own at byte `offset`.
    pub(super) fn moved_by(&self, offset: u64) -> FieldLayout {
        FieldLayout {
            offset: self.offset + offset,
            bits: self.bits.map(|b| BitField {
                bit_offset: b.bit_offset + offset * 8,
                ..b
            }),
            ..self.clone()
        }
    }
}

impl RecordLayout {
    pub(super) fn as_type(&self) -> TypeLayout {
        TypeLayout {
            size: self.size,
            align: self.align,
            scalar: None,
            pointer: false,
        }
    }
}

pub(super) fn kind_word(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Struct => "struct",
        RecordKind::Union => "union",
    }
}
