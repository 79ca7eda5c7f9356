//! A minimal XML tokenizer and the three things the harvester needs it for, before any RDF/XML
//! reaches the real parser:
//!
//! * **DOCTYPE neutralisation.** The RDF/XML parser behind `sophia::xml` (oxrdfxml on quick-xml)
//!   expands the internal entities of a DOCTYPE eagerly and recursively, so a "billion laughs"
//!   document makes it allocate gigabytes. It does not fetch external entities, but nothing
//!   guarantees a future version won't. So every DOCTYPE is removed here before parsing: parameter
//!   and external entities are refused, entities referencing other entities are refused (no
//!   nesting, hence no exponential growth), a few plain ones (the classic `&xsd;` namespace
//!   abbreviations) are substituted by us with a hard cap on the expanded size.
//! * **Repair of sloppy attributes** (only when a first strict parse failed): IRIs with spaces or
//!   other characters IRIs forbid in `rdf:about` / `rdf:resource` / `rdf:datatype` / `rdf:ID` /
//!   `xml:base` are percent-encoded, invalid `xml:lang` tags (`fr_FR`) are fixed or dropped
//!   ([`super::iri_fix`]); each repair is reported so the items it touches carry a note.
//! * **CSW responses**: splitting `csw:GetRecordsResponse/csw:SearchResults` into one standalone
//!   RDF/XML document per record (namespace declarations of the ancestors are copied onto each
//!   record), with the paging attributes.
//!
//! It is a tokenizer, not a validating parser: it only needs to find tags, attributes, comments,
//! CDATA sections and the DOCTYPE reliably; the real parser validates the result.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

use super::iri_fix::{fix_iri, fix_lang, LangFix};
use super::notes::Repair;

/// Most entities a DOCTYPE may declare.
const MAX_ENTITIES: usize = 100;
/// Longest entity replacement text.
const MAX_ENTITY_LEN: usize = 4096;

/// Why an XML document was refused before RDF parsing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    #[error("malformed XML at byte {at}: {reason}")]
    Malformed { at: usize, reason: String },
    #[error("unsafe DOCTYPE refused: {0}")]
    UnsafeDoctype(String),
    #[error("CSW exception report: {0}")]
    CswException(String),
    #[error("not a CSW GetRecords response: {0}")]
    NotCsw(String),
}

#[derive(Debug, Clone)]
pub(crate) struct Attr<'a> {
    pub name: &'a str,
    /// Raw value, entities not resolved.
    pub value: &'a str,
}

#[derive(Debug, Clone)]
pub(crate) enum Token<'a> {
    Start {
        name: &'a str,
        attrs: Vec<Attr<'a>>,
        self_closing: bool,
        span: Range<usize>,
        /// End of the element name (where namespace declarations can be inserted).
        name_end: usize,
    },
    End {
        span: Range<usize>,
    },
    Text(Range<usize>),
    /// Comments, processing instructions and CDATA sections: copied verbatim.
    Opaque(Range<usize>),
    Doctype(Range<usize>),
}

