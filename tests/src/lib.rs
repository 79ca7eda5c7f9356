//! Test and benchmark tooling shared by the end-to-end tests and `make demo` / `make bench`: the
//! test kit (fixtures, sources, fetcher, sink, the fake CKAN portal), a local catalog server,
//! stand-ins for the other portals, and the one isolated environment (own database, own queue
//! prefix) on the real RabbitMQ and MongoDB, with the admin API served on it.

pub mod admin;
pub mod bench;
pub mod catalog_server;
pub mod catalogs;
pub mod env;
pub mod hostile;
pub mod kit;
pub mod portals;
pub mod udata;
