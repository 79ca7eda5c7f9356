//! Hostile and broken remotes for the security tests (`tests/tests/hostile.rs`, `ssrf.rs`): one
//! axum router serving every misbehaviour a harvester meets in the wild (XML bombs, external
//! entities, endless or compressed-bomb bodies, slow senders, redirect tricks, paging loops, deep
//! nesting, wrong content types, broken CKAN and ODS APIs), and a raw TCP server for what HTTP
//! frameworks refuse to send (no answer at all, connection resets, lying `Content-Length`,
//! truncated bodies, non-HTTP answers, oversized headers).
//!
//! Big bodies are streamed lazily from a static buffer: the 1 GiB answer is never allocated, and
//! the bytes actually produced are counted so a test can check the client stopped reading early.
//! Compression bombs are real deflate streams (fixed Huffman codes, 258-byte back-references of a
//! zero byte: about 160:1), built once.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use futures::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::catalogs::{datasets, turtle_page};

/// Decompressed size of the compression bombs: 1 + 258 × this many zero bytes (≈ 49 MiB).
pub const BOMB_MATCHES: usize = 190_000;
/// Size of the endless body (1 GiB), streamed in 64 KiB chunks.
pub const HUGE_BODY_BYTES: u64 = 1 << 30;
/// Size of the single literal of the `huge-literal` case (20 MiB).
pub const HUGE_LITERAL_BYTES: usize = 20 << 20;
/// Size of the single literal of the `big-literal` case (1.5 MiB: under a 2 MiB body limit).
pub const BIG_LITERAL_BYTES: usize = 3 << 19;
/// Distributions of the `many-distributions` dataset.
pub const MANY_DISTRIBUTIONS: usize = 5_000;
/// Nesting depth of the deep JSON / Turtle / XML documents.
pub const DEEP: usize = 10_000;

static SPACES: [u8; 65_536] = [b' '; 65_536];
static LETTERS: [u8; 65_536] = [b'a'; 65_536];

const DCAT_PREFIXES: &str = "@prefix dcat: <http://www.w3.org/ns/dcat#> .\n\
@prefix dct: <http://purl.org/dc/terms/> .\n\
@prefix ex: <http://example.org/ns#> .\n\
@prefix hydra: <http://www.w3.org/ns/hydra/core#> .\n\n";

/// Shared state of the hostile routes.
#[derive(Clone)]
pub struct Hostile {
    /// Base URL of a server nobody may contact (`http://127.0.0.1:port`): external entities,
    /// remote JSON-LD contexts and forbidden redirects point there.
    pub canary: String,
    /// Requests per `case/key`, for cases that change their answer (429 then 200).
    pub hits: Arc<Mutex<HashMap<String, u64>>>,
    /// Bytes of the endless bodies actually produced (the client must stop early).
    pub streamed: Arc<AtomicU64>,
    /// A host name resolving to a loopback address (see [`loopback_name`]).
    pub loopback_name: String,
    gzip_bomb: Arc<Vec<u8>>,
    zlib_bomb: Arc<Vec<u8>>,
}

impl Hostile {
    /// Build the state (the bombs take a moment: run it off the async runtime if it matters).
    pub fn new(canary: &str) -> Self {
        let (raw, len) = deflate_zeros(BOMB_MATCHES);
        Self {
            canary: canary.trim_end_matches('/').to_owned(),
            hits: Arc::default(),
            streamed: Arc::default(),
            loopback_name: loopback_name(),
            gzip_bomb: Arc::new(gzip_wrap(&raw, len)),
            zlib_bomb: Arc::new(zlib_wrap(&raw, len)),
        }
    }

    /// Compressed size of the gzip bomb.
    pub fn gzip_bomb_len(&self) -> usize {
        self.gzip_bomb.len()
    }

    fn hit(&self, key: &str) -> u64 {
        let mut hits = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        let n = hits.entry(key.to_owned()).or_insert(0);
        *n += 1;
        *n
    }

    /// Requests counted under `key` so far.
    pub fn hits_of(&self, key: &str) -> u64 {
        self.hits
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .copied()
            .unwrap_or(0)
    }

