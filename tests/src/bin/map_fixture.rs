//! `harvest-map-fixture FILE --backend dcat|ckan|dkan --source-url URL`: maps one catalog file
//! with the harvester's own mapping, offline, and prints the udata-shaped datasets as JSON.
//!
//! It exists for the udata parity test (tests/udata/parity.py), which maps the same file with
//! udata's own code and compares the two field by field. It runs exactly the library functions
//! gather and the item worker run (parse, split into items, map), with no service.

use std::path::PathBuf;
use std::process::ExitCode;

use backends::ckan::{map_package, PackageMapping};
use backends::ckan_api::{unwrap_package, Dialect};
use backends::mapping::{LicenseGuesser, MapContext, MappedDataset};
use backends::rdf::catalog::extract_items;
use backends::rdf::dcat_map::map_dataset;
use backends::rdf::parse::parse_rdf;
use clap::{Parser, ValueEnum};
use common::model::{HarvestSource, Payload};
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Backend {
    Dcat,
    Ckan,
    Dkan,
}

#[derive(Debug, Parser)]
#[command(about = "Map one catalog file with the harvester's mapping and print it as JSON")]
struct Args {
    /// The catalog file: an RDF document (DCAT), or a package_show answer (CKAN, DKAN).
    file: PathBuf,
    #[arg(long, value_enum)]
    backend: Backend,
    /// URL of the harvest source (domain, CKAN dataset URLs) and base of relative IRIs.
    #[arg(long, default_value = "https://data.example.org/catalog")]
    source_url: String,
}

/// Why a file could not be mapped at all.
#[derive(Debug, thiserror::Error)]
enum FixtureError {
    #[error("cannot read {0}: {1}")]
    Read(PathBuf, std::io::Error),
    #[error("cannot parse: {0}")]
    Parse(String),
    #[error("invalid harvest source: {0}")]
    Source(String),
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(out) => {
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("{}", json!({ "file": args.file, "fatal": e.to_string() }));
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<Value, FixtureError> {
    let body = std::fs::read(&args.file).map_err(|e| FixtureError::Read(args.file.clone(), e))?;
    let backend = match args.backend {
        Backend::Dcat => "dcat",
        Backend::Ckan => "ckan",
        Backend::Dkan => "dkan",
    };
    let source = source(&args.source_url, backend)?;
    let licenses = LicenseGuesser::builtin();
    let ctx = MapContext {
        source: &source,
        licenses: &licenses,
        now: chrono::Utc::now(),
    };
    let mut datasets = Vec::new();
    let mut skipped = Vec::new();
    let mut errors = Vec::new();
    match args.backend {
        Backend::Dcat => {
            let parsed = parse_rdf(&body, None, &args.source_url)
                .map_err(|e| FixtureError::Parse(e.to_string()))?;
            for item in extract_items(&parsed.graph, &args.source_url, None).items {
                let item = match item {
                    Ok(item) => item,
                    Err(e) => {
                        errors.push(json!({ "message": e.to_string() }));
                        continue;
                    }
                };
                let Payload::Rdf { root, ntriples } = &item.payload else {
                    continue;
                };
                match map_dataset(root, ntriples, &ctx) {
                    Ok(mapped) => datasets.push(dataset_json(&item.remote_id, Some(root), mapped)),
                    Err(e) => errors.push(json!({
                        "remote_id": item.remote_id, "node": root, "message": e.to_string(),
                    })),
                }
            }
        }
        Backend::Ckan | Backend::Dkan => {
            let dialect = match args.backend {
                Backend::Dkan => Dialect::Dkan,
                _ => Dialect::Ckan,
            };
            let value: Value =
                serde_json::from_slice(&body).map_err(|e| FixtureError::Parse(e.to_string()))?;
            let package = unwrap_package(value)
                .ok_or_else(|| FixtureError::Parse("no package in the answer".into()))?;
            match map_package(&package, dialect, &ctx) {
                Ok(PackageMapping::Mapped(mapped)) => {
                    let remote_id = mapped
                        .dataset
                        .harvest
                        .as_ref()
                        .and_then(|h| h.remote_id.clone())
                        .unwrap_or_default();
                    datasets.push(dataset_json(&remote_id, None, mapped));
                }
                Ok(PackageMapping::Skipped(reason, message)) => {
                    skipped.push(json!({ "reason": reason, "message": message }));
                }
                Err(e) => errors.push(json!({ "message": e.to_string() })),
            }
        }
    }
    Ok(json!({
        "file": args.file,
        "backend": backend,
        "datasets": datasets,
        "skipped": skipped,
        "errors": errors,
    }))
}

fn dataset_json(remote_id: &str, node: Option<&str>, mapped: MappedDataset) -> Value {
    json!({
        "remote_id": remote_id,
        "node": node,
        "dataset": common::json::to_plain(&mapped.dataset),
        "contact_points": common::json::to_plain(&mapped.contact_points),
        "warnings": mapped.warnings,
    })
}

fn source(url: &str, backend: &str) -> Result<HarvestSource, FixtureError> {
    bson::from_document(bson::doc! {
        "_id": bson::oid::ObjectId::new(),
        "name": "parity",
        "slug": "parity",
        "url": url,
        "backend": backend,
        "created_at": bson::DateTime::now(),
    })
    .map_err(|e| FixtureError::Source(e.to_string()))
}
