//! Errors of the shared layer (settings, MongoDB, RabbitMQ), typed so callers can tell a transient
//! outage (retry later) from a permanent fault.

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("configuration: {0}")]
    Config(String),
    #[cfg(feature = "services")]
    #[error("mongodb: {0}")]
    Mongo(#[from] mongodb::error::Error),
    #[error("bson: {0}")]
    BsonSer(#[from] bson::ser::Error),
    #[error("bson: {0}")]
    BsonDe(#[from] bson::de::Error),
    #[cfg(feature = "services")]
    #[error("amqp: {0}")]
    Amqp(#[from] lapin::Error),
    #[error("message: {0}")]
    Message(String),
    #[error("{what} {id} not found")]
    NotFound { what: &'static str, id: String },
    #[error("conflict: {0}")]
    Conflict(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Whether the operation may succeed if retried (a server restarting, a network blip).
    pub fn is_transient(&self) -> bool {
        match self {
            #[cfg(feature = "services")]
            Error::Mongo(e) => {
                use mongodb::error::ErrorKind;
                matches!(
                    *e.kind,
                    ErrorKind::Io(_)
                        | ErrorKind::ConnectionPoolCleared { .. }
                        | ErrorKind::ServerSelection { .. }
                ) || e.contains_label(mongodb::error::RETRYABLE_WRITE_ERROR)
                    || e.contains_label("TransientTransactionError")
            }
            #[cfg(feature = "services")]
            Error::Amqp(_) => true,
            _ => false,
        }
    }

    /// A MongoDB duplicate-key error (E11000).
    pub fn is_duplicate_key(&self) -> bool {
        match self {
            #[cfg(feature = "services")]
            Error::Mongo(e) => is_duplicate_key(e),
            _ => false,
        }
    }
}

#[cfg(feature = "services")]
/// Whether a driver error is a duplicate-key violation (E11000), including in bulk writes.
pub fn is_duplicate_key(e: &mongodb::error::Error) -> bool {
    use mongodb::error::{ErrorKind, WriteFailure};
    match &*e.kind {
        ErrorKind::Write(WriteFailure::WriteError(w)) => w.code == 11000,
        ErrorKind::Command(c) => c.code == 11000,
        _ => e.to_string().contains("E11000"),
    }
}
