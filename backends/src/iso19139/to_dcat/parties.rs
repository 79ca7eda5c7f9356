//! Responsible parties: each under the predicate of its role, as a vCard (contact points) or
//! a FOAF agent (publisher, author, owner and the GeoDCAT-AP roles).

use super::vocab::*;
use super::Conv;
use crate::iso19139::dom::Element;
use crate::rdf::graph::Term;
use crate::rdf::vocab::*;

impl Conv {
    /// The XSLT's `ResponsibleOrganisation`: the party under the predicate of its role.
    pub(super) fn responsible_party(&mut self, root: &Term, party: &Element) {
        let role = party
            .first("role/CI_RoleCode")
            .and_then(|r| r.attr_value("codeListValue"))
            .unwrap_or_default();
        let pred = match role {
            "pointOfContact" => DCAT_CONTACT_POINT,
            "publisher" => DCT_PUBLISHER,
            "author" => DCT_CREATOR,
            "owner" => DCT_RIGHTS_HOLDER,
            "resourceProvider"
            | "custodian"
            | "user"
            | "distributor"
            | "originator"
            | "principalInvestigator"
            | "processor" => {
                let iri = format!("{GEODCAT}{role}");
                let agent = self.agent(party, false);
                self.add(root, &iri, agent);
                return;
            }
            _ => return,
        };
        let vcard = pred == DCAT_CONTACT_POINT;
        let agent = self.agent(party, vcard);
        self.add(root, pred, agent);
    }

    /// A party as a vCard (contact points) or FOAF agent (other roles).
    fn agent(&mut self, party: &Element, vcard: bool) -> Term {
        let href = |path: &str| {
            party
                .first(path)
                .and_then(|e| e.children("*").find_map(|c| c.attr_value("href")))
                .map(str::to_owned)
        };
        let individual = party
            .first("individualName/CharacterString")
            .map(Element::normalized)
            .filter(|s| !s.is_empty());
        let organisation = party
            .first("organisationName/CharacterString")
            .map(Element::normalized)
            .filter(|s| !s.is_empty());
        let node = match href("individualName").or_else(|| href("organisationName")) {
            Some(iri) => Term::iri(&iri),
            None => self.bnode(),
        };
        let contact = party.first("contactInfo/CI_Contact");
        let values = |path: &str| -> Vec<String> {
            contact
                .map(|c| c.all(path))
                .unwrap_or_default()
                .into_iter()
                .map(Element::normalized)
                .filter(|v| !v.is_empty())
                .collect()
        };
        let emails = values("address/CI_Address/electronicMailAddress/*");
        let phones: Vec<String> = values("phone/CI_Telephone/voice/*")
            .into_iter()
            .map(|p| p.replace([' ', '(', ')', '+', '.'], ""))
            .collect();
        let urls = values("onlineResource/CI_OnlineResource/linkage/URL");
        if vcard {
            let class = match (&individual, &organisation) {
                (Some(_), _) => "Individual",
                (None, Some(_)) => "Organization",
                _ => "Kind",
            };
            self.add(&node, RDF_TYPE_IRI, Term::iri(&format!("{VCARD}{class}")));
            if let Some(name) = individual.as_ref().or(organisation.as_ref()) {
                let lit = self.text(name);
                self.add(&node, VCARD_FN, lit);
            }
            if let (Some(_), Some(org)) = (&individual, &organisation) {
                let lit = self.text(org);
                self.add(&node, VCARD_ORGANIZATION_NAME, lit);
            }
            for p in phones {
                self.add(&node, VCARD_HAS_TELEPHONE, Term::iri(&format!("tel:+{p}")));
            }
            for e in emails {
                self.add(&node, VCARD_HAS_EMAIL, Term::iri(&format!("mailto:{e}")));
            }
            for u in urls {
                self.add(&node, VCARD_HAS_URL, Term::iri(&u));
            }
            return node;
        }
        let class = match (&individual, &organisation) {
            (Some(_), _) => "Person",
            (None, Some(_)) => "Organization",
            _ => "Agent",
        };
        self.add(&node, RDF_TYPE_IRI, Term::iri(&format!("{FOAF}{class}")));
        match (&individual, &organisation) {
            (Some(person), Some(org)) => {
                let lit = self.text(person);
                self.add(&node, FOAF_NAME, lit);
                let org_node = match href("organisationName") {
                    Some(iri) => Term::iri(&iri),
                    None => self.bnode(),
                };
                self.add(&node, ORG_MEMBER_OF, org_node.clone());
                self.add(
                    &org_node,
                    RDF_TYPE_IRI,
                    Term::iri(&format!("{FOAF}Organization")),
                );
                let lit = self.text(org);
                self.add(&org_node, FOAF_NAME, lit);
            }
            (Some(name), None) | (None, Some(name)) => {
                let lit = self.text(name);
                self.add(&node, FOAF_NAME, lit);
            }
            (None, None) => {}
        }
        for p in phones {
            self.add(&node, FOAF_PHONE, Term::iri(&format!("tel:+{p}")));
        }
        for e in emails {
            self.add(&node, FOAF_MBOX, Term::iri(&format!("mailto:{e}")));
        }
        for u in urls {
            self.add(&node, FOAF_HOMEPAGE, Term::iri(&u));
        }
        node
    }
}
