//! From one parsed catalog page to harvest items: which nodes are datasets, what each dataset's
//! subgraph is, where the next page is (Hydra), and a content hash of a subgraph that does not
//! depend on blank node labels.
//!
//! Items carry their dataset's subgraph as N-Triples (`Payload::Rdf`), so the item worker never
//! re-fetches a catalog page and the page graph is dropped as soon as its items are pushed.
//!
//! Datasets are the nodes typed `dcat:Dataset` or `dcat:DatasetSeries` (a node with both types,
//! as SEMIC's ISO→DCAT conversion produces for series, counts once), plus the nodes a
//! `dcat:Catalog` lists with `dcat:dataset` that are described in the page without a type. As in
//! udata, a node without title whose only link in the page is a `dcat:servesDataset` or
//! `dct:hasPart` is a reference to a dataset described elsewhere, not a dataset of this page; so
//! is a node without title that carries nothing but its type.

use std::collections::{HashMap, HashSet, VecDeque};

use common::model::Payload;
use sha2::{Digest, Sha256};

use super::graph::{BnodeLabels, Graph, Term, TermId, Triple};
use super::vocab::*;
use crate::harvester::RemoteItem;

/// Largest subgraph accepted for one dataset.
pub const MAX_SUBGRAPH_TRIPLES: usize = 50_000;
/// How many IRI hops from the dataset node are followed (blank nodes are always followed).
/// Two hops reach e.g. dataset → distribution → access service, dataset → licence → label,
/// dataset → publisher → parent organisation.
pub const MAX_IRI_DEPTH: usize = 2;

/// Why one dataset of a page cannot become an item (the rest of the page still can).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DatasetError {
    #[error("dataset {node} (title {title:?}) is a blank node without dct:identifier: it cannot be identified from one harvest to the next")]
    NoIdentifier { node: String, title: Option<String> },
    #[error("dataset {remote_id}: subgraph exceeds {limit} triples")]
    TooLarge { remote_id: String, limit: usize },
}

/// Items of one page, and the next page.
#[derive(Debug, Default)]
pub struct PageItems {
    pub items: Vec<Result<RemoteItem, DatasetError>>,
    /// Next page URL (Hydra), absolute.
    pub next_page: Option<String>,
}

/// Dataset nodes of a page, in document order.
pub fn dataset_nodes(g: &Graph) -> Vec<TermId> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for class in [DCAT_DATASET_CLASS, DCAT_DATASET_SERIES] {
        for n in g.instances_of(class) {
            if seen.insert(n) {
                out.push(n);
            }
        }
    }
    if let Some(p) = g.iri_id(DCAT_DATASET) {
        let listed: Vec<TermId> = g
            .triples()
            .iter()
            .filter(|t| t[1] == p)
            .map(|t| t[2])
            .collect();
        for n in listed {
            if g.term(n).is_literal() || !g.is_described(n) || seen.contains(&n) {
                continue;
            }
            if g.has_type(n, DCAT_DATA_SERVICE) || g.has_type(n, DCAT_CATALOG) {
                continue;
            }
            seen.insert(n);
            out.push(n);
        }
    }
    // Keep document order (types may be declared late in the page).
    let order: HashMap<TermId, usize> = g
        .triples()
        .iter()
        .enumerate()
        .rev()
        .map(|(i, t)| (t[0], i))
        .collect();
    out.sort_by_key(|n| order.get(n).copied().unwrap_or(usize::MAX));
    out.retain(|n| !is_external_reference(g, *n));
    out
}

/// udata's `is_dataset_external_to_this_page`, plus: a node without title whose only triples
/// are its types is a reference to a dataset described on another page (catalogs typing the
/// objects of `dcat:dataset` inline), not a dataset of this page.
fn is_external_reference(g: &Graph, node: TermId) -> bool {
    if !g.objects(node, DCT_TITLE).is_empty() {
        return false;
    }
    let rdf_type = g.iri_id(RDF_TYPE);
    if g.triples_of(node).all(|t| Some(t[1]) == rdf_type) {
        return true;
    }
    let incoming: Vec<Triple> = g.triples_to(node).collect();
    incoming.len() == 1
        && [DCAT_SERVES_DATASET, DCT_HAS_PART]
            .iter()
            .any(|p| g.iri_id(p) == Some(incoming[0][1]))
}

/// The first non-empty text of `(node, predicate, ?)`.
pub(crate) fn first_text(g: &Graph, node: TermId, predicate: &str) -> Option<String> {
    g.objects(node, predicate)
        .into_iter()
        .filter_map(|o| g.term(o).text().map(str::trim))
        .find(|s| !s.is_empty())
        .map(str::to_owned)
}

