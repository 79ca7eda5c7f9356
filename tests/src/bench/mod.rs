//! Benchmark tooling (`make bench`, `harvest-bench`): deterministic synthetic catalogs served on
//! the fly, and a harness that runs real scheduler and worker processes against them on the
//! local RabbitMQ and MongoDB, measuring throughput, memory and where the time goes.
//!
//! * [`synth`]: seeded dataset generator and catalog variants (changed, removed).
//! * [`rdf`]: DCAT pages in Turtle, RDF/XML, JSON-LD and N-Triples, with Hydra paging.
//! * [`ckan`]: CKAN action API answers; [`iso`]: CSW pages of ISO 19139 records.
//! * [`routes`]: the HTTP routes (`routes(spec)` merges into
//!   [`crate::catalog_server::start`]), with latency and HTTP validators.
//! * [`procs`]: RSS and CPU of processes from `/proc`, worker metrics.
//! * [`runner`]: the harness (worker processes, scheduler CLI, job polling, probes, clean-up).
//! * [`scenarios`]: the named scenarios; [`report`]: tables and `results.json`.
//!
//! `synth.rs` and `rdf.rs` only use `std` and `rand`: the worker's criterion benchmarks
//! (`backends/benches/parse_map.rs`) include them by path to generate their inputs.

pub mod ckan;
pub mod iso;
pub mod procs;
pub mod rdf;
pub mod report;
pub mod routes;
pub mod runner;
pub mod scenarios;
pub mod synth;
