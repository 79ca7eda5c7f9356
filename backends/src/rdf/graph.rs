//! A small in-memory RDF graph, independent of any parser, with the two indexes the DCAT code
//! needs (by subject and by object) and N-Triples input/output.
//!
//! Why not keep sophia's graph types: pages are parsed by four different parsers (Turtle family,
//! RDF/XML, JSON-LD, our own N-Triples reader for item payloads) whose term types differ; the
//! catalog extraction and the DCAT mapping only need plain terms, so every parser feeds this one
//! type. Terms are interned (`u32` ids), triples are deduplicated (RDF graph semantics).
//!
//! The N-Triples writer is strict (what it writes is valid N-Triples 1.1 whatever the parsers let
//! through: IRIs are percent-encoded where N-Triples forbids characters, language tags are
//! repaired or dropped, blank nodes are relabelled `b0`, `b1`… in order of first use) and the
//! reader is tolerant (it reads N-Triples and N-Quads lines, ignoring graph names).

use std::collections::{HashMap, HashSet};

/// The graph's maps hash term ids and terms with foldhash (randomly seeded per process): several
/// times cheaper than SipHash on these small keys, which the parser and the mapper look up for
/// every triple.
type Fast = foldhash::fast::RandomState;
use std::fmt::Write as _;
use std::sync::Arc;

use super::vocab::{RDF_LANG_STRING, RDF_TYPE, XSD_STRING};

/// An RDF term. Literals carry either a language tag or a datatype (none means `xsd:string`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Term {
    Iri(Arc<str>),
    Blank(Arc<str>),
    Literal {
        value: Arc<str>,
        lang: Option<Arc<str>>,
        datatype: Option<Arc<str>>,
    },
}

impl Term {
    pub fn iri(s: &str) -> Self {
        Self::Iri(Arc::from(s))
    }

    pub fn blank(s: &str) -> Self {
        Self::Blank(Arc::from(s))
    }

    pub fn literal(value: &str, lang: Option<&str>, datatype: Option<&str>) -> Self {
        let datatype = match (lang, datatype) {
            (Some(_), _) => None,
            (None, Some(dt)) if dt == XSD_STRING || dt == RDF_LANG_STRING => None,
            (None, dt) => dt.map(Arc::from),
        };
        Self::Literal {
            value: Arc::from(value),
            lang: lang.filter(|l| !l.is_empty()).map(Arc::from),
            datatype,
        }
    }

    pub fn plain(value: &str) -> Self {
        Self::literal(value, None, None)
    }

