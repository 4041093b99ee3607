//! A `#define`'s facts: an integer constant, an ioctl number with its direction, size and argument
//! type, or why it is not an integer (a string, a type, an initializer…) or is unresolved.

use super::*;

/// The macros whose values give an ioctl's direction bits, read, then write.
pub(super) const IOCTL_DIRECTION_BITS: [&str; 2] = ["_IOC_READ", "_IOC_WRITE"];

/// Macros whose invocation makes a define an ioctl request number.
pub(super) const IOCTL_MACROS: &[&str] = &[
    "_IOC",
    "_IO",
    "_IOR",
    "_IOW",
    "_IOWR",
    "_IOR_BAD",
    "_IOW_BAD",
    "_IOWR_BAD",
];

/// Of those, the ones whose third argument is the argument type.
pub(super) const IOCTL_TYPED: &[&str] =
    &["_IOR", "_IOW", "_IOWR", "_IOR_BAD", "_IOW_BAD", "_IOWR_BAD"];

impl Lister<'_, '_, '_, '_> {
    pub(super) fn defines(&mut self) {
        let unit = self.types.pp.units[self.file]
            .as_ref()
            .expect("all units built");
        let guards = include_guards(&self.parsed.nodes);
        for d in &unit.defines {
            // Include guards are not uAPI (headers_install even renames the `_UAPI` ones).
            if guards.contains(d.name.as_str()) {
                continue;
            }
            // Rebuilt rather than sliced: the parsed source has comments blanked and whitespace
            // moved inside directives.
            let body = d.body.split_whitespace().collect::<Vec<_>>().join(" ");
            let decl = format!(
                "#define {}{} {body}",
                d.name,
                d.params
                    .as_ref()
                    .map(|p| format!("({})", p.join(", ")))
                    .unwrap_or_default()
            )
            .trim_end()
            .to_string();
            let text = normalized(&d.body);
            if text.is_empty() {
                let facts = Facts::Value {
                    value: None,
                    text,
                    unresolved: None,
                    non_integer: Some(NonInteger::Empty),
                    context: None,
                    configured: Vec::new(),
                };
                self.put(ItemKind::Define, None, &d.name, d.span.line, facts, decl);
                continue;
            }
            // Evaluated through its name, as code that uses it sees it: `#define X (X - 1)` after an
            // enumerator X is one less than the enumerator, not two.
            let mut constant = self.constant(&d.name, text);
            if let (Facts::Value { configured, .. }, Some(symbols)) =
                (&mut constant.1, unit.configured.get(&d.name))
            {
                configured.clone_from(symbols);
            }
            self.put_constant(constant, &d.name, d.span.line, decl);
        }
    }

