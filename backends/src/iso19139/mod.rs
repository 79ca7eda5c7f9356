//! CSW ISO 19139 backend (`csw-iso-19139`, udata's `CswIso19139DcatBackend`): harvests the
//! INSPIRE catalogues (GeoNetwork, geOrchestra, the Géoplateforme) that publish ISO 19115
//! metadata as ISO 19139 XML through CSW, with no XSLT engine.
//!
//! Gather pages the endpoint with CSW GetRecords ([`crate::csw`]: POST, GET where refused,
//! `startPosition` / `nextRecord`), one page of 25 records at a time, through the DCAT backend's
//! listing machinery (page guards, failed items, notes): so a 10,000-record catalogue is never
//! held whole. Each record is read on its own ([`dom`]: DOCTYPE and entities refused), converted
//! to the DCAT graph the GeoDCAT-AP XSLT would give ([`to_dcat`]), and handed over as that
//! dataset's N-Triples, exactly like a DCAT item: process maps it with the one DCAT mapping
//! ([`crate::rdf::dcat_map`]), so one set of rules makes every udata dataset. A record that
//! cannot be read, or has no title or no identifier, is a failed item with its reason; service
//! and other non-dataset records are not datasets (a page note counts them).

pub mod dom;
pub mod to_dcat;

use async_trait::async_trait;
use common::model::Payload;

use crate::csw::{csw_page_error, CswResponse, ISO_19139_SCHEMA};
use crate::dcat::{self, PageOutput, Plan, Unlisted};
use crate::error::HarvestError;
use crate::harvester::{Harvester, Identity, RemoteItem};
use crate::listing::Listing;
use crate::rdf::catalog::remote_id;
use crate::rdf::dcat_map::remote_url;
use crate::rdf::graph::BnodeLabels;
use crate::rdf::notes;
use to_dcat::{Converted, DcatRecord};

/// Registered name (udata's).
pub const NAME: &str = "csw-iso-19139";

/// The CSW ISO 19139 backend: its items are DCAT datasets, processed as every RDF item is
/// (the default [`Harvester::process`]).
pub struct CswIsoBackend;

#[async_trait]
impl Harvester for CswIsoBackend {
    fn identity(&self) -> Identity {
        Identity::new(NAME, "CSW-ISO-19139")
    }

    async fn gather(&self, listing: &mut Listing<'_>) -> Result<(), HarvestError> {
        dcat::list(listing, Plan::Csw(ISO_19139_SCHEMA, iso_page)).await
    }
}

/// What one record of a page gives.
#[derive(Debug, Clone, PartialEq)]
pub enum ListedRecord {
    /// A dataset, as the item gather hands over.
    Item(RemoteItem),
    /// A dataset that cannot be harvested: its file identifier when it has one, and why.
    Failed {
        remote_id: Option<String>,
        reason: String,
    },
    /// A record of another scope (`service`…): not a dataset.
    NotDataset { scope: String },
}

/// Read one record (standalone XML, at `position` of the result set).
pub fn read_record(record: &str, position: u64, prefix: Option<&str>) -> ListedRecord {
    let element = match dom::parse(record) {
        Ok(e) => e,
        Err(e) => {
            return ListedRecord::Failed {
                remote_id: None,
                reason: format!("CSW record {position} cannot be read: {e}"),
            }
        }
    };
    let file_id = element
        .first("fileIdentifier/CharacterString")
        .map(dom::Element::normalized)
        .filter(|s| !s.is_empty());
    match to_dcat::convert(&element) {
        Ok(Converted::Dataset(rec)) => match item_of(*rec, position, prefix) {
            Ok(item) => ListedRecord::Item(item),
            Err(e) => ListedRecord::Failed {
                remote_id: e.remote_id,
                reason: e.reason,
            },
        },
        Ok(Converted::NotDataset { scope }) => ListedRecord::NotDataset { scope },
        Err(e) => ListedRecord::Failed {
            remote_id: file_id,
            reason: format!("CSW record {position}: {e}"),
        },
    }
}

fn item_of(rec: DcatRecord, position: u64, prefix: Option<&str>) -> Result<RemoteItem, Unlisted> {
    let g = &rec.graph;
    let missing = || Unlisted {
        remote_id: rec.file_identifier.clone(),
        reason: format!("CSW record {position}: the converted dataset is missing from its graph"),
    };
    let node = g.find(&rec.root).ok_or_else(missing)?;
    let id = remote_id(g, node).ok_or_else(missing)?;
    let mut labels = BnodeLabels::default();
    let root = g.nt_term(node, &mut labels);
    let ntriples = g.write_ntriples(g.triples(), &mut labels);
    Ok(RemoteItem {
        remote_url: remote_url(g, node, prefix),
        remote_id: id,
        payload: Payload::Rdf {
            root,
            ntriples: notes::attach(ntriples, &rec.notes),
        },
    })
}

/// Read one CSW page of ISO 19139 records.
fn iso_page(page: &CswResponse) -> Result<PageOutput, HarvestError> {
    let mut warnings = Vec::new();
    let records = page
        .records(&mut warnings)
        .map_err(|e| csw_page_error(e, &page.url))?;
    let mut items = Vec::with_capacity(records.records.len());
    let mut skipped = Vec::new();
    for (position, record) in page.positioned(&records) {
        match read_record(record, position, page.prefix.as_deref()) {
            ListedRecord::Item(item) => items.push(Ok(item)),
            ListedRecord::Failed { remote_id, reason } => {
                items.push(Err(Unlisted { remote_id, reason }))
            }
            ListedRecord::NotDataset { scope } => skipped.push(scope),
        }
    }
    if !skipped.is_empty() {
        skipped.sort();
        skipped.dedup();
        warnings.push(format!(
            "records of scope {} are not datasets: not harvested",
            skipped.join(", ")
        ));
    }
    Ok(PageOutput::csw(items, warnings, 0, (&records).into()))
}