    pub fn as_iri(&self) -> Option<&str> {
        match self {
            Self::Iri(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_blank(&self) -> bool {
        matches!(self, Self::Blank(_))
    }

    pub fn is_literal(&self) -> bool {
        matches!(self, Self::Literal { .. })
    }

    /// The lexical value of a literal.
    pub fn literal_value(&self) -> Option<&str> {
        match self {
            Self::Literal { value, .. } => Some(value),
            _ => None,
        }
    }

    pub fn lang(&self) -> Option<&str> {
        match self {
            Self::Literal { lang, .. } => lang.as_deref(),
            _ => None,
        }
    }

    pub fn datatype(&self) -> Option<&str> {
        match self {
            Self::Literal { datatype, .. } => datatype.as_deref(),
            _ => None,
        }
    }

    /// The IRI or the literal value (blank nodes have none): what udata calls `toPython()`.
    pub fn text(&self) -> Option<&str> {
        match self {
            Self::Iri(s) => Some(s),
            Self::Literal { value, .. } => Some(value),
            Self::Blank(_) => None,
        }
    }
}

/// Index of a term in a [`Graph`].
pub type TermId = u32;
/// A triple of term ids.
pub type Triple = [TermId; 3];

/// An RDF graph: interned terms and deduplicated triples, indexed by subject and by object.
#[derive(Debug, Default, Clone)]
pub struct Graph {
    terms: Vec<Term>,
    ids: HashMap<Term, TermId, Fast>,
    triples: Vec<Triple>,
    seen: HashSet<Triple, Fast>,
    by_subject: HashMap<TermId, Vec<u32>, Fast>,
    by_object: HashMap<TermId, Vec<u32>, Fast>,
}

impl Graph {
    pub fn new() -> Self {
        Self::default()
    }

    /// Rewrite IRI terms in place: `f` gives the new IRI of those to change. Term ids and
    /// triples stay as they are, so this costs one pass over the terms, not over the triples.
    /// (A rewritten IRI equal to another term of the graph stays a distinct term: callers
    /// rewrite relative references, which a page rarely also writes in full.)
    pub fn rewrite_iris(&mut self, f: impl Fn(TermId, &str) -> Option<String>) {
        for i in 0..self.terms.len() {
            let Some(new) = self.terms[i].as_iri().and_then(|iri| f(i as TermId, iri)) else {
                continue;
            };
            let term = Term::iri(&new);
            let old = std::mem::replace(&mut self.terms[i], term.clone());
            self.ids.remove(&old);
            self.ids.entry(term).or_insert(i as TermId);
        }
    }

    /// Number of interned terms: term ids are `0..term_count()`.
    pub fn term_count(&self) -> usize {
        self.terms.len()
    }

    /// Number of (distinct) triples.
    pub fn len(&self) -> usize {
        self.triples.len()
    }

    pub fn is_empty(&self) -> bool {
        self.triples.is_empty()
    }

    fn intern(&mut self, term: Term) -> TermId {
        if let Some(id) = self.ids.get(&term) {
            return *id;
        }
        let id = self.terms.len() as TermId;
        self.terms.push(term.clone());
        self.ids.insert(term, id);
        id
    }

    /// Add a triple; returns false when it was already there.
    pub fn insert(&mut self, s: Term, p: Term, o: Term) -> bool {
        let t = [self.intern(s), self.intern(p), self.intern(o)];
        if !self.seen.insert(t) {
            return false;
        }
        let idx = self.triples.len() as u32;
        self.triples.push(t);
        self.by_subject.entry(t[0]).or_default().push(idx);
        self.by_object.entry(t[2]).or_default().push(idx);
        true
    }

    pub fn term(&self, id: TermId) -> &Term {
        &self.terms[id as usize]
    }

    /// The id of a term, if the graph uses it.
    pub fn find(&self, term: &Term) -> Option<TermId> {
        self.ids.get(term).copied()
    }

    pub fn iri_id(&self, iri: &str) -> Option<TermId> {
        self.find(&Term::iri(iri))
    }

    /// Every triple, in insertion (document) order.
    pub fn triples(&self) -> &[Triple] {
        &self.triples
    }

    /// Triples whose subject is `s`, in document order.
    pub fn triples_of(&self, s: TermId) -> impl Iterator<Item = Triple> + '_ {
        self.by_subject
            .get(&s)
            .into_iter()
            .flatten()
            .map(|i| self.triples[*i as usize])
    }

    /// Triples whose object is `o`, in document order.
    pub fn triples_to(&self, o: TermId) -> impl Iterator<Item = Triple> + '_ {
        self.by_object
            .get(&o)
            .into_iter()
            .flatten()
            .map(|i| self.triples[*i as usize])
    }

    /// Whether `s` is the subject of at least one triple (is described in this graph).
    pub fn is_described(&self, s: TermId) -> bool {
        self.by_subject.get(&s).is_some_and(|v| !v.is_empty())
    }

    /// Objects of `(s, p, ?)`, in document order.
    pub fn objects(&self, s: TermId, p: &str) -> Vec<TermId> {
        match self.iri_id(p) {
            Some(p) => self
                .triples_of(s)
                .filter(|t| t[1] == p)
                .map(|t| t[2])
                .collect(),
            None => Vec::new(),
        }
    }

    /// Subjects of `(?, p, o)`, in document order.
    pub fn subjects(&self, p: &str, o: TermId) -> Vec<TermId> {
        match self.iri_id(p) {
            Some(p) => self
                .triples_to(o)
                .filter(|t| t[1] == p)
                .map(|t| t[0])
                .collect(),
            None => Vec::new(),
        }
    }

    /// Subjects typed `class` (`rdf:type`), in document order, without duplicates.
    pub fn instances_of(&self, class: &str) -> Vec<TermId> {
        match self.iri_id(class) {
            Some(c) => {
                let mut out = self.subjects(RDF_TYPE, c);
                let mut seen = HashSet::new();
                out.retain(|s| seen.insert(*s));
                out
            }
            None => Vec::new(),
        }
    }

    /// Whether `s` has `rdf:type class`.
    pub fn has_type(&self, s: TermId, class: &str) -> bool {
        match (self.iri_id(RDF_TYPE), self.iri_id(class)) {
            (Some(p), Some(c)) => self.triples_of(s).any(|t| t[1] == p && t[2] == c),
            _ => false,
        }
    }

    /// Serialize some triples (by value) as N-Triples; blank nodes are relabelled through `labels`.
    pub fn write_ntriples(&self, triples: &[Triple], labels: &mut BnodeLabels) -> String {
        let mut out = String::with_capacity(triples.len() * 96);
        for t in triples {
            for (i, id) in t.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_term(&mut out, self.term(*id), labels);
            }
            out.push_str(" .\n");
        }
        out
    }