pub(crate) struct Scanner<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Scanner<'a> {
    pub fn new(s: &'a str) -> Self {
        Self { s, pos: 0 }
    }

    fn err(&self, at: usize, reason: &str) -> XmlError {
        XmlError::Malformed {
            at,
            reason: reason.to_owned(),
        }
    }

    fn find_from(&self, from: usize, pat: &str) -> Option<usize> {
        self.s.get(from..)?.find(pat).map(|i| from + i)
    }

    fn next_token(&mut self) -> Option<Result<Token<'a>, XmlError>> {
        let s = self.s;
        let start = self.pos;
        if start >= s.len() {
            return None;
        }
        let rest = &s[start..];
        if !rest.starts_with('<') {
            let end = rest.find('<').map_or(s.len(), |i| start + i);
            self.pos = end;
            return Some(Ok(Token::Text(start..end)));
        }
        let opaque = |this: &mut Self, close: &str, what: &str| match this.find_from(start, close) {
            Some(i) => {
                this.pos = i + close.len();
                Ok(Token::Opaque(start..this.pos))
            }
            None => Err(this.err(start, &format!("unterminated {what}"))),
        };
        if rest.starts_with("<!--") {
            return Some(opaque(self, "-->", "comment"));
        }
        if rest.starts_with("<![CDATA[") {
            return Some(opaque(self, "]]>", "CDATA section"));
        }
        if rest.starts_with("<?") {
            return Some(opaque(self, "?>", "processing instruction"));
        }
        if rest
            .as_bytes()
            .get(..9)
            .is_some_and(|b| b.eq_ignore_ascii_case(b"<!DOCTYPE"))
        {
            return Some(self.doctype(start));
        }
        if rest.starts_with("<!") {
            return Some(opaque(self, ">", "declaration"));
        }
        if let Some(body) = rest.strip_prefix("</") {
            let Some(end) = body.find('>') else {
                return Some(Err(self.err(start, "unterminated end tag")));
            };
            self.pos = start + 2 + end + 1;
            return Some(Ok(Token::End {
                span: start..self.pos,
            }));
        }
        Some(self.start_tag(start))
    }

    fn doctype(&mut self, start: usize) -> Result<Token<'a>, XmlError> {
        let bytes = self.s.as_bytes();
        let mut i = start + 9;
        let mut in_subset = false;
        let mut quote: Option<u8> = None;
        while i < bytes.len() {
            let b = bytes[i];
            match quote {
                Some(q) if b == q => quote = None,
                Some(_) => {}
                None => match b {
                    b'"' | b'\'' => quote = Some(b),
                    b'[' => in_subset = true,
                    b']' => in_subset = false,
                    b'<' if in_subset && self.s[i..].starts_with("<!--") => {
                        let end = self
                            .find_from(i, "-->")
                            .ok_or_else(|| self.err(i, "unterminated comment in DOCTYPE"))?;
                        i = end + 2;
                    }
                    b'>' if !in_subset => {
                        self.pos = i + 1;
                        return Ok(Token::Doctype(start..self.pos));
                    }
                    _ => {}
                },
            }
            i += 1;
        }
        Err(self.err(start, "unterminated DOCTYPE"))
    }

    fn start_tag(&mut self, start: usize) -> Result<Token<'a>, XmlError> {
        let s = self.s;
        let bytes = s.as_bytes();
        let mut i = start + 1;
        while i < bytes.len()
            && !bytes[i].is_ascii_whitespace()
            && bytes[i] != b'>'
            && bytes[i] != b'/'
        {
            i += 1;
        }
        let name = &s[start + 1..i];
        if name.is_empty() {
            return Err(self.err(start, "empty element name"));
        }
        let name_end = i;
        let mut attrs = Vec::new();
        loop {
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            if i >= bytes.len() {
                return Err(self.err(start, "unterminated start tag"));
            }
            if bytes[i] == b'>' {
                self.pos = i + 1;
                return Ok(Token::Start {
                    name,
                    attrs,
                    self_closing: false,
                    span: start..self.pos,
                    name_end,
                });
            }
            if s[i..].starts_with("/>") {
                self.pos = i + 2;
                return Ok(Token::Start {
                    name,
                    attrs,
                    self_closing: true,
                    span: start..self.pos,
                    name_end,
                });
            }
            let name_start = i;
            while i < bytes.len()
                && !bytes[i].is_ascii_whitespace()
                && bytes[i] != b'='
                && bytes[i] != b'>'
            {
                i += 1;
            }
            let attr_name = &s[name_start..i];
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            if i >= bytes.len() || bytes[i] != b'=' {
                return Err(self.err(i, "attribute without value"));
            }
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            let Some(&q) = bytes.get(i) else {
                return Err(self.err(i, "unterminated attribute"));
            };
            if q != b'"' && q != b'\'' {
                return Err(self.err(i, "unquoted attribute value"));
            }
            let vstart = i + 1;
            let vend = s[vstart..]
                .find(q as char)
                .map(|k| vstart + k)
                .ok_or_else(|| self.err(vstart, "unterminated attribute value"))?;
            attrs.push(Attr {
                name: attr_name,
                value: &s[vstart..vend],
            });
            i = vend + 1;
        }
    }
}