    /// The value of a define (given by name) or enumerator (given by its expression): an ioctl if
    /// its expansion goes through `_IOC`. What its own header cannot compute for want of a macro or
    /// constant is computed as a header that includes it sees it, when one does (with the same
    /// definition of the name). With the cause of unresolved facts.
    pub(super) fn constant(&self, expr: &str, text: String) -> (ItemKind, Facts, Option<Cause>) {
        let mut file = self.file;
        let mut result = self.types.eval(expr, file, IOCTL_MACROS);
        if result
            .as_ref()
            .is_err_and(|e| matches!(e.cause(), Cause::MissingMacro(_)))
        {
            self.consulted
                .borrow_mut()
                .includers
                .insert(self.path.to_string());
            let own =
                cpp::MacroTable::get(&self.types.macros(self.file), expr).map(|m| m as *const _);
            for &g in &self.includers[self.file] {
                let same_definition =
                    cpp::MacroTable::get(&self.types.macros(g), expr).map(|m| m as *const _) == own;
                if !same_definition {
                    continue;
                }
                if let Ok(found) = self.types.eval(expr, g, IOCTL_MACROS) {
                    file = g;
                    result = Ok(found);
                    break;
                }
            }
        }
        let context = (file != self.file).then(|| self.types.pp.paths[file].clone());
        let ioctl = match &result {
            Ok((_, expansion)) => expansion.invocations.iter().any(|i| i.name == "_IOC"),
            // An unresolved body that still names an ioctl macro is an ioctl of unknown number.
            Err(_) => cpp::tokenize(expr)
                .map(|toks| self.reaches_ioctl_macro(&toks))
                .unwrap_or(false),
        };
        if !ioctl {
            return match result {
                Ok((v, _)) => (
                    ItemKind::Define,
                    Facts::Value {
                        value: Some(v.value),
                        text,
                        unresolved: None,
                        non_integer: None,
                        context,
                        configured: Vec::new(),
                    },
                    None,
                ),
                Err(e) => {
                    let non_integer = self.non_integer(expr, &e);
                    let cause = non_integer.is_none().then(|| e.cause().clone());
                    (
                        ItemKind::Define,
                        Facts::Value {
                            value: None,
                            text,
                            unresolved: non_integer.is_none().then(|| e.to_string()),
                            non_integer,
                            context: None,
                            configured: Vec::new(),
                        },
                        cause,
                    )
                }
            };
        }
        let cause = result.as_ref().err().map(|e| e.cause().clone());
        (
            ItemKind::Ioctl,
            self.ioctl_facts(expr, result, file, context),
            cause,
        )
    }

    /// Why a constant that failed to evaluate is no integer constant at all, if it is not: its
    /// expansion is a string, a floating constant, a brace initializer, a compound literal, a
    /// pointer, or a type (`#define __kernel_ipc_pid_t __kernel_ipc_pid_t` after its typedef).
    pub(super) fn non_integer(&self, expr: &str, error: &CppError) -> Option<NonInteger> {
        if let Cause::NotInteger(what) = error.cause() {
            return Some(match what {
                NotInteger::String => NonInteger::String,
                NotInteger::Floating => NonInteger::FloatingPoint,
                NotInteger::CompoundLiteral => NonInteger::CompoundLiteral,
                NotInteger::Pointer => NonInteger::Pointer,
                NotInteger::Initializer => NonInteger::Initializer,
                NotInteger::Empty => NonInteger::Empty,
            });
        }
        let tokens = cpp::tokenize(expr).ok()?;
        let expansion = cpp::expand(&tokens, &self.types.macros(self.file), &[]).ok()?;
        let member_path = expansion
            .tokens
            .iter()
            .any(|t| matches!(&*t.text, "." | "->"))
            && expansion.tokens.iter().all(|t| {
                matches!(t.kind, cpp::TokenKind::Ident | cpp::TokenKind::Number)
                    || matches!(&*t.text, "." | "->" | "[" | "]")
            });
        if member_path {
            // `#define ifr_name ifr_ifrn.ifrn_name`: a short name for a member.
            return Some(NonInteger::MemberAlias);
        }
        let tokens = &expansion.tokens;
        let scope = self.types.macros(self.file);
        if let Some([only]) = cpp::MacroTable::get(&scope, expr).map(|d| d.body.as_slice()) {
            if *only.text == *expr {
                // `#define __arch_swab32 __arch_swab32`: names the function of that name.
                return Some(NonInteger::FunctionOrObject);
            }
        }
        let at_top_level = |text: &str| cpp::find_top_level(tokens, text).is_some();
        if at_top_level(";") {
            // `__HANDLE_ITEM(tx); __HANDLE_ITEM(rx);`: code to paste into a definition.
            return Some(NonInteger::Statements);
        }
        if at_top_level(",") && matches!(error, CppError::Syntax(_)) {
            // map_to_7segment.h's `0,0,0,…,`: part of an array initializer.
            return Some(NonInteger::Initializer);
        }
        if let [name] = tokens.as_slice() {
            if self.types.is_tag(&name.text, self.file) {
                // `#define ipt_counters xt_counters`, used as `struct ipt_counters`.
                return Some(NonInteger::Tag);
            }
        }
        if let [ty @ .., name] = tokens.as_slice() {
            if !ty.is_empty()
                && name.kind == cpp::TokenKind::Ident
                && self.types.type_from_tokens(ty, self.file).is_some()
            {
                // `#define SEQ_PM_DEFINES int __foo_bar___`: a declaration.
                return Some(NonInteger::Declaration);
            }
        }
        match self.types.type_from_tokens(&expansion.tokens, self.file) {
            Some(_) => Some(NonInteger::Type),
            None if expansion
                .tokens
                .first()
                .is_some_and(|t| t.text.starts_with("__attribute")) =>
            {
                Some(NonInteger::Attribute)
            }
            None => None,
        }
    }