/// The remote id of a dataset: its `dct:identifier`, else its IRI; `None` for a blank node
/// without identifier.
pub fn remote_id(g: &Graph, node: TermId) -> Option<String> {
    first_text(g, node, DCT_IDENTIFIER).or_else(|| g.term(node).as_iri().map(str::to_owned))
}

/// The triples describing one dataset: its own, its blank nodes (transitively), and the nodes
/// it links to that the page describes, up to [`MAX_IRI_DEPTH`] IRI hops, never crossing into
/// another dataset or a catalog; plus the catalog records whose `foaf:primaryTopic` it is.
pub fn dataset_subgraph(g: &Graph, root: TermId, datasets: &HashSet<TermId>) -> Vec<Triple> {
    let rdf_type = g.iri_id(RDF_TYPE);
    let mut out = Vec::new();
    let mut visited = HashSet::new();
    let mut queue = VecDeque::from([(root, 0usize)]);
    for record in g.subjects(FOAF_PRIMARY_TOPIC, root) {
        queue.push_back((record, 1));
    }
    while let Some((node, depth)) = queue.pop_front() {
        if !visited.insert(node) {
            continue;
        }
        for t in g.triples_of(node) {
            out.push(t);
            let o = t[2];
            if visited.contains(&o) || Some(t[1]) == rdf_type || datasets.contains(&o) {
                continue;
            }
            match g.term(o) {
                Term::Blank(_) => queue.push_back((o, depth)),
                Term::Iri(_) => {
                    if depth < MAX_IRI_DEPTH && g.is_described(o) && !g.has_type(o, DCAT_CATALOG) {
                        queue.push_back((o, depth + 1));
                    }
                }
                Term::Literal { .. } => {}
            }
        }
        if out.len() > MAX_SUBGRAPH_TRIPLES {
            break;
        }
    }
    out
}

/// Resolve the relative references of a catalog page against its URL, except the identifiers of
/// its datasets. A relative dataset IRI is an identifier, kept as written (udata's reading,
/// docs/udata-compatibility.md); a relative download, access or landing-page link is a link
/// relative to the page, which a portal can only follow resolved. (CSW records are not passed
/// here: there the page URL is an API endpoint, and nothing is resolved against it.)
pub fn resolve_links(g: &mut Graph, page_url: &str) {
    let Ok(base) = url::Url::parse(page_url) else {
        return;
    };
    let datasets: HashSet<TermId> = dataset_nodes(g).into_iter().collect();
    g.rewrite_iris(|id, iri| {
        if datasets.contains(&id)
            || !matches!(
                url::Url::parse(iri),
                Err(url::ParseError::RelativeUrlWithoutBase)
            )
        {
            return None;
        }
        base.join(iri).ok().map(|u| u.to_string())
    });
}

/// Every dataset of a page as an item (or the reason it cannot be one), and the next page.
pub fn extract_items(g: &Graph, page_url: &str, remote_url_prefix: Option<&str>) -> PageItems {
    let nodes = dataset_nodes(g);
    let datasets: HashSet<TermId> = nodes.iter().copied().collect();
    let mut items = Vec::with_capacity(nodes.len());
    for node in nodes {
        items.push(item_for(g, node, &datasets, remote_url_prefix));
    }
    PageItems {
        items,
        next_page: next_page(g, page_url),
    }
}

fn item_for(
    g: &Graph,
    node: TermId,
    datasets: &HashSet<TermId>,
    remote_url_prefix: Option<&str>,
) -> Result<RemoteItem, DatasetError> {
    let mut labels = BnodeLabels::default();
    let Some(remote_id) = remote_id(g, node) else {
        return Err(DatasetError::NoIdentifier {
            node: g.nt_term(node, &mut BnodeLabels::default()),
            title: first_text(g, node, DCT_TITLE),
        });
    };
    let triples = dataset_subgraph(g, node, datasets);
    if triples.len() > MAX_SUBGRAPH_TRIPLES {
        return Err(DatasetError::TooLarge {
            remote_id,
            limit: MAX_SUBGRAPH_TRIPLES,
        });
    }
    let root = g.nt_term(node, &mut labels);
    let ntriples = g.write_ntriples(&triples, &mut labels);
    Ok(RemoteItem {
        remote_url: super::dcat_map::remote_url(g, node, remote_url_prefix),
        remote_id,
        payload: Payload::Rdf { root, ntriples },
    })
}