impl<'a> Iterator for Scanner<'a> {
    type Item = Result<Token<'a>, XmlError>;

    fn next(&mut self) -> Option<Self::Item> {
        let tok = self.next_token();
        if matches!(tok, Some(Err(_))) {
            // Stop after an error.
            self.pos = self.s.len();
        }
        tok
    }
}

/// Local part of a qualified name.
pub(crate) fn local_name(qname: &str) -> &str {
    qname.rsplit(':').next().unwrap_or(qname)
}

/// Decode an XML body to text: UTF-8 (BOM stripped), UTF-16 with BOM, or ISO-8859-1 when the
/// declaration says so (the declaration is then rewritten to UTF-8). Anything else is decoded
/// lossily, with a warning.
pub(crate) fn decode_xml(body: &[u8], warnings: &mut Vec<String>) -> String {
    if let Some(rest) = body.strip_prefix(b"\xEF\xBB\xBF") {
        return String::from_utf8_lossy(rest).into_owned();
    }
    if body.starts_with(b"\xFF\xFE") || body.starts_with(b"\xFE\xFF") {
        let le = body[0] == 0xFF;
        let units: Vec<u16> = body[2..]
            .chunks_exact(2)
            .map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        return rewrite_encoding_decl(String::from_utf16_lossy(&units));
    }
    match std::str::from_utf8(body) {
        Ok(s) => s.to_owned(),
        Err(_) => {
            let head = String::from_utf8_lossy(&body[..body.len().min(200)]).to_ascii_lowercase();
            if [
                "iso-8859-1",
                "latin1",
                "latin-1",
                "iso-8859-15",
                "windows-1252",
            ]
            .iter()
            .any(|e| head.contains(e))
            {
                let s: String = body.iter().map(|b| *b as char).collect();
                rewrite_encoding_decl(s)
            } else {
                warnings.push("body is not valid UTF-8: invalid bytes replaced".into());
                String::from_utf8_lossy(body).into_owned()
            }
        }
    }
}

fn rewrite_encoding_decl(s: String) -> String {
    if !s.starts_with("<?xml") {
        return s;
    }
    let Some(end) = s.find("?>") else {
        return s;
    };
    let decl = &s[..end];
    let Some(enc) = decl.find("encoding") else {
        return s;
    };
    let after = &decl[enc + 8..];
    let Some(q) = after.find(['"', '\'']) else {
        return s;
    };
    let quote = &after[q..q + 1];
    let Some(close) = after[q + 1..].find(quote) else {
        return s;
    };
    let value_start = enc + 8 + q + 1;
    let value_end = value_start + close;
    format!("{}UTF-8{}", &s[..value_start], &s[value_end..])
}

