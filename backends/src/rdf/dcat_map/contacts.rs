//! Contact points: the dataset's agents (`dcat:contactPoint`, publisher, creator…) read as
//! vCard or FOAF, as udata's `contact_point_from_vcard` / `contact_point_from_foaf` do.

use common::model::ContactPoint;

use super::{is_valid_url, Mapper};
use crate::rdf::graph::{Term, TermId};
use crate::rdf::vocab::*;

impl Mapper<'_> {
    pub(super) fn contact_points(&mut self, node: TermId) -> Vec<ContactPoint> {
        let mut out: Vec<ContactPoint> = Vec::new();
        for (pred, role) in AGENT_ROLES {
            for agent in self.g.objects(node, pred) {
                let (name, email, form) = match self.term(agent) {
                    Term::Literal { value, .. } => (Some(value.trim().to_owned()), None, None),
                    _ if pred == DCAT_CONTACT_POINT => {
                        let v = self.vcard(agent);
                        if v.0.is_some() || v.1.is_some() || v.2.is_some() {
                            v
                        } else {
                            self.foaf(agent)
                        }
                    }
                    _ => {
                        let f = self.foaf(agent);
                        if f.0.is_some() || f.1.is_some() || f.2.is_some() {
                            f
                        } else {
                            self.vcard(agent)
                        }
                    }
                };
                let name = name.filter(|n| !n.is_empty());
                let email = match email {
                    Some(e) if is_valid_email(&e) => Some(e),
                    Some(e) => {
                        self.warn(format!("contact point ({role}): invalid email {e:?}"));
                        None
                    }
                    None => None,
                };
                let form = match form {
                    Some(f) if is_valid_url(&f) => Some(f),
                    Some(f) => {
                        self.warn(format!("contact point ({role}): invalid contact URL {f:?}"));
                        None
                    }
                    None => None,
                };
                if name.is_none() && email.is_none() && form.is_none() {
                    let shown = self.show(agent);
                    self.warn(format!(
                        "contact point ({role}): {shown} has no name, email or URL"
                    ));
                    continue;
                }
                let cp = ContactPoint {
                    name,
                    email,
                    contact_form: form,
                    role: role.to_owned(),
                };
                if !out.contains(&cp) {
                    out.push(cp);
                }
            }
        }
        out
    }

    /// udata `contact_point_from_vcard`.
    fn vcard(&self, obj: TermId) -> (Option<String>, Option<String>, Option<String>) {
        let org = self
            .g
            .objects(obj, VCARD_ORG)
            .into_iter()
            .find(|o| !self.term(*o).is_literal());
        let org_name = self.text(obj, VCARD_ORGANIZATION_NAME).or_else(|| {
            org.and_then(|o| {
                self.text(o, VCARD_ORGANIZATION_NAME)
                    .or_else(|| self.text(o, VCARD_ORGANISATION_NAME))
            })
        });
        let name = contact_name(self.text(obj, VCARD_FN), org_name);
        let email = self
            .text(obj, VCARD_HAS_EMAIL)
            .or_else(|| self.text(obj, VCARD_EMAIL))
            .map(|e| strip_mailto(&e));
        let form = self
            .text(obj, VCARD_HAS_URL)
            .or_else(|| self.text(obj, VCARD_URL))
            .or_else(|| self.text(obj, VCARD_HAS_URL_LEGACY));
        (name, email, form)
    }

    /// udata `contact_point_from_foaf`.
    fn foaf(&self, obj: TermId) -> (Option<String>, Option<String>, Option<String>) {
        let own_name = || {
            self.text(obj, FOAF_NAME)
                .or_else(|| self.text(obj, SKOS_PREF_LABEL))
        };
        let resource = |p: &str| {
            self.g
                .objects(obj, p)
                .into_iter()
                .find(|o| !self.term(*o).is_literal())
        };
        let (name, email) = if let Some(org) = resource(ORG_MEMBER_OF) {
            (
                contact_name(own_name(), self.text(org, FOAF_NAME)),
                self.text(obj, FOAF_MBOX)
                    .or_else(|| self.text(org, FOAF_MBOX)),
            )
        } else if let Some(member) = resource(FOAF_MEMBER) {
            (
                contact_name(self.text(member, FOAF_NAME), own_name()),
                self.text(member, FOAF_MBOX)
                    .or_else(|| self.text(obj, FOAF_MBOX)),
            )
        } else {
            (contact_name(own_name(), None), self.text(obj, FOAF_MBOX))
        };
        (name, email.map(|e| strip_mailto(&e)), None)
    }
}

fn contact_name(agent: Option<String>, org: Option<String>) -> Option<String> {
    match (agent, org) {
        (Some(a), Some(o)) => Some(format!("{a} ({o})")),
        (a, o) => a.or(o),
    }
}

fn strip_mailto(s: &str) -> String {
    let s = s.trim();
    let s = match s.get(..7) {
        Some(p) if p.eq_ignore_ascii_case("mailto:") => &s[7..],
        _ => s,
    };
    s.split('?').next().unwrap_or(s).trim().to_owned()
}

fn is_valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(|c| c.is_whitespace() || c == ',' || c == ';')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mailto() {
        assert_eq!(strip_mailto(" mailto:a@b.fr "), "a@b.fr");
        assert!(is_valid_email("a@b.fr"));
        assert!(!is_valid_email("nobody"));
    }
}