    /// The routes: `/h/{case}` (DCAT), `/ckan/{case}/api/3/action/{action}`,
    /// `/ods/{case}/api/explore/v2.1/catalog/datasets`.
    pub fn routes(&self) -> Router {
        Router::new()
            .route("/h/{case}", get(dcat_case))
            .route("/ckan/{case}/api/3/action/{action}", get(ckan_case))
            .route(
                "/ods/{case}/api/explore/v2.1/catalog/datasets",
                get(ods_case),
            )
            .with_state(self.clone())
    }
}

fn answer(status: u16, content_type: Option<&str>, body: impl Into<Body>) -> Response {
    let mut b = Response::builder().status(status);
    if let Some(ct) = content_type {
        b = b.header(header::CONTENT_TYPE, ct);
    }
    b.body(body.into()).unwrap_or_default()
}

fn turtle(body: impl Into<Body>) -> Response {
    answer(200, Some("text/turtle; charset=utf-8"), body)
}

fn redirect(to: &str) -> Response {
    Response::builder()
        .status(StatusCode::FOUND)
        .header(header::LOCATION, to)
        .body(Body::empty())
        .unwrap_or_default()
}

/// A Turtle page of `n` datasets named `{prefix}-{i}`, with a relative Hydra `next` link.
fn page(prefix: &str, n: usize, next: Option<&str>) -> String {
    turtle_page("", &datasets(prefix, n), next)
}

/// One Turtle dataset with extra predicate-object text spliced in.
fn one_dataset(id: &str, extra: &str) -> String {
    format!(
        "{DCAT_PREFIXES}<https://remote.example.org/dataset/{id}> a dcat:Dataset ;\n  \
         dct:identifier \"{id}\" ;\n  dct:title \"Dataset {id}\" {extra} .\n"
    )
}

/// A stream of `total` bytes taken from a static buffer, counted in `streamed`.
fn lazy_body(
    head: String,
    fill: &'static [u8; 65_536],
    total: u64,
    tail: &'static str,
    streamed: Arc<AtomicU64>,
) -> Body {
    let chunks = total.div_ceil(fill.len() as u64);
    let body = futures::stream::iter(0..chunks).map(move |i| {
        let left = total - i * fill.len() as u64;
        let n = left.min(fill.len() as u64) as usize;
        streamed.fetch_add(n as u64, Ordering::Relaxed);
        Ok::<_, Infallible>(Bytes::from_static(&fill[..n]))
    });
    let head = futures::stream::once(async move { Ok::<_, Infallible>(Bytes::from(head)) });
    let tail =
        futures::stream::once(
            async move { Ok::<_, Infallible>(Bytes::from_static(tail.as_bytes())) },
        );
    Body::from_stream(head.chain(body).chain(tail))
}

fn billion_laughs() -> String {
    let mut doctype = String::from("<!DOCTYPE rdf:RDF [\n  <!ENTITY lol0 \"lol\">\n");
    for i in 1..=9 {
        let prev = format!("&lol{};", i - 1);
        doctype.push_str(&format!("  <!ENTITY lol{i} \"{}\">\n", prev.repeat(10)));
    }
    doctype.push_str("]>\n");
    rdfxml_dataset("billion-laughs", &doctype, "&lol9;")
}

fn rdfxml_dataset(id: &str, doctype: &str, title: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?>\n{doctype}<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" \
         xmlns:dcat=\"http://www.w3.org/ns/dcat#\" xmlns:dct=\"http://purl.org/dc/terms/\">\n\
         <dcat:Dataset rdf:about=\"https://remote.example.org/dataset/{id}\">\n\
         <dct:identifier>{id}</dct:identifier>\n<dct:title>{title}</dct:title>\n\
         </dcat:Dataset>\n</rdf:RDF>\n"
    )
}

fn deep_json(depth: usize, key: &str) -> String {
    let mut s = String::with_capacity(depth * (key.len() + 6) + 16);
    for _ in 0..depth {
        s.push_str(&format!("{{\"{key}\":"));
    }
    s.push_str("\"leaf\"");
    s.push_str(&"}".repeat(depth));
    s
}