/// Prepare an RDF/XML document for the real parser: remove the DOCTYPE (substituting its plain
/// internal entities ourselves, refusing dangerous ones) and, when `repair` is set, fix sloppy IRI
/// and language attributes, one [`Repair`] each. Returns the input unchanged when there is
/// nothing to do.
pub(crate) fn prepare_rdfxml<'a>(
    xml: &'a str,
    repair: bool,
    warnings: &mut Vec<String>,
    repairs: &mut Vec<Repair>,
) -> Result<Cow<'a, str>, XmlError> {
    if !repair && !has_doctype(xml) {
        return Ok(Cow::Borrowed(xml));
    }
    let mut entities: HashMap<&str, String> = HashMap::new();
    let mut out = String::with_capacity(xml.len() + 64);
    let max_len = xml.len().saturating_mul(2) + (1 << 20);
    let mut seen_root = false;
    for tok in Scanner::new(xml) {
        match tok? {
            Token::Doctype(span) => {
                if seen_root {
                    return Err(XmlError::UnsafeDoctype(
                        "DOCTYPE after the root element".into(),
                    ));
                }
                if !entities.is_empty() {
                    return Err(XmlError::UnsafeDoctype("several DOCTYPEs".into()));
                }
                entities = parse_internal_subset(&xml[span])?;
                if !entities.is_empty() {
                    warnings.push(format!(
                        "DOCTYPE removed, {} internal entities substituted",
                        entities.len()
                    ));
                }
            }
            Token::Text(span) => {
                substitute(&xml[span], &entities, &mut out);
            }
            Token::Opaque(span) | Token::End { span, .. } => out.push_str(&xml[span]),
            Token::Start {
                name,
                attrs,
                span,
                self_closing,
                ..
            } => {
                seen_root = true;
                out.push('<');
                out.push_str(name);
                for a in &attrs {
                    let mut value = String::new();
                    substitute(a.value, &entities, &mut value);
                    // Keep the original quoting valid: we always write double quotes.
                    let mut value = value.replace('"', "&quot;");
                    if repair {
                        if let Some((fixed, note)) = repair_attr(a.name, &value) {
                            repairs.push(note);
                            if a.name == "xml:lang" && fixed.is_empty() {
                                // A dropped tag: no attribute at all (the parser refuses
                                // an empty one).
                                continue;
                            }
                            value = fixed;
                        }
                    }
                    out.push(' ');
                    out.push_str(a.name);
                    out.push_str("=\"");
                    out.push_str(&value);
                    out.push('"');
                }
                out.push_str(if self_closing { "/>" } else { ">" });
                let _ = span;
            }
        }
        if out.len() > max_len {
            return Err(XmlError::UnsafeDoctype(format!(
                "entity expansion exceeds {max_len} bytes"
            )));
        }
    }
    Ok(Cow::Owned(out))
}

fn has_doctype(xml: &str) -> bool {
    let bytes = xml.as_bytes();
    bytes
        .windows(9)
        .any(|w| w[0] == b'<' && w[1] == b'!' && w[2..].eq_ignore_ascii_case(b"DOCTYPE"))
}

/// Entities of a DOCTYPE's internal subset; refuses parameter, external and nested entities.
fn parse_internal_subset(doctype: &str) -> Result<HashMap<&str, String>, XmlError> {
    let mut entities = HashMap::new();
    let Some(open) = doctype.find('[') else {
        return Ok(entities);
    };
    let subset = &doctype[open + 1..];
    let mut rest = subset;
    while let Some(i) = rest.find("<!") {
        rest = &rest[i..];
        if rest.starts_with("<!--") {
            let end = rest.find("-->").map_or(rest.len(), |e| e + 3);
            rest = &rest[end..];
            continue;
        }
        if !rest.starts_with("<!ENTITY") {
            // ELEMENT / ATTLIST / NOTATION: ignored (the RDF/XML parser ignores them too).
            rest = &rest[2..];
            continue;
        }
        let decl = rest["<!ENTITY".len()..].trim_start();
        if decl.starts_with('%') {
            return Err(XmlError::UnsafeDoctype(
                "parameter entities are not allowed".into(),
            ));
        }
        let name_end = decl
            .find(|c: char| c.is_whitespace())
            .ok_or_else(|| XmlError::UnsafeDoctype("malformed ENTITY declaration".into()))?;
        let name = &decl[..name_end];
        let after = decl[name_end..].trim_start();
        let quote = after.chars().next().unwrap_or(' ');
        if quote != '"' && quote != '\'' {
            return Err(XmlError::UnsafeDoctype(format!(
                "external entity {name:?} is not allowed"
            )));
        }
        let value_end = after[1..]
            .find(quote)
            .ok_or_else(|| XmlError::UnsafeDoctype("unterminated ENTITY value".into()))?;
        let value = &after[1..1 + value_end];
        if value.len() > MAX_ENTITY_LEN {
            return Err(XmlError::UnsafeDoctype(format!(
                "entity {name:?} longer than {MAX_ENTITY_LEN} bytes"
            )));
        }
        if value.contains('%') && value.contains(';') {
            return Err(XmlError::UnsafeDoctype(format!(
                "entity {name:?} references a parameter entity"
            )));
        }
        // Only character references and the predefined entities may appear in a value.
        let mut v = value;
        while let Some(amp) = v.find('&') {
            let tail = &v[amp + 1..];
            let end = tail.find(';').unwrap_or(tail.len());
            let reference = &tail[..end];
            if !(reference.starts_with('#')
                || matches!(reference, "amp" | "lt" | "gt" | "quot" | "apos"))
            {
                return Err(XmlError::UnsafeDoctype(format!(
                    "entity {name:?} references entity {reference:?} (nested entities are not allowed)"
                )));
            }
            v = &tail[end.min(tail.len())..];
        }
        if entities.len() >= MAX_ENTITIES {
            return Err(XmlError::UnsafeDoctype(format!(
                "more than {MAX_ENTITIES} entities"
            )));
        }
        let escaped = value
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;");
        entities.entry(name).or_insert(escaped);
        let consumed = rest.len() - after.len() + 1 + value_end + 1;
        rest = &rest[consumed.min(rest.len())..];
    }
    Ok(entities)
}

