//! HTML descriptions to Markdown.
//!
//! udata renders descriptions as Markdown, but DCAT, CKAN and OpenDataSoft catalogs often publish
//! HTML. Like udata's rdf.py (`sanitize_html`: convert when the text contains tags, else strip),
//! HTML is converted and anything else is only trimmed. Remote input is untrusted: scripts and
//! styles are dropped, the work is bounded on huge or deeply nested documents, and nothing here
//! panics.

use htmd::element_handler::{HandlerResult, Handlers};
use htmd::{Element, HtmlToMarkdown};

/// Inputs longer than this (bytes) are cut before conversion: no dataset description is that
/// long, and the converter's cost grows with the input.
pub const MAX_INPUT_BYTES: usize = 512 * 1024;

/// Element nesting above which the (recursive) converter is not used; the text is then
/// extracted by a flat tag stripper instead.
const MAX_NESTING: usize = 256;

/// Tags whose content is never text.
const SKIPPED_TAGS: &[&str] = &[
    "script", "style", "noscript", "template", "iframe", "object", "embed", "head", "title", "svg",
    "math", "canvas", "form", "button", "select", "input", "textarea",
];

/// `\r\n` and lone `\r` as `\n`.
pub fn normalize_line_endings(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('\r') {
        std::borrow::Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// HTML tags void of content (no closing tag), for the nesting estimate.
const VOID_TAGS: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

/// Markdown for a remote description: line endings made `\n` (what an XML parser does, and
/// udata's `line_endings` filter), then HTML (text containing tags) is converted, with scripts
/// and styles removed; other text is returned trimmed and otherwise unchanged.
pub fn html_to_markdown(text: &str) -> String {
    let text = normalize_line_endings(text);
    let text = truncate(text.trim(), MAX_INPUT_BYTES);
    if !looks_like_html(text) {
        return text.to_string();
    }
    if max_nesting(text) > MAX_NESTING {
        return strip_tags(text);
    }
    let converter = HtmlToMarkdown::builder()
        .skip_tags(SKIPPED_TAGS.to_vec())
        .add_handler(vec!["em", "i"], emphasis)
        .build();
    match converter.convert(text) {
        Ok(markdown) => tidy(&markdown),
        Err(_) => strip_tags(text),
    }
}

/// `<em>` and `<i>` as udata writes them (html2text's default emphasis mark): `_x_`, where the
/// converter's own default is `*x*`. Whitespace at the edges stays outside the marks.
fn emphasis(handlers: &dyn Handlers, element: Element) -> Option<HandlerResult> {
    let content = handlers.walk_children(element.node).content;
    let inner = content.trim();
    if inner.is_empty() {
        return None;
    }
    let start = content.len() - content.trim_start().len();
    let end = content.trim_end().len();
    let (leading, trailing) = (&content[..start], &content[end..]);
    Some(format!("{leading}_{inner}_{trailing}").into())
}

/// Whether the text contains at least one HTML start or end tag (`<p>`, `<br/>`, `</div>`,
/// `<a href=…>`), as udata's `is_html` does. `a < b`, `<3` and Markdown autolinks
/// (`<https://…>`) are not tags.
fn looks_like_html(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(offset) = memchr_lt(&bytes[i..]) {
        let start = i + offset + 1;
        if tag_at(bytes, start).is_some() {
            return true;
        }
        i = start;
    }
    false
}

fn memchr_lt(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'<')
}

/// If `bytes[start..]` (just after a `<`) is a tag, its lower-case name and whether it closes.
fn tag_at(bytes: &[u8], start: usize) -> Option<(String, bool)> {
    let mut j = start;
    let closing = bytes.get(j) == Some(&b'/');
    if closing {
        j += 1;
    }
    if !bytes.get(j)?.is_ascii_alphabetic() {
        return None;
    }
    let name_start = j;
    while bytes
        .get(j)
        .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'-')
    {
        j += 1;
    }
    let name = &bytes[name_start..j];
    // After the name: the end of the tag, an attribute, or a self-closing slash.
    match bytes.get(j) {
        Some(b'>') | Some(b'/') | Some(b' ') | Some(b'\t') | Some(b'\n') | Some(b'\r') => {}
        _ => return None,
    }
    let name = String::from_utf8_lossy(name).to_ascii_lowercase();
    Some((name, closing))
}

/// A cheap upper bound of the element nesting depth (unclosed elements count as open).
fn max_nesting(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut depth: usize = 0;
    let mut max = 0;
    let mut i = 0;
    while let Some(offset) = memchr_lt(&bytes[i..]) {
        let start = i + offset + 1;
        if let Some((name, closing)) = tag_at(bytes, start) {
            if closing {
                depth = depth.saturating_sub(1);
            } else if !VOID_TAGS.contains(&name.as_str()) && !self_closing(bytes, start) {
                depth += 1;
                max = max.max(depth);
            }
        }
        i = start;
    }
    max
}

fn self_closing(bytes: &[u8], start: usize) -> bool {
    let end = bytes[start..]
        .iter()
        .position(|&b| b == b'>')
        .map(|p| start + p);
    matches!(end, Some(e) if e > start && bytes[e - 1] == b'/')
}