/// The next page announced by Hydra paging: `hydra:PartialCollectionView` / `hydra:next`, or the
/// legacy `hydra:PagedCollection` / `hydra:nextPage`, in both Hydra namespaces; an untyped node
/// carrying one of these properties is accepted too. Relative URLs resolve against the page.
pub fn next_page(g: &Graph, page_url: &str) -> Option<String> {
    let mut candidates = Vec::new();
    for ns in HYDRA_NAMESPACES {
        for (class, prop) in [
            ("PartialCollectionView", "next"),
            ("PagedCollection", "nextPage"),
        ] {
            for node in g.instances_of(&format!("{ns}{class}")) {
                candidates.extend(g.objects(node, &format!("{ns}{prop}")));
            }
        }
    }
    if candidates.is_empty() {
        for ns in HYDRA_NAMESPACES {
            for prop in ["next", "nextPage"] {
                if let Some(p) = g.iri_id(&format!("{ns}{prop}")) {
                    candidates.extend(g.triples().iter().filter(|t| t[1] == p).map(|t| t[2]));
                }
            }
        }
    }
    candidates.into_iter().find_map(|o| {
        let text = g.term(o).text()?.trim();
        if text.is_empty() {
            return None;
        }
        let base = url::Url::parse(page_url).ok();
        let resolved = match base {
            Some(b) => b.join(text).ok()?.to_string(),
            None => url::Url::parse(text).ok()?.to_string(),
        };
        Some(resolved)
    })
}

/// Rounds of blank node signature refinement in [`content_hash`].
const HASH_ROUNDS: usize = 4;

/// A SHA-256 (hex) of a dataset subgraph that stays the same when only blank node labels change
/// (parsers relabel them at every run).
///
/// Blank nodes are replaced by a signature computed from their neighbourhood (like colour
/// refinement: a node's signature is the hash of its triples, with the other blank nodes
/// replaced by their previous signature; four rounds reach the depth of DCAT structures such as
/// distribution → checksum), then the triple lines are sorted and hashed. Trade-off: this is
/// not a full canonicalisation (RDFC-1.0), so two different graphs whose blank nodes are
/// indistinguishable within four hops (e.g. two anonymous distributions swapping otherwise
/// identical sub-nodes) may hash alike — at worst an unchanged-looking dataset is skipped until
/// its next visible change, never a spurious update. It is linear in the subgraph size, which a
/// canonicalisation is not.
pub fn content_hash(ntriples: &str) -> String {
    match Graph::from_ntriples(ntriples) {
        Ok(g) => graph_hash(&g),
        Err(_) => unreadable_hash(ntriples),
    }
}

/// The hash of a payload that is not N-Triples: its sorted lines as they are.
fn unreadable_hash(ntriples: &str) -> String {
    let mut lines: Vec<&str> = ntriples.lines().map(str::trim).collect();
    lines.sort_unstable();
    hex::encode(Sha256::digest(lines.join("\n").as_bytes()))
}

/// [`content_hash`] of a payload already read (the item step reads it once for the hash and
/// the mapping).
pub(crate) fn graph_hash(g: &Graph) -> String {
    // How each term is written in the hashed lines, indexed by term id: its N-Triples form, or
    // for a blank node `_:` and its signature of the previous round.
    let mut labels = BnodeLabels::default();
    let mut shown: Vec<Option<String>> = vec![None; g.term_count()];
    let mut blanks: Vec<TermId> = Vec::new();
    for t in g.triples() {
        for id in t {
            let slot = &mut shown[*id as usize];
            if slot.is_none() {
                *slot = Some(if g.term(*id).is_blank() {
                    blanks.push(*id);
                    "_:".to_owned()
                } else {
                    g.nt_term(*id, &mut labels)
                });
            }
        }
    }
    let line = |t: Triple, me: TermId, shown: &[Option<String>], end: &str| -> String {
        let parts = [
            show(t[0], me, shown),
            show(t[1], me, shown),
            show(t[2], me, shown),
        ];
        let mut l = String::with_capacity(parts.iter().map(|p| p.len() + 1).sum::<usize>() + 2);
        l.push_str(parts[0]);
        l.push(' ');
        l.push_str(parts[1]);
        l.push(' ');
        l.push_str(parts[2]);
        l.push_str(end);
        l
    };
    let mut next: Vec<String> = Vec::with_capacity(blanks.len());
    for _ in 0..HASH_ROUNDS {
        next.clear();
        for b in &blanks {
            let mut lines: Vec<String> = g
                .triples_of(*b)
                .chain(g.triples_to(*b))
                .map(|t| line(t, *b, &shown, ""))
                .collect();
            lines.sort_unstable();
            next.push(format!("_:{}", hex::encode(&digest_lines(&lines)[..12])));
        }
        for (b, s) in blanks.iter().zip(next.drain(..)) {
            shown[*b as usize] = Some(s);
        }
    }
    let mut lines: Vec<String> = g
        .triples()
        .iter()
        .map(|t| line(*t, TermId::MAX, &shown, " ."))
        .collect();
    lines.sort_unstable();
    lines.dedup();
    hex::encode(digest_lines(&lines))
}

/// How term `id` is written in a line about blank node `me`.
fn show(id: TermId, me: TermId, shown: &[Option<String>]) -> &str {
    if id == me {
        "@self"
    } else {
        shown[id as usize].as_deref().unwrap_or_default()
    }
}

