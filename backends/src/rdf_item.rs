//! An RDF item: one DCAT dataset as its subgraph in N-Triples, the payload the DCAT and CSW
//! ISO 19139 backends hand over. Whichever backend listed it, it is hashed and mapped by the same
//! rules, here once (the default [`Harvester`](crate::harvester::Harvester) item processing):
//! nothing is fetched per item.

use common::model::Payload;

use crate::error::HarvestError;
use crate::harvester::{ItemContext, ItemOutcome};
use crate::mapping::MapError;
use crate::rdf::catalog::{content_hash, graph_hash};
use crate::rdf::dcat_map::{map_graph, read_payload};
use crate::rdf::notes;

/// The content hash of an RDF item, known from its payload alone; `None` for other payloads.
pub(crate) fn listing_hash(payload: &Payload) -> Option<String> {
    match payload {
        Payload::Rdf { ntriples, .. } => Some(content_hash(ntriples)),
        _ => None,
    }
}

/// Map an RDF item with [`crate::rdf::dcat_map`]; the notes of the lenient parse at listing come
/// first among its warnings.
pub(crate) fn process(
    ctx: &ItemContext<'_>,
    remote_id: &str,
    payload: &Payload,
) -> Result<ItemOutcome, HarvestError> {
    let Payload::Rdf { root, ntriples } = payload else {
        return Err(HarvestError::Map(MapError::Other(format!(
            "DCAT items carry an RDF payload, got {}",
            payload_kind(payload)
        ))));
    };
    // Read once, for the mapping and the hash alike.
    let graph = read_payload(ntriples)?;
    let mut mapped = map_graph(root, &graph, &ctx.map)?;
    // Notes of the lenient parse at listing come first: they explain what follows.
    let mut listing_notes = notes::read(ntriples);
    if !listing_notes.is_empty() {
        listing_notes.append(&mut mapped.warnings);
        mapped.warnings = listing_notes;
    }
    if let Some(h) = mapped.dataset.harvest.as_mut() {
        if h.remote_id.as_deref() != Some(remote_id) {
            h.remote_id = Some(remote_id.to_owned());
        }
    }
    Ok(ItemOutcome::Mapped {
        mapped: Box::new(mapped),
        content_hash: graph_hash(&graph),
        validators: None,
    })
}

fn payload_kind(p: &Payload) -> &'static str {
    match p {
        Payload::Rdf { .. } => "rdf",
        Payload::Json(_) => "json",
        Payload::Fetch => "fetch",
        Payload::Unchanged => "unchanged",
    }
}