/// Deterministic binary garbage (xorshift), starting with bytes that sniff as nothing.
pub fn garbage(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(&[0x00, 0xFF, 0xFE, 0x01]);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    out
}

#[derive(serde::Deserialize)]
struct PageQuery {
    page: Option<u64>,
}

async fn dcat_case(
    State(st): State<Hostile>,
    Path(case): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    let pageno = q.page.unwrap_or(1);
    let canary = st.canary.clone();
    match case.as_str() {
        // Controls: a small, valid catalog.
        c if c.starts_with("ok") => turtle(page(c, 3, None)),

        // XML attacks.
        "billion-laughs" => answer(200, Some("application/rdf+xml"), billion_laughs()),
        "xxe-file" => answer(
            200,
            Some("application/rdf+xml"),
            rdfxml_dataset(
                "xxe-file",
                "<!DOCTYPE rdf:RDF [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n",
                "&xxe;",
            ),
        ),
        "xxe-http" => answer(
            200,
            Some("application/rdf+xml"),
            rdfxml_dataset(
                "xxe-http",
                &format!("<!DOCTYPE rdf:RDF [<!ENTITY xxe SYSTEM \"{canary}/xxe\">]>\n"),
                "&xxe;",
            ),
        ),
        "xxe-parameter" => answer(
            200,
            Some("application/rdf+xml"),
            rdfxml_dataset(
                "xxe-parameter",
                &format!(
                    "<!DOCTYPE rdf:RDF [<!ENTITY % remote SYSTEM \"{canary}/evil.dtd\"> %remote;]>\n"
                ),
                "parameter entity",
            ),
        ),
        "deep-rdfxml" => {
            let mut inner = String::new();
            for _ in 0..DEEP {
                inner.push_str("<ex:p rdf:parseType=\"Resource\">");
            }
            inner.push_str(&"</ex:p>".repeat(DEEP));
            let doc = format!(
                "<?xml version=\"1.0\"?>\n<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" \
                 xmlns:dcat=\"http://www.w3.org/ns/dcat#\" xmlns:dct=\"http://purl.org/dc/terms/\" \
                 xmlns:ex=\"http://example.org/ns#\">\n\
                 <dcat:Dataset rdf:about=\"https://remote.example.org/dataset/deep-rdfxml\">\n\
                 <dct:identifier>deep-rdfxml</dct:identifier><dct:title>Deep</dct:title>{inner}\
                 </dcat:Dataset>\n</rdf:RDF>\n"
            );
            answer(200, Some("application/rdf+xml"), doc)
        }

        // Size attacks.
        "huge-body" => answer(
            200,
            Some("text/turtle"),
            lazy_body(
                DCAT_PREFIXES.to_owned(),
                &SPACES,
                HUGE_BODY_BYTES,
                "",
                st.streamed.clone(),
            ),
        ),
        "huge-literal" => {
            let head = format!(
                "{DCAT_PREFIXES}<https://remote.example.org/dataset/huge-literal> a dcat:Dataset ;\n  \
                 dct:identifier \"huge-literal\" ;\n  dct:title \""
            );
            answer(
                200,
                Some("text/turtle"),
                lazy_body(
                    head,
                    &LETTERS,
                    HUGE_LITERAL_BYTES as u64,
                    "\" .\n",
                    st.streamed.clone(),
                ),
            )
        }
        "big-literal" => turtle(one_dataset(
            "big-literal",
            &format!("; dct:description \"{}\"", "b".repeat(BIG_LITERAL_BYTES)),
        )),
        "many-distributions" => {
            let mut extra = String::with_capacity(MANY_DISTRIBUTIONS * 200);
            for i in 0..MANY_DISTRIBUTIONS {
                extra.push_str(&format!(
                    "; dcat:distribution [ a dcat:Distribution ; dct:title \"File {i}\" ; \
                     dcat:downloadURL <https://remote.example.org/files/many/{i}.csv> ; dct:format \"CSV\" ]\n"
                ));
            }
            turtle(one_dataset("many-distributions", &extra))
        }
        "gzip-bomb" => Response::builder()
            .header(header::CONTENT_TYPE, "text/turtle")
            .header(header::CONTENT_ENCODING, "gzip")
            .body(Body::from(st.gzip_bomb.as_ref().clone()))
            .unwrap_or_default(),
        "deflate-bomb" => Response::builder()
            .header(header::CONTENT_TYPE, "text/turtle")
            .header(header::CONTENT_ENCODING, "deflate")
            .body(Body::from(st.zlib_bomb.as_ref().clone()))
            .unwrap_or_default(),

        // Slow senders.
        "slow-drip" => {
            let drip = futures::stream::unfold(0u32, |i| async move {
                if i >= 3_600 {
                    return None;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
                Some((Ok::<_, Infallible>(Bytes::from_static(b"#")), i + 1))
            });
            answer(200, Some("text/turtle"), Body::from_stream(drip))
        }

        // Redirect tricks.
        "redirect-loop-a" => redirect("/h/redirect-loop-b"),
        "redirect-loop-b" => redirect("/h/redirect-loop-a"),
        "redirect-chain" => redirect(&format!("/h/redirect-chain?page={}", pageno + 1)),
        "redirect-private" => redirect(&format!("{canary}/stolen")),
        "redirect-metadata" => redirect("http://169.254.169.254/latest/meta-data/iam/"),
        "redirect-file" => redirect("file:///etc/passwd"),
        "redirect-dns" => {
            let port = canary.rsplit(':').next().unwrap_or("80");
            redirect(&format!("http://{}:{port}/dns", st.loopback_name))
        }

        // Paging attacks.
        "hydra-loop-a" => turtle(page("hydra-loop-a", 2, Some("/h/hydra-loop-b"))),
        "hydra-loop-b" => turtle(page("hydra-loop-b", 2, Some("/h/hydra-loop-a"))),
        "runaway-paging" => turtle(page(
            &format!("runaway-{pageno}"),
            2,
            Some(&format!("?page={}", pageno + 1)),
        )),
        "same-page" => turtle(page("same-page", 2, Some(&format!("?page={}", pageno + 1)))),

        // Broken syntax and encodings.
        "invalid-utf8" => {
            let mut body = one_dataset("invalid-utf8", "; dct:description \"caf\u{e9} PLACEHOLDER\"")
                .into_bytes();
            // Latin-1 bytes and a lone continuation byte inside a literal.
            let at = body
                .windows(11)
                .position(|w| w == b"PLACEHOLDER")
                .unwrap_or(0);
            body.splice(at..at + 11, [0xE9, 0xFF, 0xFE, 0x80, b'x']);
            turtle(body)
        }
        "truncated-turtle" => {
            let full = page("truncated-turtle", 3, None);
            let cut = full.len() * 2 / 3;
            turtle(full.as_bytes()[..cut].to_vec())
        }
        "garbage" => answer(200, Some("application/octet-stream"), garbage(64 * 1024)),
        "garbage-as-turtle" => turtle(garbage(64 * 1024)),
        "deep-jsonld" => answer(
            200,
            Some("application/ld+json"),
            deep_json(DEEP, "http://example.org/ns#p"),
        ),
        "deep-turtle" => {
            let mut extra = String::from("; ex:p ");
            extra.push_str(&"[ ex:p ".repeat(DEEP));
            extra.push_str("\"leaf\"");
            extra.push_str(&" ]".repeat(DEEP));
            turtle(one_dataset("deep-turtle", &extra))
        }
        "deep-collection" => {
            let mut extra = String::from("; ex:p ");
            extra.push_str(&"( ".repeat(DEEP));
            extra.push_str("\"leaf\"");
            extra.push_str(&" )".repeat(DEEP));
            turtle(one_dataset("deep-collection", &extra))
        }
        "jsonld-remote-context" => answer(
            200,
            Some("application/ld+json"),
            serde_json::json!({
                "@context": [
                    format!("{canary}/context.jsonld"),
                    {
                        "@import": format!("{canary}/import.jsonld"),
                        "dct": "http://purl.org/dc/terms/",
                        "distribution": {
                            "@id": "http://www.w3.org/ns/dcat#distribution",
                            "@context": format!("{canary}/scoped.jsonld")
                        }
                    }
                ],
                "@graph": [{
                    "@id": "https://remote.example.org/dataset/jsonld-remote-context",
                    "@type": "http://www.w3.org/ns/dcat#Dataset",
                    "dct:identifier": "jsonld-remote-context",
                    "dct:title": "A dataset behind remote contexts",
                    "title": "this term needs the remote context: dropped",
                    "distribution": {
                        "@id": "https://remote.example.org/dataset/jsonld-remote-context/csv",
                        "http://www.w3.org/ns/dcat#downloadURL": {"@id": "https://remote.example.org/files/ctx.csv"}
                    }
                }]
            })
            .to_string(),
        ),

        // Wrong content types.
        "turtle-as-html" => answer(200, Some("text/html; charset=utf-8"), page("turtle-as-html", 2, None)),
        "rdfxml-as-json" => answer(
            200,
            Some("application/json"),
            rdfxml_dataset("rdfxml-as-json", "", "RDF/XML served as JSON"),
        ),
        "html-200" => answer(
            200,
            Some("text/html; charset=utf-8"),
            "<!DOCTYPE html><html><head><title>Maintenance</title></head>\
             <body><h1>We'll be back soon</h1></body></html>",
        ),
        "empty-200" => answer(200, None, Body::empty()),
        "empty-turtle" => turtle(Body::empty()),
        "empty-catalog" => turtle(format!(
            "{DCAT_PREFIXES}<https://remote.example.org/catalog/empty> a dcat:Catalog ;\n  \
             dct:title \"Nothing here yet\" .\n"
        )),

        // Status codes.
        "http-500" => {
            st.hit("http-500");
            answer(500, Some("text/plain"), "Internal Server Error")
        }
        "http-404" => answer(404, Some("text/plain"), "Not Found"),
        _ => answer(404, Some("text/plain"), "unknown hostile case"),
    }
}

/// A CKAN package with one resource.
pub fn ckan_package(id: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id, "name": id, "title": format!("Package {id}"), "notes": "A package.",
        "state": "active", "private": false, "license_id": "cc-by",
        "resources": [{"id": format!("{id}-r"), "name": "data", "format": "CSV",
                       "url": format!("https://remote.example.org/files/{id}.csv")}]
    })
}

