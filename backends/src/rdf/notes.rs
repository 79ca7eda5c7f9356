//! Notes about how a dataset was read, carried from the catalog page to its item.
//!
//! A lenient parse (a repaired IRI, a dropped language tag, text the RDF/XML reader skipped) must
//! be visible on the item it touched, not only in the page's gather notes: the item's report
//! is where a publisher looks. The notes travel inside the item's payload as N-Triples comment
//! lines (`# harvest-note: …`), which every N-Triples reader ignores, so the payload format,
//! the stored items and the content hash stay as they are; the item worker reads them back and
//! adds them to the mapping warnings.

/// Prefix of a note line in an N-Triples payload.
const NOTE_PREFIX: &str = "# harvest-note: ";

/// One repair or leniency applied while parsing a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repair {
    /// What was done, for the item's report.
    pub note: String,
    /// The IRI as it reads after the repair, when the repair concerns one IRI: only the items
    /// whose subgraph holds it get the note.
    pub iri: Option<String>,
}

impl Repair {
    /// A repair that applies to the whole document.
    pub fn note(note: String) -> Self {
        Self { note, iri: None }
    }

    /// A repair of one IRI, `fixed` being its repaired form.
    pub fn on_iri(note: String, fixed: String) -> Self {
        Self {
            note,
            iri: Some(fixed),
        }
    }

    /// Whether this repair touches a dataset whose subgraph is `ntriples`.
    pub fn touches(&self, ntriples: &str) -> bool {
        match &self.iri {
            Some(iri) => ntriples.contains(&format!("<{iri}>")),
            None => true,
        }
    }
}

/// `ntriples` with `notes` prepended as comment lines (one line each, newlines flattened).
pub fn attach(ntriples: String, notes: &[String]) -> String {
    if notes.is_empty() {
        return ntriples;
    }
    let mut out =
        String::with_capacity(ntriples.len() + notes.iter().map(|n| n.len() + 20).sum::<usize>());
    for note in notes {
        out.push_str(NOTE_PREFIX);
        out.push_str(&note.replace(['\r', '\n'], " "));
        out.push('\n');
    }
    out.push_str(&ntriples);
    out
}

/// The notes carried by an N-Triples payload.
pub fn read(ntriples: &str) -> Vec<String> {
    ntriples
        .lines()
        .take_while(|l| l.starts_with('#'))
        .filter_map(|l| l.strip_prefix(NOTE_PREFIX))
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rdf::catalog::content_hash;

    #[test]
    fn notes_round_trip_and_do_not_change_the_hash() {
        let nt = "<http://x/d> <http://purl.org/dc/terms/title> \"t\" .\n".to_owned();
        let with = attach(nt.clone(), &["a\nb".into(), "c".into()]);
        assert_eq!(read(&with), vec!["a b".to_owned(), "c".to_owned()]);
        assert_eq!(content_hash(&with), content_hash(&nt));
        assert!(read(&nt).is_empty());
    }

    #[test]
    fn iri_repairs_touch_only_their_items() {
        let r = Repair::on_iri("x".into(), "http://x/a%20b".into());
        assert!(r.touches("<http://x/a%20b> <p> <o> ."));
        assert!(!r.touches("<http://x/c> <p> <o> ."));
        assert!(Repair::note("y".into()).touches("anything"));
    }
}