/// Fallback for input the converter is not given: tags removed (with the content of skipped
/// tags such as `<script>`), entities decoded, whitespace tidied. Linear time.
fn strip_tags(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut last = 0;
    while let Some(offset) = memchr_lt(&bytes[i..]) {
        let lt = i + offset;
        let Some((name, closing)) = tag_at(bytes, lt + 1) else {
            if partial_tag_at_end(&bytes[lt + 1..]) {
                // A tag cut by the input limit: drop it.
                out.push_str(&text[last..lt]);
                last = text.len();
                break;
            }
            i = lt + 1;
            continue;
        };
        out.push_str(&text[last..lt]);
        let Some(gt) = bytes[lt..].iter().position(|&b| b == b'>').map(|p| lt + p) else {
            last = text.len();
            break;
        };
        let mut next = gt + 1;
        if !closing && SKIPPED_TAGS.contains(&name.as_str()) {
            // Skip up to the matching end tag (or the end of the text).
            let close = format!("</{name}");
            next = find_ascii_ci(&text[next..], &close).map_or(text.len(), |p| {
                let from = next + p;
                bytes[from..]
                    .iter()
                    .position(|&b| b == b'>')
                    .map_or(text.len(), |q| from + q + 1)
            });
        } else if is_block(&name) {
            out.push('\n');
        }
        last = next;
        i = next;
    }
    if last < text.len() {
        out.push_str(&text[last..]);
    }
    tidy(&decode_entities(&out))
}

/// `/d`, `di`, `span` up to the very end of the text: the start of a tag cut by the input limit.
fn partial_tag_at_end(rest: &[u8]) -> bool {
    let name = rest.strip_prefix(b"/").unwrap_or(rest);
    name.first().is_some_and(u8::is_ascii_alphabetic)
        && name.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-')
}

fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "br"
            | "li"
            | "ul"
            | "ol"
            | "tr"
            | "table"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "blockquote"
            | "pre"
            | "section"
            | "article"
    )
}

/// Byte offset of `needle` (ASCII) in `haystack`, ignoring ASCII case.
fn find_ascii_ci(haystack: &str, needle: &str) -> Option<usize> {
    let h = haystack.as_bytes();
    let n = needle.as_bytes();
    if n.is_empty() || h.len() < n.len() {
        return None;
    }
    (0..=h.len() - n.len()).find(|&i| h[i..i + n.len()].eq_ignore_ascii_case(n))
}

/// Every HTML5 named and numeric character reference decoded, once (`&amp;lt;` is `&lt;`).
/// `&nbsp;` reads as a plain space, as udata's html2text writes it; a reference that names no
/// character (`&bogus;`, `&#0;`) is left as written.
fn decode_entities(s: &str) -> String {
    // "&nbsp;" is always a whole reference: replacing it first cannot create or split another.
    html_escape::decode_html_entities(&s.replace("&nbsp;", " ")).into_owned()
}