fn ckan_ok(result: serde_json::Value) -> Response {
    answer(
        200,
        Some("application/json"),
        serde_json::json!({"success": true, "result": result}).to_string(),
    )
}

async fn ckan_case(
    State(st): State<Hostile>,
    Path((case, action)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let id = q.get("id").cloned().unwrap_or_default();
    let names = |prefix: &str| {
        serde_json::json!([
            format!("{prefix}-1"),
            format!("{prefix}-2"),
            format!("{prefix}-3")
        ])
    };
    match (case.as_str(), action.as_str()) {
        (_, "package_show") if id.ends_with("-2") && case == "ckan-429" => {
            if st.hit(&format!("{case}/{id}")) == 1 {
                return Response::builder()
                    .status(StatusCode::TOO_MANY_REQUESTS)
                    .header(header::RETRY_AFTER, "1")
                    .body(Body::from("slow down"))
                    .unwrap_or_default();
            }
            ckan_ok(ckan_package(&id))
        }
        (_, "package_show") if id.ends_with("-2") && case == "ckan-item-timeout" => {
            st.hit(&format!("{case}/{id}"));
            tokio::time::sleep(Duration::from_secs(120)).await;
            ckan_ok(ckan_package(&id))
        }
        (_, "package_show") if id.ends_with("-2") && case == "ckan-deep-package" => {
            answer(200, Some("application/json"), deep_json(DEEP, "result"))
        }
        (_, "package_show") => {
            st.hit(&format!("{case}/{id}"));
            ckan_ok(ckan_package(&id))
        }
        ("ckan-success-false", _) => answer(
            200,
            Some("application/json"),
            r#"{"success": false, "error": {"__type": "Authorization Error", "message": "Access denied: API key invalid"}}"#,
        ),
        ("ckan-not-json", _) => answer(200, Some("application/json"), "Internal error: <<<oops>>>"),
        ("ckan-html", _) => answer(
            200,
            Some("text/html"),
            "<!DOCTYPE html><html><body>Drupal front page</body></html>",
        ),
        ("ckan-deep-list", _) => answer(200, Some("application/json"), {
            let mut s = String::from("{\"success\": true, \"result\": ");
            s.push_str(&"[".repeat(DEEP));
            s.push_str(&"]".repeat(DEEP));
            s.push('}');
            s
        }),
        ("ckan-list-not-array", _) => ckan_ok(serde_json::json!({"not": "a list"})),
        ("ckan-500", _) => {
            st.hit("ckan-500");
            answer(500, Some("text/html"), "<h1>Internal Server Error</h1>")
        }
        (prefix, "package_list") => ckan_ok(names(prefix)),
        _ => answer(404, Some("application/json"), r#"{"success": false}"#),
    }
}

async fn ods_case(Path(case): Path<String>) -> Response {
    match case.as_str() {
        "ods-not-json" => answer(200, Some("application/json"), "<html>proxy error</html>"),
        "ods-deep" => answer(200, Some("application/json"), deep_json(DEEP, "results")),
        "ods-no-results" => answer(200, Some("application/json"), r#"{"total_count": 3}"#),
        _ => answer(404, Some("application/json"), "{}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Compression bombs.

struct BitWriter {
    out: Vec<u8>,
    acc: u64,
    bits: u32,
}

impl BitWriter {
    /// `n` bits of `value`, least significant first (deflate header fields).
    fn bits(&mut self, value: u32, n: u32) {
        self.acc |= u64::from(value) << self.bits;
        self.bits += n;
        while self.bits >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.bits -= 8;
        }
    }

    /// A Huffman code of `len` bits, most significant first.
    fn code(&mut self, code: u32, len: u32) {
        let reversed = code.reverse_bits() >> (32 - len);
        self.bits(reversed, len);
    }

    fn finish(mut self) -> Vec<u8> {
        if self.bits > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

/// A raw deflate stream (one fixed-Huffman block) of `1 + 258 × matches` zero bytes; returns the
/// stream and the decompressed length.
pub fn deflate_zeros(matches: usize) -> (Vec<u8>, u64) {
    let mut w = BitWriter {
        out: Vec::with_capacity(matches * 13 / 8 + 16),
        acc: 0,
        bits: 0,
    };
    w.bits(1, 1); // BFINAL
    w.bits(1, 2); // BTYPE = fixed Huffman
    w.code(0x30, 8); // literal 0x00
    for _ in 0..matches {
        w.code(0xC5, 8); // length code 285: 258 bytes
        w.code(0, 5); // distance code 0: distance 1
    }
    w.code(0, 7); // end of block
    (w.finish(), 1 + 258 * matches as u64)
}

fn crc32_zeros(len: u64) -> u32 {
    let mut table = [0u32; 256];
    for (i, slot) in table.iter_mut().enumerate() {
        let mut c = i as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
        *slot = c;
    }
    let mut crc = !0u32;
    for _ in 0..len {
        crc = table[(crc & 0xFF) as usize] ^ (crc >> 8);
    }
    !crc
}

/// The deflate stream as a gzip member.
pub fn gzip_wrap(raw: &[u8], len: u64) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    out.extend_from_slice(raw);
    out.extend_from_slice(&crc32_zeros(len).to_le_bytes());
    out.extend_from_slice(&(len as u32).to_le_bytes());
    out
}

/// The deflate stream as a zlib stream (what HTTP `deflate` means).
pub fn zlib_wrap(raw: &[u8], len: u64) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    out.extend_from_slice(raw);
    let adler = (((len % 65_521) as u32) << 16) | 1;
    out.extend_from_slice(&adler.to_be_bytes());
    out
}

// ---------------------------------------------------------------------------------------------
// Raw TCP misbehaviours.

/// A TCP server answering by request path, below HTTP frameworks:
///
/// * `/never`: accepts, reads the request, never answers;
/// * `/reset`: closes with a TCP reset;
/// * `/content-length-4g`: announces `Content-Length: 4294967296`, sends 100 bytes, waits;
/// * `/truncated`: announces 100,000 bytes, sends 1,000, closes;
/// * `/not-http`: answers an SSH banner;
/// * `/huge-header`: a 2 MiB header line;
/// * `/slow-headers`: sends the status line, then one header byte a second.
pub struct RawServer {
    pub addr: SocketAddr,
    pub requests: Arc<AtomicU64>,
    handle: tokio::task::JoinHandle<()>,
}

impl RawServer {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}/{}", self.addr, path.trim_start_matches('/'))
    }

    pub fn host_port(&self) -> String {
        self.addr.to_string()
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

pub async fn start_raw() -> std::io::Result<RawServer> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let requests = Arc::new(AtomicU64::new(0));
    let counter = requests.clone();
    let handle = tokio::spawn(async move {
        // Connection tasks live in the set: aborting the server aborts them too.
        let mut conns = tokio::task::JoinSet::new();
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let Ok((stream, _)) = accepted else { continue };
                    counter.fetch_add(1, Ordering::Relaxed);
                    conns.spawn(raw_connection(stream));
                }
                Some(_) = conns.join_next(), if !conns.is_empty() => {}
            }
        }
    });
    Ok(RawServer {
        addr,
        requests,
        handle,
    })
}

async fn raw_connection(mut stream: tokio::net::TcpStream) {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 65_536 {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let head = String::from_utf8_lossy(&head);
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let ok = "HTTP/1.1 200 OK\r\nContent-Type: text/turtle\r\n";
    match path.as_str() {
        "/never" => tokio::time::sleep(Duration::from_secs(300)).await,
        "/reset" => {
            let _ = stream.set_zero_linger();
            drop(stream);
        }
        "/content-length-4g" => {
            let _ = stream
                .write_all(format!("{ok}Content-Length: 4294967296\r\n\r\n").as_bytes())
                .await;
            let _ = stream.write_all(&[b' '; 100]).await;
            tokio::time::sleep(Duration::from_secs(300)).await;
        }
        "/truncated" => {
            let _ = stream
                .write_all(format!("{ok}Content-Length: 100000\r\n\r\n").as_bytes())
                .await;
            let _ = stream
                .write_all(page("truncated", 3, None).as_bytes())
                .await;
            let _ = stream.shutdown().await;
        }
        "/not-http" => {
            let _ = stream
                .write_all(b"SSH-2.0-OpenSSH_9.6p1 Debian-4\r\n")
                .await;
            let _ = stream.shutdown().await;
        }
        "/huge-header" => {
            let _ = stream.write_all(format!("{ok}X-Junk: ").as_bytes()).await;
            for _ in 0..32 {
                if stream.write_all(&LETTERS).await.is_err() {
                    return;
                }
            }
            let _ = stream.write_all(b"\r\n\r\n").await;
            let _ = stream.shutdown().await;
        }
        "/slow-headers" => {
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nX-Slow: ").await;
            for _ in 0..300 {
                tokio::time::sleep(Duration::from_secs(1)).await;
                if stream.write_all(b"a").await.is_err() {
                    return;
                }
            }
        }
        _ => {
            let _ = stream
                .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                .await;
        }
    }
}

/// Peak resident memory of this process (`VmHWM`), in bytes, where `/proc` tells it.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// A host name that resolves to a loopback address but is not spelled `localhost` (so only the
/// guard's check of resolved addresses can refuse it): the first such name of `/etc/hosts` on a
/// 127.x line (Debian lists the machine's own name under 127.0.1.1), else on a `::1` line
/// (`ip6-localhost`), else `localhost.`.
pub fn loopback_name() -> String {
    let hosts = std::fs::read_to_string("/etc/hosts").unwrap_or_default();
    let names = |v4: bool| {
        hosts
            .lines()
            .map(|l| l.split('#').next().unwrap_or(""))
            .filter_map(|l| {
                let mut fields = l.split_whitespace();
                let ip: std::net::IpAddr = fields.next()?.parse().ok()?;
                (ip.is_loopback() && ip.is_ipv4() == v4).then_some(fields)
            })
            .flatten()
            .find(|name| {
                let n = name.to_ascii_lowercase();
                n != "localhost" && !n.ends_with(".localhost")
            })
            .map(str::to_owned)
    };
    names(true)
        .or_else(|| names(false))
        .unwrap_or_else(|| "localhost.".into())
}