    /// The N-Triples form of one term (blank nodes relabelled through `labels`).
    pub fn nt_term(&self, id: TermId, labels: &mut BnodeLabels) -> String {
        let mut out = String::new();
        write_term(&mut out, self.term(id), labels);
        out
    }

    /// Read N-Triples (or N-Quads: the graph name is ignored). Blank node labels are kept.
    pub fn from_ntriples(text: &str) -> Result<Self, NtError> {
        let mut g = Graph::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut r = NtReader {
                s: line,
                pos: 0,
                line: n + 1,
            };
            let s = r.term()?;
            let p = r.term()?;
            let o = r.term()?;
            r.skip_ws();
            if !r.rest().starts_with('.') {
                // N-Quads graph name, ignored.
                r.term()?;
                r.skip_ws();
            }
            if !r.rest().starts_with('.') {
                return Err(r.err("expected '.'"));
            }
            if s.is_literal() || !matches!(p, Term::Iri(_)) {
                return Err(r.err("literal subject or non-IRI predicate"));
            }
            g.insert(s, p, o);
        }
        Ok(g)
    }
}

/// Blank node relabelling for output: `b0`, `b1`… in order of first use.
#[derive(Debug, Default)]
pub struct BnodeLabels {
    map: HashMap<Arc<str>, usize>,
}

impl BnodeLabels {
    pub fn label(&mut self, original: &Arc<str>) -> String {
        let next = self.map.len();
        let n = *self.map.entry(original.clone()).or_insert(next);
        format!("b{n}")
    }
}

fn write_term(out: &mut String, term: &Term, labels: &mut BnodeLabels) {
    match term {
        Term::Iri(iri) => write_iri(out, iri),
        Term::Blank(b) => {
            out.push_str("_:");
            out.push_str(&labels.label(b));
        }
        Term::Literal {
            value,
            lang,
            datatype,
        } => {
            out.push('"');
            write_literal_body(out, value);
            out.push('"');
            if let Some(tag) = lang.as_deref().and_then(repair_lang_tag) {
                out.push('@');
                out.push_str(&tag);
            } else if let Some(dt) = datatype {
                out.push_str("^^");
                write_iri(out, dt);
            }
        }
    }
}

/// Characters N-Triples forbids inside `<…>`.
pub(crate) fn iri_char_forbidden(c: char) -> bool {
    c <= ' '
        || matches!(
            c,
            '<' | '>' | '"' | '{' | '}' | '|' | '^' | '`' | '\\' | '\u{7f}'
        )
}

/// Write `<iri>`, percent-encoding the characters N-Triples forbids. They are all ASCII, so
/// the runs between them are copied whole (this runs for every IRI of every dataset, several
/// times: listing, content hash, mapping).
fn write_iri(out: &mut String, iri: &str) {
    out.push('<');
    let mut run = 0;
    for (i, b) in iri.bytes().enumerate() {
        if b.is_ascii() && iri_char_forbidden(b as char) {
            out.push_str(&iri[run..i]);
            let _ = write!(out, "%{b:02X}");
            run = i + 1;
        }
    }
    out.push_str(&iri[run..]);
    out.push('>');
}

