//! Many update statements in one round trip. The item worker writes a batch of items at once
//! (their datasets, records and final states), and each of those writes differs per document, so
//! `update_many` cannot express them. The standard `update` command takes a list of statements
//! (every MongoDB version has it; the driver's `bulk_write` needs server 8); this module sends
//! one and reads the per-statement errors out of its answer.

use bson::{doc, Bson, Document};

use super::Store;
use crate::error::{Error, Result};

/// One statement of an `update` command.
#[derive(Debug, Clone)]
pub struct UpdateStatement {
    pub filter: Document,
    pub update: Document,
    pub upsert: bool,
}

/// What the server answered for a list of statements.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BulkOutcome {
    /// Documents matched (plus upserted).
    pub matched: i64,
    /// Documents changed.
    pub modified: i64,
    /// Statements that failed: (statement index, error code, message).
    pub errors: Vec<(usize, i32, String)>,
}

impl BulkOutcome {
    /// Whether the statement at `index` failed.
    pub fn failed(&self, index: usize) -> bool {
        self.errors.iter().any(|(i, _, _)| *i == index)
    }
}

/// Statements per command: far below the 16 MiB command limit for the documents the pipeline
/// writes, and bounded so that one answer stays small.
const CHUNK: usize = 500;

impl Store {
    /// Run `statements` against `collection`, unordered (one failing statement does not stop the
    /// others). Errors of single statements are returned in the outcome; a failure of the
    /// command itself (server away) is an `Err`.
    pub async fn bulk_update(
        &self,
        collection: &str,
        statements: Vec<UpdateStatement>,
    ) -> Result<BulkOutcome> {
        let mut outcome = BulkOutcome::default();
        let mut offset = 0;
        let mut statements = statements.into_iter().peekable();
        while statements.peek().is_some() {
            let chunk: Vec<Bson> = statements
                .by_ref()
                .take(CHUNK)
                .map(|s| {
                    Bson::Document(doc! {
                        "q": s.filter,
                        "u": s.update,
                        "upsert": s.upsert,
                        "multi": false,
                    })
                })
                .collect();
            let count = chunk.len();
            let answer = self
                .database()
                .run_command(doc! { "update": collection, "updates": chunk, "ordered": false })
                .await?;
            read_answer(&answer, offset, &mut outcome)?;
            offset += count;
        }
        Ok(outcome)
    }
}

/// Add one command answer (`n`, `nModified`, `writeErrors`) to `outcome`.
fn read_answer(answer: &Document, offset: usize, outcome: &mut BulkOutcome) -> Result<()> {
    let number = |key: &str| match answer.get(key) {
        Some(Bson::Int32(n)) => *n as i64,
        Some(Bson::Int64(n)) => *n,
        Some(Bson::Double(n)) => *n as i64,
        _ => 0,
    };
    outcome.matched += number("n");
    outcome.modified += number("nModified");
    if let Ok(errors) = answer.get_array("writeErrors") {
        for e in errors.iter().filter_map(Bson::as_document) {
            let index = match e.get("index") {
                Some(Bson::Int32(i)) => *i as usize,
                Some(Bson::Int64(i)) => *i as usize,
                _ => {
                    return Err(Error::Message(format!(
                        "update answer has a write error without index: {e}"
                    )))
                }
            };
            let code = e.get_i32("code").unwrap_or_default();
            let message = e.get_str("errmsg").unwrap_or_default().to_owned();
            outcome.errors.push((offset + index, code, message));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answer_with_write_errors_is_read_per_statement() {
        let mut outcome = BulkOutcome::default();
        read_answer(
            &doc! { "n": 3, "nModified": 2, "ok": 1.0, "writeErrors": [
                { "index": 1, "code": 11000, "errmsg": "E11000 duplicate key" },
            ] },
            500,
            &mut outcome,
        )
        .unwrap();
        assert_eq!(outcome.matched, 3);
        assert_eq!(outcome.modified, 2);
        assert!(outcome.failed(501));
        assert!(!outcome.failed(500));
        assert_eq!(outcome.errors[0].1, 11000);
    }
}
