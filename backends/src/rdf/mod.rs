//! RDF: syntax detection and parsing, catalog page extraction, DCAT mapping.
//!
//! * [`parse`]: detect the syntax of a page and parse it (sophia) into a [`graph::Graph`],
//!   leniently and safely.
//! * [`catalog`]: split a parsed page into one item per dataset (its subgraph as N-Triples),
//!   find the next Hydra page, hash a subgraph stably.
//! * [`dcat_map`]: map one dataset subgraph onto udata's model.
//! * [`graph`], [`vocab`], [`geo`], [`xml`], [`repair`]: the supporting pieces.

pub mod catalog;
pub mod dcat_map;
pub mod geo;
pub mod graph;
pub(crate) mod iri_fix;
pub mod notes;
pub mod parse;
pub mod repair;
pub mod vocab;
pub mod xml;