/// Copy `text`, replacing references to the declared entities by their value.
fn substitute(text: &str, entities: &HashMap<&str, String>, out: &mut String) {
    if entities.is_empty() || !text.contains('&') {
        out.push_str(text);
        return;
    }
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let tail = &rest[amp + 1..];
        match tail.find(';') {
            Some(end) if entities.contains_key(&tail[..end]) => {
                out.push_str(&entities[&tail[..end]]);
                rest = &tail[end + 1..];
            }
            _ => {
                out.push('&');
                rest = tail;
            }
        }
    }
    out.push_str(rest);
}

/// A repaired attribute value (raw XML, escaped) for the attributes carrying IRIs or language
/// tags, with a note saying what changed; `None` when the value is fine or not of that kind.
fn repair_attr(name: &str, value: &str) -> Option<(String, Repair)> {
    let local = local_name(name);
    let is_lang = name == "xml:lang";
    let is_iri = name == "xml:base" || matches!(local, "about" | "resource" | "datatype" | "ID");
    if !is_lang && !is_iri {
        return None;
    }
    // Entity and character references are resolved first: `&#32;` is a space too.
    let text = quick_xml::escape::unescape(value).ok()?;
    if is_lang {
        return match fix_lang(&text) {
            LangFix::Keep => None,
            LangFix::Fixed(tag) => Some((
                quick_xml::escape::escape(tag.as_ref()).into_owned(),
                Repair::note(format!("language tag {text:?} read as {tag:?}")),
            )),
            LangFix::Drop => Some((
                String::new(),
                Repair::note(format!(
                    "invalid language tag {text:?} dropped (its literals are kept as plain text)"
                )),
            )),
        };
    }
    let fixed = fix_iri(&text)?;
    let note = format!("invalid IRI <{text}> in {name} percent-encoded as <{fixed}>");
    Some((
        quick_xml::escape::escape(fixed.as_str()).into_owned(),
        Repair::on_iri(note, fixed),
    ))
}

/// The `rdf:about` of the first dataset element of a record (`dcat:Dataset`,
/// `dcat:DatasetSeries`), read with the tokenizer only: the remote id of a record the RDF/XML
/// parser cannot read, when it has one.
pub fn record_about(record: &str) -> Option<String> {
    for tok in Scanner::new(record) {
        let Ok(Token::Start { name, attrs, .. }) = tok else {
            if tok.is_err() {
                return None;
            }
            continue;
        };
        if !matches!(local_name(name), "Dataset" | "DatasetSeries") {
            continue;
        }
        let about = attrs.iter().find(|a| local_name(a.name) == "about")?;
        let value = quick_xml::escape::unescape(about.value).ok()?;
        let value = value.trim();
        return (!value.is_empty()).then(|| value.to_owned());
    }
    None
}

/// One page of a CSW GetRecords response.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CswPage {
    /// Each record as a standalone XML document.
    pub records: Vec<String>,
    pub next_record: Option<u64>,
    pub matched: Option<u64>,
    pub returned: Option<u64>,
}