/// Write a literal's lexical form with N-Triples escapes; every escaped character is ASCII, so
/// the runs between them are copied whole.
fn write_literal_body(out: &mut String, value: &str) {
    let mut run = 0;
    for (i, b) in value.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            b if b < 0x20 || b == 0x7f => "",
            _ => continue,
        };
        out.push_str(&value[run..i]);
        if escape.is_empty() {
            let _ = write!(out, "\\u{:04X}", b);
        } else {
            out.push_str(escape);
        }
        run = i + 1;
    }
    out.push_str(&value[run..]);
}

/// A language tag N-Triples accepts (`[a-zA-Z]+(-[a-zA-Z0-9]+)*`), repairing `fr_FR` into
/// `fr-FR`; `None` when nothing sensible is left (the literal is then written without a tag).
pub fn repair_lang_tag(tag: &str) -> Option<String> {
    let tag = tag.trim().replace('_', "-");
    let tag = tag.trim_matches('-');
    let mut parts = tag.split('-');
    let first = parts.next()?;
    if first.is_empty() || !first.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let mut out = first.to_owned();
    for part in parts {
        if part.is_empty() || !part.chars().all(|c| c.is_ascii_alphanumeric()) {
            break;
        }
        out.push('-');
        out.push_str(part);
    }
    Some(out)
}

/// An N-Triples line that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid N-Triples at line {line}, column {col}: {reason}")]
pub struct NtError {
    pub line: usize,
    pub col: usize,
    pub reason: String,
}

struct NtReader<'a> {
    s: &'a str,
    pos: usize,
    line: usize,
}

impl<'a> NtReader<'a> {
    fn rest(&self) -> &'a str {
        &self.s[self.pos..]
    }

    fn err(&self, reason: &str) -> NtError {
        NtError {
            line: self.line,
            col: self.pos + 1,
            reason: reason.to_owned(),
        }
    }

    fn skip_ws(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start().len();
    }

    fn term(&mut self) -> Result<Term, NtError> {
        self.skip_ws();
        let rest = self.rest();
        if let Some(body) = rest.strip_prefix('<') {
            let end = body.find('>').ok_or_else(|| self.err("unterminated IRI"))?;
            let iri = unescape(&body[..end]).ok_or_else(|| self.err("bad escape in IRI"))?;
            self.pos += end + 2;
            Ok(Term::iri(&iri))
        } else if let Some(body) = rest.strip_prefix("_:") {
            let end = body.find(|c: char| c.is_whitespace()).unwrap_or(body.len());
            let mut label = &body[..end];
            // A '.' right after the label ends the statement, it is not part of the label.
            while let Some(l) = label.strip_suffix('.') {
                label = l;
            }
            if label.is_empty() {
                return Err(self.err("empty blank node label"));
            }
            self.pos += 2 + label.len();
            Ok(Term::blank(label))
        } else if let Some(body) = rest.strip_prefix('"') {
            let mut end = None;
            let mut escaped = false;
            for (i, c) in body.char_indices() {
                match c {
                    _ if escaped => escaped = false,
                    '\\' => escaped = true,
                    '"' => {
                        end = Some(i);
                        break;
                    }
                    _ => {}
                }
            }
            let end = end.ok_or_else(|| self.err("unterminated literal"))?;
            let value = unescape(&body[..end]).ok_or_else(|| self.err("bad escape in literal"))?;
            self.pos += end + 2;
            let rest = self.rest();
            if let Some(tag) = rest.strip_prefix('@') {
                let len = tag
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                    .unwrap_or(tag.len());
                self.pos += 1 + len;
                Ok(Term::literal(&value, Some(&tag[..len]), None))
            } else if rest.starts_with("^^") {
                self.pos += 2;
                match self.term()? {
                    Term::Iri(dt) => Ok(Term::literal(&value, None, Some(&dt))),
                    _ => Err(self.err("datatype is not an IRI")),
                }
            } else {
                Ok(Term::literal(&value, None, None))
            }
        } else {
            Err(self.err("expected a term"))
        }
    }
}

