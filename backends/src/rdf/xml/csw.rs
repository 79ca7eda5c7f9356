//! CSW responses: a `csw:GetRecordsResponse` split into one standalone document per record of
//! its `csw:SearchResults` (each with the namespace declarations it inherits), with the paging
//! attributes; an `ows:ExceptionReport` is an error carrying its text.

use std::collections::HashSet;
use std::ops::Range;

use super::prepare::prepare_rdfxml;
use super::scanner::{local_name, Attr, Scanner, Token};
use super::scopes::Scopes;
use super::XmlError;

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
struct RecordStart<'a> {
    start: usize,
    inherited: Vec<(&'a str, &'a str)>,
    name_end: usize,
}

/// Split a CSW `GetRecordsResponse` into its records.
pub fn csw_records(xml: &str) -> Result<CswPage, XmlError> {
    let mut warnings = Vec::new();
    let xml = prepare_rdfxml(xml, false, &mut warnings, &mut Vec::new())?;
    let mut split = Split::new(&xml);
    for tok in Scanner::new(&xml) {
        split.token(tok?)?;
    }
    split.finish()
}

/// A split under way, fed the document token by token.
struct Split<'a> {
    xml: &'a str,
    page: CswPage,
    /// Namespace declarations of the open elements.
    scopes: Scopes<'a>,
    /// Depth of `csw:SearchResults` while it is open.
    in_results: Option<usize>,
    /// The record being read.
    record: Option<RecordStart<'a>>,
    root_seen: bool,
    /// Text of an exception report.
    exception_text: Option<String>,
    found_results: bool,
}

impl<'a> Split<'a> {
    fn new(xml: &'a str) -> Self {
        Self {
            xml,
            page: CswPage::default(),
            scopes: Scopes::default(),
            in_results: None,
            record: None,
            root_seen: false,
            exception_text: None,
            found_results: false,
        }
    }

    fn token(&mut self, tok: Token<'a>) -> Result<(), XmlError> {
        match tok {
            Token::Start {
                name,
                attrs,
                self_closing,
                span,
                name_end,
            } => self.start(name, &attrs, self_closing, span.start, name_end)?,
            Token::End { span } => self.end(span.end),
            Token::Text(span) => self.text(span),
            Token::Opaque(_) | Token::Doctype(_) => {}
        }
        Ok(())
    }

    fn start(
        &mut self,
        name: &str,
        attrs: &[Attr<'a>],
        self_closing: bool,
        start: usize,
        name_end: usize,
    ) -> Result<(), XmlError> {
        let local = local_name(name);
        if !self.root_seen {
            self.root_seen = true;
            if local == "ExceptionReport" {
                self.exception_text = Some(String::new());
            } else if local != "GetRecordsResponse" {
                return Err(XmlError::NotCsw(format!("root element is {name}")));
            }
        }
        let depth = self.scopes.depth();
        if self.in_results == Some(depth.wrapping_sub(1)) && self.record.is_none() {
            // A direct child of SearchResults: a record. It inherits the declarations in
            // scope that it does not make again itself.
            let inherited: Vec<(&str, &str)> = self
                .scopes
                .declarations()
                .filter(|(n, _)| !attrs.iter().any(|a| a.name == *n))
                .copied()
                .collect();
            if self_closing {
                return Ok(());
            }
            self.record = Some(RecordStart {
                start,
                inherited,
                name_end,
            });
        }
        if local == "SearchResults" && self.in_results.is_none() {
            self.found_results = true;
            for a in attrs {
                let v = a.value.trim().parse::<u64>().ok();
                match a.name {
                    "nextRecord" => self.page.next_record = v,
                    "numberOfRecordsMatched" => self.page.matched = v,
                    "numberOfRecordsReturned" => self.page.returned = v,
                    _ => {}
                }
            }
            if self_closing {
                return Ok(());
            }
            self.in_results = Some(depth);
        }
        if !self_closing {
            self.scopes.enter(attrs);
        }
        Ok(())
    }

    fn end(&mut self, end: usize) {
        self.scopes.leave();
        let depth = self.scopes.depth();
        if self.in_results.map(|d| d + 1) == Some(depth) {
            if let Some(record) = self.record.take() {
                let doc = self.record_document(&record, end);
                self.page.records.push(doc);
            }
        }
        if self.in_results == Some(depth) {
            self.in_results = None;
        }
    }

    /// The record's element from its start to `end`, the inherited declarations added after its
    /// name (the innermost one of each name).
    fn record_document(&self, record: &RecordStart<'a>, end: usize) -> String {
        let xml = self.xml;
        let mut doc = String::with_capacity(end - record.start + 256);
        doc.push_str(&xml[record.start..record.name_end]);
        let mut seen = HashSet::new();
        for (n, v) in record.inherited.iter().rev() {
            if seen.insert(*n) {
                doc.push_str(&format!(" {n}=\"{v}\""));
            }
        }
        doc.push_str(&xml[record.name_end..end]);
        doc
    }

    fn text(&mut self, span: Range<usize>) {
        if let Some(t) = self.exception_text.as_mut() {
            let text = self.xml[span].trim();
            if !text.is_empty() && t.len() < 1000 {
                if !t.is_empty() {
                    t.push(' ');
                }
                t.push_str(text);
            }
        }
    }

    fn finish(self) -> Result<CswPage, XmlError> {
        if let Some(text) = self.exception_text {
            return Err(XmlError::CswException(if text.is_empty() {
                "no message".into()
            } else {
                text
            }));
        }
        if !self.found_results {
            return Err(XmlError::NotCsw("no csw:SearchResults element".into()));
        }
        Ok(self.page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