/// Where a record element starts, and the namespace declarations it inherits.
struct RecordStart {
    start: usize,
    inherited: Vec<(String, String)>,
    name_end: usize,
}

/// Split a CSW `GetRecordsResponse` into its records.
pub fn csw_records(xml: &str) -> Result<CswPage, XmlError> {
    let mut warnings = Vec::new();
    let xml = prepare_rdfxml(xml, false, &mut warnings, &mut Vec::new())?;
    let xml: &str = &xml;
    let mut page = CswPage::default();
    // Namespace declarations in scope, per open element.
    let mut ns_stack: Vec<Vec<(String, String)>> = Vec::new();
    let mut in_results: Option<usize> = None; // depth of SearchResults
    let mut record_start: Option<RecordStart> = None;
    let mut root_seen = false;
    let mut exception_text: Option<String> = None;
    let mut found_results = false;
    for tok in Scanner::new(xml) {
        match tok? {
            Token::Start {
                name,
                attrs,
                self_closing,
                span,
                name_end,
            } => {
                let local = local_name(name);
                if !root_seen {
                    root_seen = true;
                    if local == "ExceptionReport" {
                        exception_text = Some(String::new());
                    } else if local != "GetRecordsResponse" {
                        return Err(XmlError::NotCsw(format!("root element is {name}")));
                    }
                }
                let decls: Vec<(String, String)> = attrs
                    .iter()
                    .filter(|a| a.name == "xmlns" || a.name.starts_with("xmlns:"))
                    .map(|a| (a.name.to_owned(), a.value.to_owned()))
                    .collect();
                let depth = ns_stack.len();
                if in_results == Some(depth.wrapping_sub(1)) && record_start.is_none() {
                    // A direct child of SearchResults: a record.
                    let inherited: Vec<(String, String)> = ns_stack
                        .iter()
                        .flatten()
                        .filter(|(n, _)| !decls.iter().any(|(d, _)| d == n))
                        .cloned()
                        .collect();
                    if self_closing {
                        continue;
                    }
                    record_start = Some(RecordStart {
                        start: span.start,
                        inherited,
                        name_end,
                    });
                }
                if local == "SearchResults" && in_results.is_none() {
                    found_results = true;
                    for a in &attrs {
                        let v = a.value.trim().parse::<u64>().ok();
                        match a.name {
                            "nextRecord" => page.next_record = v,
                            "numberOfRecordsMatched" => page.matched = v,
                            "numberOfRecordsReturned" => page.returned = v,
                            _ => {}
                        }
                    }
                    if self_closing {
                        continue;
                    }
                    in_results = Some(depth);
                }
                if !self_closing {
                    ns_stack.push(decls);
                }
            }
            Token::End { span, .. } => {
                ns_stack.pop();
                let depth = ns_stack.len();
                if let Some(RecordStart {
                    start,
                    inherited,
                    name_end,
                }) = &record_start
                {
                    if in_results.map(|d| d + 1) == Some(depth) {
                        let mut doc = String::with_capacity(span.end - start + 256);
                        doc.push_str(&xml[*start..*name_end]);
                        let mut seen = std::collections::HashSet::new();
                        for (n, v) in inherited.iter().rev() {
                            if seen.insert(n.as_str()) {
                                doc.push_str(&format!(" {n}=\"{v}\""));
                            }
                        }
                        doc.push_str(&xml[*name_end..span.end]);
                        page.records.push(doc);
                        record_start = None;
                    }
                }
                if in_results == Some(depth) {
                    in_results = None;
                }
            }
            Token::Text(span) => {
                if let Some(t) = exception_text.as_mut() {
                    let text = xml[span].trim();
                    if !text.is_empty() && t.len() < 1000 {
                        if !t.is_empty() {
                            t.push(' ');
                        }
                        t.push_str(text);
                    }
                }
            }
            Token::Opaque(_) | Token::Doctype(_) => {}
        }
    }
    if let Some(text) = exception_text {
        return Err(XmlError::CswException(if text.is_empty() {
            "no message".into()
        } else {
            text
        }));
    }
    if !found_results {
        return Err(XmlError::NotCsw("no csw:SearchResults element".into()));
    }
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn billion_laughs_is_refused() {
        let xml = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">&lol2;</rdf:RDF>"#;
        let err = prepare_rdfxml(xml, false, &mut Vec::new(), &mut Vec::new()).unwrap_err();
        assert!(matches!(err, XmlError::UnsafeDoctype(_)), "{err}");
    }

    #[test]
    fn external_entities_are_refused() {
        for xml in [
            r#"<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>"#,
            r#"<!DOCTYPE r [<!ENTITY % p SYSTEM "http://evil/x.dtd"> %p;]><r/>"#,
        ] {
            assert!(
                prepare_rdfxml(xml, false, &mut Vec::new(), &mut Vec::new()).is_err(),
                "{xml}"
            );
        }
    }

    #[test]
    fn plain_entities_are_substituted_and_doctype_removed() {
        let xml = r#"<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY xsd "http://www.w3.org/2001/XMLSchema#"> ]>
<rdf:RDF a="&xsd;date">&xsd;x</rdf:RDF>"#;
        let out = prepare_rdfxml(xml, false, &mut Vec::new(), &mut Vec::new()).unwrap();
        assert!(!out.contains("DOCTYPE"));
        assert!(
            out.contains(r#"a="http://www.w3.org/2001/XMLSchema#date""#),
            "{out}"
        );
        assert!(
            out.contains(">http://www.w3.org/2001/XMLSchema#x<"),
            "{out}"
        );
    }

    #[test]
    fn repairs_iris_and_lang() {
        let xml = r#"<r xml:lang="fr_FR"><d rdf:resource=" http://x.org/a b.csv "/></r>"#;
        let out = prepare_rdfxml(xml, true, &mut Vec::new(), &mut Vec::new()).unwrap();
        assert!(out.contains(r#"xml:lang="fr-FR""#), "{out}");
        assert!(
            out.contains(r#"rdf:resource="http://x.org/a%20b.csv""#),
            "{out}"
        );
    }

    #[test]
    fn csw_split_copies_namespaces() {
        let xml = r#"<?xml version="1.0"?>
<csw:GetRecordsResponse xmlns:csw="http://www.opengis.net/cat/csw/2.0.2" xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
 <csw:SearchResults numberOfRecordsMatched="3" numberOfRecordsReturned="2" nextRecord="3">
  <rdf:RDF xmlns:dct="http://purl.org/dc/terms/"><rdf:Description rdf:about="http://x/1"><dct:title>A</dct:title></rdf:Description></rdf:RDF>
  <!-- comment -->
  <rdf:RDF><rdf:Description rdf:about="http://x/2"/></rdf:RDF>
 </csw:SearchResults>
</csw:GetRecordsResponse>"#;
        let page = csw_records(xml).unwrap();
        assert_eq!(page.records.len(), 2);
        assert_eq!(page.next_record, Some(3));
        assert_eq!(page.matched, Some(3));
        assert!(
            page.records[0].starts_with("<rdf:RDF xmlns:"),
            "{}",
            page.records[0]
        );
        assert!(
            page.records[1].contains("xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"")
        );
        assert!(page.records[0].contains("xmlns:dct="));
    }

    #[test]
    fn csw_exception() {
        let xml = r#"<ows:ExceptionReport xmlns:ows="http://www.opengis.net/ows"><ows:Exception><ows:ExceptionText>bad request</ows:ExceptionText></ows:Exception></ows:ExceptionReport>"#;
        assert_eq!(
            csw_records(xml).unwrap_err(),
            XmlError::CswException("bad request".into())
        );
    }

    #[test]
    fn latin1_is_transcoded() {
        let body = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><r>caf\xe9</r>";
        let s = decode_xml(body, &mut Vec::new());
        assert!(s.contains("café"));
        assert!(s.contains("encoding=\"UTF-8\""));
    }
}
