//! `dct:temporal`: the dataset's temporal coverage, from a period literal or a period node
//! (schema.org, DCAT, SCOVO or OWL-Time).

use chrono::{DateTime, Utc};
use common::model::DateRange;

use super::Mapper;
use crate::mapping::dates;
use crate::rdf::graph::{Term, TermId};
use crate::rdf::vocab::*;

/// A period read from RDF: start and end, each optional.
type Period = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

impl Mapper<'_> {
    pub(super) fn temporal(&mut self, node: TermId) -> Option<DateRange> {
        let values = self.g.objects(node, DCT_TEMPORAL);
        for v in values {
            let range = match self.term(v) {
                Term::Literal { value, .. } => self.temporal_literal(value),
                Term::Iri(iri) if !self.g.is_described(v) => {
                    self.warn(format!(
                        "temporal: <{iri}> is not described in the catalog (not fetched)"
                    ));
                    None
                }
                _ => self.temporal_node(v),
            };
            if let Some((start, end)) = range {
                if let (Some(s), Some(e)) = (start, end) {
                    if s > e {
                        self.warn(format!(
                            "temporal: start {} is after end {}",
                            s.date_naive(),
                            e.date_naive()
                        ));
                        continue;
                    }
                }
                return Some(DateRange {
                    start: start.map(dates::to_bson),
                    end: end.map(dates::to_bson),
                });
            }
        }
        None
    }

    /// `start/end`, a year or a year-month (udata `temporal_from_literal`).
    fn temporal_literal(&mut self, text: &str) -> Option<Period> {
        let text = text.trim();
        if let Some((start, end)) = text.split_once('/') {
            let (s, e) = (start.trim(), end.trim());
            let start = (!s.is_empty()).then(|| dates::parse_date(s)).flatten();
            let end = (!e.is_empty()).then(|| dates::end_of_period(e)).flatten();
            if (start.is_none() && !s.is_empty()) || (end.is_none() && !e.is_empty()) {
                self.warn(format!("temporal: invalid period {text:?}"));
            }
            return (start.is_some() || end.is_some()).then_some((start, end));
        }
        if text.matches('-').count() <= 1 {
            let start = dates::parse_date(text);
            let end = dates::end_of_period(text);
            if start.is_some() && end.is_some() {
                return Some((start, end));
            }
        }
        self.warn(format!("temporal: cannot read period {text:?}"));
        None
    }

    /// A period node: schema.org, DCAT, SCOVO or OWL-Time start and end.
    fn temporal_node(&mut self, v: TermId) -> Option<Period> {
        let pairs = [
            (SCHEMA_START_DATE, SCHEMA_END_DATE),
            (SCHEMA_START_DATE_HTTPS, SCHEMA_END_DATE_HTTPS),
            (DCAT_START_DATE, DCAT_END_DATE),
            (SCV_MIN, SCV_MAX),
        ];
        for (sp, ep) in pairs {
            let s = self.text(v, sp);
            let e = self.text(v, ep);
            if s.is_some() || e.is_some() {
                return self.period(s, e);
            }
        }
        let instant = |m: &Self, p: &str| -> Option<String> {
            let node = m.g.objects(v, p).into_iter().next()?;
            [
                TIME_IN_XSD_DATE_TIME_STAMP,
                TIME_IN_XSD_DATE_TIME,
                TIME_IN_XSD_DATE,
            ]
            .iter()
            .find_map(|q| m.text(node, q))
        };
        let s = instant(self, TIME_HAS_BEGINNING);
        let e = instant(self, TIME_HAS_END);
        if s.is_some() || e.is_some() {
            return self.period(s, e);
        }
        let shown = self.show(v);
        self.warn(format!("temporal: no start or end date in {shown}"));
        None
    }

    fn period(&mut self, s: Option<String>, e: Option<String>) -> Option<Period> {
        let start = s.as_deref().and_then(dates::parse_date);
        let end = e.as_deref().and_then(dates::end_of_period);
        if let (Some(raw), None) = (&s, start) {
            self.warn(format!("temporal: invalid start date {raw:?}"));
        }
        if let (Some(raw), None) = (&e, end) {
            self.warn(format!("temporal: invalid end date {raw:?}"));
        }
        (start.is_some() || end.is_some()).then_some((start, end))
    }
}