/// Resolve N-Triples string escapes (`\n`, `\"`, `\uXXXX`, `\UXXXXXXXX`…).
fn unescape(s: &str) -> Option<String> {
    if !s.contains('\\') {
        return Some(s.to_owned());
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            't' => out.push('\t'),
            'b' => out.push('\u{8}'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            'f' => out.push('\u{c}'),
            '"' => out.push('"'),
            '\'' => out.push('\''),
            '\\' => out.push('\\'),
            'u' => {
                let hex: String = chars.by_ref().take(4).collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
            }
            'U' => {
                let hex: String = chars.by_ref().take(8).collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
            }
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ntriples_round_trip_with_escapes() {
        let mut g = Graph::new();
        g.insert(
            Term::iri("http://ex.org/a b"),
            Term::iri("http://ex.org/p"),
            Term::literal("line1\nline2 \"q\" \\ \u{1}", Some("fr_FR"), None),
        );
        g.insert(
            Term::blank("weird label!"),
            Term::iri("http://ex.org/p"),
            Term::literal("12", None, Some("http://www.w3.org/2001/XMLSchema#integer")),
        );
        let all: Vec<Triple> = g.triples().to_vec();
        let nt = g.write_ntriples(&all, &mut BnodeLabels::default());
        assert!(nt.contains("<http://ex.org/a%20b>"), "{nt}");
        assert!(nt.contains("@fr-FR"), "{nt}");
        assert!(nt.contains("_:b0"), "{nt}");
        let back = Graph::from_ntriples(&nt).expect("reads back");
        assert_eq!(back.len(), 2);
        let lit = back
            .triples()
            .iter()
            .map(|t| back.term(t[2]).clone())
            .find(|t| t.lang().is_some())
            .expect("lang literal");
        assert_eq!(lit.literal_value(), Some("line1\nline2 \"q\" \\ \u{1}"));
        assert_eq!(lit.lang(), Some("fr-FR"));
    }

    /// The run-copying writers give exactly what the character-by-character ones gave (the
    /// content hash of every stored dataset depends on these bytes).
    #[test]
    fn writers_match_char_by_char_escaping() {
        fn iri_reference(iri: &str) -> String {
            let mut out = String::from("<");
            for c in iri.chars() {
                if iri_char_forbidden(c) {
                    let mut buf = [0u8; 4];
                    for b in c.encode_utf8(&mut buf).bytes() {
                        let _ = write!(out, "%{b:02X}");
                    }
                } else {
                    out.push(c);
                }
            }
            out.push('>');
            out
        }
        fn literal_reference(value: &str) -> String {
            let mut out = String::new();
            for c in value.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    c if (c as u32) < 0x20 || c == '\u{7f}' => {
                        let _ = write!(out, "\\u{:04X}", c as u32);
                    }
                    c => out.push(c),
                }
            }
            out
        }
        use rand::{Rng, SeedableRng};
        let alphabet: Vec<char> = (0u32..0x80)
            .filter_map(char::from_u32)
            .chain("éà€’ß😀\u{a0}\u{2028}".chars())
            .collect();
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for _ in 0..20_000 {
            let len = rng.random_range(0..24);
            let s: String = (0..len)
                .map(|_| alphabet[rng.random_range(0..alphabet.len())])
                .collect();
            let mut iri = String::new();
            write_iri(&mut iri, &s);
            assert_eq!(iri, iri_reference(&s), "{s:?}");
            let mut lit = String::new();
            write_literal_body(&mut lit, &s);
            assert_eq!(lit, literal_reference(&s), "{s:?}");
        }
    }

    #[test]
    fn lang_tag_repair() {
        assert_eq!(repair_lang_tag("fr_FR").as_deref(), Some("fr-FR"));
        assert_eq!(repair_lang_tag("en").as_deref(), Some("en"));
        assert_eq!(repair_lang_tag("12"), None);
        assert_eq!(repair_lang_tag("de-DE-!x").as_deref(), Some("de-DE"));
    }

    #[test]
    fn duplicate_triples_are_merged() {
        let mut g = Graph::new();
        assert!(g.insert(Term::iri("s:a"), Term::iri("p:b"), Term::plain("x")));
        assert!(!g.insert(Term::iri("s:a"), Term::iri("p:b"), Term::plain("x")));
        assert_eq!(g.len(), 1);
    }
}