/// Trailing spaces removed on every line (except Markdown hard breaks), runs of blank lines
/// collapsed to one, and the whole trimmed.
fn tidy(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut blank_run = 0;
    for line in markdown.lines() {
        let hard_break = line.ends_with("  ") && !line.trim().is_empty();
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            blank_run += 1;
            if blank_run > 1 {
                continue;
            }
        } else {
            blank_run = 0;
        }
        out.push_str(trimmed);
        if hard_break {
            out.push_str("  ");
        }
        out.push('\n');
    }
    out.trim().to_string()
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_endings_become_newlines() {
        assert_eq!(html_to_markdown("a\r\nb\rc\n"), "a\nb\nc");
        assert_eq!(html_to_markdown("<p>a</p>\r\n<p>b</p>"), "a\n\nb");
    }

    #[test]
    fn plain_text_is_trimmed_only() {
        assert_eq!(html_to_markdown("  Hello world \n"), "Hello world");
        assert_eq!(
            html_to_markdown("# Title\n\n* item *bold*\n"),
            "# Title\n\n* item *bold*"
        );
        assert_eq!(html_to_markdown("a < b and c > d"), "a < b and c > d");
        assert_eq!(html_to_markdown("I <3 data"), "I <3 data");
        assert_eq!(
            html_to_markdown("See <https://example.org>"),
            "See <https://example.org>"
        );
        assert_eq!(html_to_markdown(""), "");
    }

    #[test]
    fn detects_html() {
        assert!(looks_like_html("<p>x</p>"));
        assert!(looks_like_html("line<br/>line"));
        assert!(looks_like_html("line<br>line"));
        assert!(looks_like_html("text</div>"));
        assert!(looks_like_html("<a href=\"x\">y</a>"));
        assert!(looks_like_html("<custom-tag>x"));
        assert!(!looks_like_html("x <= y"));
        assert!(!looks_like_html("<https://x.org>"));
        assert!(!looks_like_html("<>"));
        assert!(!looks_like_html("<"));
        assert!(!looks_like_html("plain"));
    }

    #[test]
    fn converts_basic_html() {
        assert_eq!(
            html_to_markdown("<p>Hello <b>world</b></p>"),
            "Hello **world**"
        );
        assert_eq!(
            html_to_markdown("<h1>Title</h1><p>Body</p>"),
            "# Title\n\nBody"
        );
        assert_eq!(
            html_to_markdown("<p>See <a href=\"https://example.org\">the site</a></p>"),
            "See [the site](https://example.org)"
        );
        let list = html_to_markdown("<ul><li>one</li><li>two</li></ul>");
        assert!(list.contains("one") && list.contains("two"), "{list}");
        assert!(list.lines().count() >= 2, "{list}");
        // udata (html2text) writes emphasis with underscores.
        assert_eq!(html_to_markdown("<em>x</em>"), "_x_");
        assert_eq!(html_to_markdown("<p>a <i>b c</i> d</p>"), "a _b c_ d");
        assert_eq!(html_to_markdown("<p>a<em> b </em>c</p>"), "a _b_ c");
        assert_eq!(
            html_to_markdown("<p><b>B</b> and <strong><em>both</em></strong></p>"),
            "**B** and **_both_**"
        );
    }

    #[test]
    fn scripts_and_styles_are_removed() {
        let md = html_to_markdown(
            "<p>Keep</p><script>alert('x')</script><style>p{color:red}</style><p>this</p>",
        );
        assert!(!md.contains("alert"), "{md}");
        assert!(!md.contains("color"), "{md}");
        assert!(md.contains("Keep") && md.contains("this"), "{md}");
    }

    #[test]
    fn entities_are_decoded() {
        assert_eq!(
            html_to_markdown("<p>Caf&eacute; &amp; th&eacute;</p>"),
            "Café & thé"
        );
    }

    #[test]
    fn deep_nesting_falls_back_to_stripping() {
        let depth = 100_000;
        let html = format!(
            "{}deep text{}",
            "<div>".repeat(depth),
            "</div>".repeat(depth)
        );
        assert!(max_nesting(&html) > MAX_NESTING);
        assert_eq!(html_to_markdown(&html), "deep text");
        // Unclosed tags too.
        let unclosed = format!("{}x", "<span>".repeat(50_000));
        assert_eq!(html_to_markdown(&unclosed), "x");
    }

    #[test]
    fn huge_input_is_bounded() {
        let html = format!("<p>{}</p>", "é".repeat(MAX_INPUT_BYTES));
        let md = html_to_markdown(&html);
        assert!(md.len() <= MAX_INPUT_BYTES);
        assert!(md.starts_with('é'));
        let plain = "a".repeat(MAX_INPUT_BYTES * 2);
        assert_eq!(html_to_markdown(&plain).len(), MAX_INPUT_BYTES);
    }

    #[test]
    fn malformed_html_never_panics() {
        for html in [
            "<p>unclosed",
            "</p>",
            "<div><p>a</div></p>",
            "<a href=",
            "<script>never closed",
            "<<<<>>>>",
            "<p>\u{0}</p>",
            "<img src=x onerror=alert(1)>",
            "<p>😀 é</p>",
        ] {
            let _ = html_to_markdown(html);
        }
        assert_eq!(html_to_markdown("<script>never closed"), "");
    }

    #[test]
    fn strip_tags_fallback() {
        assert_eq!(
            strip_tags("<p>one</p><p>two &amp; three</p><script>x()</script>four"),
            "one\n\ntwo & three\nfour"
        );
        assert_eq!(strip_tags("a<br>b"), "a\nb");
        assert_eq!(strip_tags("<STYLE>x</STYLE>y"), "y");
        assert_eq!(strip_tags("<b>unterminated"), "unterminated");
        assert_eq!(strip_tags("<b"), "");
        assert_eq!(strip_tags("x</d"), "x");
        assert_eq!(strip_tags("a <3"), "a <3");
    }

    #[test]
    fn strip_tags_decodes_every_entity() {
        assert_eq!(
            strip_tags("<p>Caf&eacute;&hellip; l&#x2019;eau&nbsp;&amp;&nbsp;th&#233;</p>"),
            "Café… l’eau & thé"
        );
        assert_eq!(
            strip_tags("&lt;b&gt; &quot;x&quot; &#39;y&apos; &amp;lt;"),
            "<b> \"x\" 'y' &lt;"
        );
        // Not a reference, or naming no character: left as written.
        assert_eq!(
            strip_tags("AT&T &bogus; &#0; &#xZZ; a & b"),
            "AT&T &bogus; &#0; &#xZZ; a & b"
        );
    }

    #[test]
    fn tidy_collapses_blank_lines() {
        assert_eq!(tidy("a  \n\n\n\nb   \n"), "a  \n\nb");
        assert_eq!(tidy("\n\n x \n\n"), "x");
    }

    #[test]
    fn truncate_respects_char_boundaries() {
        assert_eq!(truncate("ééé", 3), "é");
        assert_eq!(truncate("abc", 10), "abc");
        assert_eq!(truncate("abc", 0), "");
    }
}