    pub(super) fn reaches_ioctl_macro(&self, toks: &[Token]) -> bool {
        let scope = self.types.macros(self.file);
        // Expansion fails as a whole when an argument is unresolved; look at what is invoked.
        match cpp::expand(toks, &scope, IOCTL_MACROS) {
            Ok(e) => e
                .invocations
                .iter()
                .any(|i| IOCTL_MACROS.contains(&i.name.as_str())),
            Err(_) => false,
        }
    }

    /// An ioctl's facts, its arguments evaluated in `file` (its own header, or the includer whose
    /// path is `context`).
    pub(super) fn ioctl_facts(
        &self,
        expr: &str,
        result: Result<(cpp::Value, cpp::Expansion), CppError>,
        file: usize,
        context: Option<String>,
    ) -> Facts {
        let (number, expansion, unresolved) = match result {
            Ok((v, e)) => (u64::try_from(v.value).ok(), Some(e), None),
            // The fields that do not depend on what failed (usually the struct's size) still count.
            Err(e) => (
                None,
                self.types.eval_keeping_expansion(expr, file, IOCTL_MACROS),
                Some(e.to_string()),
            ),
        };
        let ioc = expansion
            .as_ref()
            .and_then(|e| e.invocations.iter().find(|i| i.name == "_IOC"));
        let arg = |i: usize| -> Option<u64> {
            let toks = ioc?.expanded_args.get(i)?;
            self.types
                .eval(&cpp::tokens_to_string(toks), file, &[])
                .ok()
                .and_then(|(v, _)| u64::try_from(v.value).ok())
        };
        let arg_type = expansion.as_ref().and_then(|e| {
            e.invocations
                .iter()
                .find(|i| IOCTL_TYPED.contains(&i.name.as_str()))
                .and_then(|i| i.raw_args.get(2))
                .map(|t| cpp::tokens_to_string(t))
        });
        Facts::Ioctl {
            number,
            dir: arg(0).map(|d| self.direction(d, file)),
            ioc_type: arg(1),
            nr: arg(2),
            size: arg(3),
            arg_type,
            spelled: None,
            context,
            unresolved,
        }
    }

    /// The direction of an ioctl whose `_IOC_DIR` is `dir`, from the tree's own `_IOC_READ` and
    /// `_IOC_WRITE` (a bit the tree does not define is not set).
    pub(super) fn direction(&self, dir: u64, file: usize) -> IoctlDir {
        let value = |name: &str| {
            self.types
                .eval(name, file, &[])
                .ok()
                .map(|(v, _)| v.value as u64)
        };
        let set = |bit: Option<u64>| bit.is_some_and(|b| b != 0 && dir & b == b);
        let [read, write] = IOCTL_DIRECTION_BITS;
        IoctlDir::from_bits(set(value(read)), set(value(write)))
    }
}

/// Names tested by top-level `#ifndef` (include guards), whose empty defines are not items.
pub(super) fn include_guards(nodes: &[Node]) -> BTreeSet<&str> {
    nodes
        .iter()
        .filter_map(|n| match n {
            Node::Conditional(bs) => match bs.first().map(|b| &b.condition) {
                Some(parse::Condition::Ifndef(name)) => Some(name.as_str()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}
