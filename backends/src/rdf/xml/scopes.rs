//! The namespace declarations in scope along the open elements of a document: what the
//! lenient RDF/XML reader resolves prefixes with, and what the CSW split copies onto a record.

use super::scanner::Attr;

/// The `xmlns` / `xmlns:p` attributes (name and raw value) of each open element, outermost
/// first.
#[derive(Debug, Default)]
pub(super) struct Scopes<'a> {
    open: Vec<Vec<(&'a str, &'a str)>>,
}

impl<'a> Scopes<'a> {
    /// An element opens: its declarations come into scope.
    pub(super) fn enter(&mut self, attrs: &[Attr<'a>]) {
        let declarations = attrs
            .iter()
            .filter(|a| declared_prefix(a.name).is_some())
            .map(|a| (a.name, a.value))
            .collect();
        self.open.push(declarations);
    }

    /// The innermost element closes.
    pub(super) fn leave(&mut self) {
        self.open.pop();
    }

    /// How many elements are open.
    pub(super) fn depth(&self) -> usize {
        self.open.len()
    }

    /// The namespace `prefix` (`""`: the default namespace) is bound to, by the innermost
    /// element declaring it (the last of its declarations, should it repeat one).
    pub(super) fn namespace(&self, prefix: &str) -> Option<&'a str> {
        self.open.iter().rev().find_map(|declarations| {
            declarations
                .iter()
                .rev()
                .find(|(name, _)| declared_prefix(name) == Some(prefix))
                .map(|(_, value)| *value)
        })
    }

    /// Every declaration of the open elements, outermost first.
    pub(super) fn declarations(&self) -> impl Iterator<Item = &(&'a str, &'a str)> {
        self.open.iter().flatten()
    }
}

/// The prefix an attribute declares: `""` for `xmlns`, `p` for `xmlns:p`, `None` for any other
/// attribute.
fn declared_prefix(attr_name: &str) -> Option<&str> {
    if attr_name == "xmlns" {
        Some("")
    } else {
        attr_name.strip_prefix("xmlns:")
    }
}
