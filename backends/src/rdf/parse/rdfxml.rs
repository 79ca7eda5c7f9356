//! RDF/XML: the DOCTYPE neutralised first, a strict parse, then one retry with sloppy
//! attributes repaired and the text rdflib ignores removed (see [`crate::rdf::xml`]).

use sophia::api::parser::TripleParser;
use sophia::api::source::TripleSource;

use super::collect::{stream_err, Collector};
use super::{guarded, ParseError, ParsedRdf};
use crate::rdf::graph::Graph;
use crate::rdf::xml::{prepare_rdfxml, relax_rdfxml};

/// RDF/XML: DOCTYPE neutralised, strict parse, then one retry with bad attributes repaired and
/// the text rdflib ignores removed.
pub(super) fn parse_rdfxml(
    text: &str,
    base_url: &str,
    out: &mut ParsedRdf,
) -> Result<(), ParseError> {
    let prepared = prepare_rdfxml(text, false, &mut out.warnings, &mut Vec::new())?;
    let first = match parse_rdfxml_once(&prepared, base_url) {
        Ok((g, n)) => {
            out.graph = g;
            out.triples = n;
            return Ok(());
        }
        Err(e) => e,
    };
    let mut repairs = Vec::new();
    let repaired = prepare_rdfxml(text, true, &mut Vec::new(), &mut repairs)?;
    let attributes = repairs.len();
    let relaxed = relax_rdfxml(&repaired, &mut repairs)?;
    let texts = repairs.len() - attributes;
    if relaxed.as_ref() != prepared.as_ref() {
        if let Ok((g, n)) = parse_rdfxml_once(&relaxed, base_url) {
            out.graph = g;
            out.triples = n;
            if attributes > 0 {
                out.warnings.push(format!(
                    "repaired {attributes} invalid IRI or language attributes in RDF/XML"
                ));
            }
            if texts > 0 {
                out.warnings.push(format!(
                    "ignored {texts} pieces of text misplaced in RDF/XML (as rdflib does)"
                ));
            }
            out.repairs.extend(repairs);
            return Ok(());
        }
    }
    Err(ParseError::Syntax {
        syntax: "RDF/XML",
        reason: first,
    })
}

fn parse_rdfxml_once(text: &str, base_url: &str) -> Result<(Graph, usize), String> {
    guarded(|| parse_rdfxml_unguarded(text, base_url))
}

fn parse_rdfxml_unguarded(text: &str, base_url: &str) -> Result<(Graph, usize), String> {
    let parser = sophia::xml::parser::RdfXmlParser {
        base: sophia::iri::Iri::new(base_url.to_owned()).ok(),
    };
    let mut c = Collector::new();
    parser
        .parse_str(text)
        .try_for_each_triple(|t| c.triple(t))
        .map_err(stream_err)?;
    Ok(c.finish())
}

#[cfg(test)]
mod tests {
    use crate::rdf::parse::{parse_as, parse_as_given, RdfSyntax};

    #[test]
    fn geonetwork_record_shapes_parse_leniently() {
        let doc = r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dct="http://purl.org/dc/terms/" xmlns:dcat="http://www.w3.org/ns/dcat#">
<dcat:Dataset rdf:about="fr-200053742/2019/limite/bud"> stray
  <dct:title xml:lang="fr-FR-x-!!">T</dct:title>
  <dct:accessRights rdf:resource="http://r/noLimitations">Pas de restriction</dct:accessRights>
  <dcat:distribution><dcat:Distribution rdf:about="http://x/a b"/></dcat:distribution>
</dcat:Dataset></rdf:RDF>"#;
        let p = parse_as_given(RdfSyntax::RdfXml, doc.as_bytes()).unwrap();
        let nt = p
            .graph
            .write_ntriples(p.graph.triples(), &mut Default::default());
        assert!(
            nt.contains("<fr-200053742/2019/limite/bud> <http://purl.org/dc/terms/title> \"T\" ."),
            "{nt}"
        );
        assert!(
            nt.contains("<http://purl.org/dc/terms/accessRights> <http://r/noLimitations>"),
            "{nt}"
        );
        assert!(nt.contains("<http://x/a%20b>"), "{nt}");
        assert_eq!(p.repairs.len(), 4, "{:?}", p.repairs);
        // The same relative identifier, resolved when asked to.
        let p = parse_as(
            RdfSyntax::RdfXml,
            doc.as_bytes(),
            "http://csw.example/srv/fre/csw",
        )
        .unwrap();
        assert!(p
            .graph
            .iri_id("http://csw.example/srv/fre/fr-200053742/2019/limite/bud")
            .is_some());
    }
}