/// SHA-256 of `lines` joined by newlines (without building the joined string).
fn digest_lines(lines: &[String]) -> [u8; 32] {
    let mut h = Sha256::new();
    for (i, l) in lines.iter().enumerate() {
        if i > 0 {
            h.update(b"\n");
        }
        h.update(l.as_bytes());
    }
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_links_resolve_but_dataset_identifiers_stay() {
        let ttl = "@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .\n\
                   <d1> a dcat:Dataset ; dct:title \"D\" ; dcat:distribution [ dcat:downloadURL <files/a.csv> ] ; dcat:landingPage </p/d1> .";
        let mut p = crate::rdf::parse::parse_rdf_as_given(
            ttl.as_bytes(),
            Some("text/turtle"),
            "http://x.org/cat/page.ttl",
        )
        .unwrap();
        resolve_links(&mut p.graph, "http://x.org/cat/page.ttl");
        assert!(p.graph.iri_id("d1").is_some());
        assert!(p.graph.iri_id("http://x.org/cat/files/a.csv").is_some());
        assert!(p.graph.iri_id("http://x.org/p/d1").is_some());
        let items = extract_items(&p.graph, "http://x.org/cat/page.ttl", None).items;
        let item = items[0].as_ref().unwrap();
        assert_eq!(item.remote_id, "d1");
        assert_eq!(item.remote_url.as_deref(), Some("http://x.org/p/d1"));
    }

    #[test]
    fn hash_ignores_blank_labels_and_order() {
        let a = "<http://x/d> <http://p/dist> _:a .\n_:a <http://p/url> <http://x/f.csv> .\n_:a <http://p/sum> _:c .\n_:c <http://p/v> \"1\" .\n";
        let b = "_:zz <http://p/v> \"1\" .\n_:q <http://p/sum> _:zz .\n<http://x/d> <http://p/dist> _:q .\n_:q <http://p/url> <http://x/f.csv> .\n";
        assert_eq!(content_hash(a), content_hash(b));
        let c = a.replace("\"1\"", "\"2\"");
        assert_ne!(content_hash(a), content_hash(&c));
    }

    #[test]
    fn hash_distinguishes_blank_structure() {
        // Same lines once labels are erased, different structure.
        let a = "_:a <http://p/u> \"1\" .\n_:a <http://p/f> \"csv\" .\n_:b <http://p/u> \"2\" .\n_:b <http://p/f> \"json\" .\n";
        let b = "_:a <http://p/u> \"1\" .\n_:a <http://p/f> \"json\" .\n_:b <http://p/u> \"2\" .\n_:b <http://p/f> \"csv\" .\n";
        assert_ne!(content_hash(a), content_hash(b));
    }

    /// The hashes stored by earlier versions must not change (a changed hash rewrites every
    /// dataset of every source on the next run): these were computed before the hash was
    /// rewritten without string joins and hash maps.
    #[test]
    fn hash_values_are_stable_across_versions() {
        const SAMPLE: &str = concat!(
            "<http://x/d> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/ns/dcat#Dataset> .\n",
            "<http://x/d> <http://purl.org/dc/terms/title> \"Qualit\\u00E9 de l'air\"@fr .\n",
            "<http://x/d> <http://www.w3.org/ns/dcat#distribution> _:d1 .\n",
            "<http://x/d> <http://www.w3.org/ns/dcat#distribution> _:d2 .\n",
            "_:d1 <http://www.w3.org/ns/dcat#downloadURL> <http://x/a.csv> .\n",
            "_:d1 <http://spdx.org/rdf/terms#checksum> _:c1 .\n",
            "_:c1 <http://spdx.org/rdf/terms#checksumValue> \"abc\"^^<http://www.w3.org/2001/XMLSchema#hexBinary> .\n",
            "_:d2 <http://www.w3.org/ns/dcat#downloadURL> <http://x/b.json> .\n",
            "_:d2 <http://x/self> _:d2 .\n",
            "<http://x/d> <http://purl.org/dc/terms/temporal> _:t .\n",
            "_:t <http://www.w3.org/ns/dcat#startDate> \"2020-01-01\"^^<http://www.w3.org/2001/XMLSchema#date> .\n",
            "<http://x/d> <http://purl.org/dc/terms/title> \"Qualit\\u00E9 de l'air\"@fr .\n",
        );
        assert_eq!(
            content_hash(SAMPLE),
            "7b25ff8aad5cc0051928e019e512ae480c65df8b3214301a3388cdd466b8ca13"
        );
        assert_eq!(
            content_hash("not n-triples at all\nzz"),
            "5575541ab079497874444774e140b6d9ad3e783a23150cbd8ff11fac914de0d4"
        );
        assert_eq!(
            content_hash(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
