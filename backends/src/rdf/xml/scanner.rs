//! The tokenizer: tags with their attributes, text, comments, CDATA sections, processing
//! instructions and the DOCTYPE, each with its byte span in the document.

use std::ops::Range;

use super::XmlError;

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
