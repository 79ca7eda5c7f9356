//! The generated catalogs over HTTP: every DCAT syntax pages to the same triples; the CKAN API
//! answers by name and id, with validators and a variant switched while serving.

use super::*;

async fn get(url: &str, h: &[(&str, &str)]) -> (u16, HeaderMap, Vec<u8>) {
    let mut req = reqwest::Client::new().get(url);
    for (k, v) in h {
        req = req.header(*k, *v);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.bytes().await.expect("body").to_vec();
    (status, headers, body)
}

#[tokio::test]
async fn pages_parse_in_every_syntax_with_the_same_triples() {
    let spec = CatalogSpec {
        seed: 9,
        datasets: 25,
        page_size: 10,
        ..Default::default()
    };
    let (router, control) = routes_with_control(spec);
    let (addr, _task) = serve("127.0.0.1:0".parse().expect("addr"), router)
        .await
        .expect("serve");
    let expected = control.count_triples();
    for syntax in Syntax::ALL {
        let mut url = format!("http://{addr}/catalog.{}", syntax.extension());
        let mut triples = 0usize;
        let mut items = 0usize;
        let mut pages = 0;
        loop {
            let (status, headers, body) = get(&url, &[]).await;
            assert_eq!(status, 200, "{url}");
            let ct = headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let parsed =
                backends::rdf::parse::parse_rdf(&body, ct.as_deref(), &url).expect("parses");
            assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
            triples += parsed.graph.len();
            let page = backends::rdf::catalog::extract_items(&parsed.graph, &url, None);
            items += page.items.iter().filter(|i| i.is_ok()).count();
            pages += 1;
            match page.next_page {
                Some(n) => url = n,
                None => break,
            }
        }
        assert_eq!(pages, 3, "{syntax:?}");
        assert_eq!(items, 25, "{syntax:?}");
        assert_eq!(triples as u64, expected, "{syntax:?}");
    }
}

#[tokio::test]
async fn ckan_api_and_validators() {
    let spec = CatalogSpec {
        seed: 4,
        datasets: 30,
        validators: true,
        mount: "/portal".into(),
        ..Default::default()
    };
    let (router, control) = routes_with_control(spec);
    let (addr, _task) = serve("127.0.0.1:0".parse().expect("addr"), router)
        .await
        .expect("serve");
    let base = format!("http://{addr}/portal/api/3/action");
    let (status, _, body) = get(&format!("{base}/package_list"), &[]).await;
    assert_eq!(status, 200);
    let list: serde_json::Value = serde_json::from_slice(&body).expect("json");
    let names = list["result"].as_array().expect("names").clone();
    assert_eq!(names.len(), 30);
    let name = names[7].as_str().expect("name");
    let (status, headers, body) = get(&format!("{base}/package_show?id={name}"), &[]).await;
    assert_eq!(status, 200);
    let pkg: serde_json::Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(pkg["result"]["name"], name);
    let etag = headers
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .expect("etag")
        .to_owned();
    let (status, _, body) = get(
        &format!("{base}/package_show?id={name}"),
        &[("if-none-match", &etag)],
    )
    .await;
    assert_eq!((status, body.len()), (304, 0));
    // By id too.
    let id = pkg["result"]["id"].as_str().expect("id");
    let (status, _, _) = get(&format!("{base}/package_show?id={id}"), &[]).await;
    assert_eq!(status, 200);
    let (status, _, _) = get(&format!("{base}/package_show?id=nope-1234"), &[]).await;
    assert_eq!(status, 404);
    let (status, _, body) = get(&format!("{base}/package_search?rows=20&start=20"), &[]).await;
    assert_eq!(status, 200);
    let s: serde_json::Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(s["result"]["count"], 30);
    assert_eq!(s["result"]["results"].as_array().map(Vec::len), Some(10));
    // A removed share disappears from the listing.
    control.set_variant(Variant::removed(0.5));
    let (_, _, body) = get(&format!("{base}/package_list"), &[]).await;
    let list: serde_json::Value = serde_json::from_slice(&body).expect("json");
    let n = list["result"].as_array().map(Vec::len).unwrap_or(0);
    assert!(n < 30 && n > 0, "{n}");
    assert_eq!(n, control.listed());
    assert!(control.stats().not_modified >= 1);
}
