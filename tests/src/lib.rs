//! Test and benchmark tooling shared by the end-to-end tests and `make demo` / `make bench`:
//! a local catalog server, and an isolated environment (own database, own queue prefix) on the
//! real RabbitMQ and MongoDB.

pub mod bench;
pub mod catalog_server;
pub mod catalogs;
pub mod env;
pub mod hostile;
pub mod portals;
pub mod udata;
