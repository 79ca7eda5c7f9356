//! The synthetic datasets as a CSW catalogue of ISO 19139 records (the `csw-iso-10k` bench):
//! one `gmd:MD_Metadata` per dataset, shaped like a GeoNetwork record (resource identifier,
//! French metadata, thesaurus and free keywords, creation / revision dates, bounding box,
//! temporal extent, maintenance frequency, point of contact, use and access constraints, one
//! download link per distribution and a WMS GetCapabilities link), in `GetRecordsResponse`
//! pages.

use std::fmt::Write as _;

use super::synth::{SynthDataset, LICENSES};

/// XML-escape a text.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The ISO maintenance frequency of an EU frequency code.
fn maintenance(eu: &str) -> &'static str {
    match eu {
        "DAILY" => "daily",
        "WEEKLY" => "weekly",
        "MONTHLY" => "monthly",
        "QUARTERLY" => "quarterly",
        "ANNUAL" => "annually",
        "IRREG" => "irregular",
        _ => "asNeeded",
    }
}

fn text(tag: &str, value: &str) -> String {
    format!(
        "<gmd:{tag}><gco:CharacterString>{}</gco:CharacterString></gmd:{tag}>",
        esc(value)
    )
}

fn date(value: &str, kind: &str) -> String {
    format!(
        "<gmd:date><gmd:CI_Date><gmd:date><gco:DateTime>{value}</gco:DateTime></gmd:date>\
         <gmd:dateType><gmd:CI_DateTypeCode codeList=\"http://standards.iso.org/iso/19139/resources/gmxCodelists.xml#CI_DateTypeCode\" codeListValue=\"{kind}\"/></gmd:dateType></gmd:CI_Date></gmd:date>"
    )
}

/// One record.
pub fn record(d: &SynthDataset) -> String {
    let mut out = String::with_capacity(8 * 1024);
    let (mut west, mut east, mut south, mut north) = (180.0f64, -180.0f64, 90.0f64, -90.0f64);
    for (x, y) in &d.polygon {
        west = west.min(*x);
        east = east.max(*x);
        south = south.min(*y);
        north = north.max(*y);
    }
    let license = LICENSES.get(d.license).map_or("", |l| l.2);
    let license_url = LICENSES.get(d.license).map_or("", |l| l.0);
    let _ = write!(
        out,
        "<gmd:MD_Metadata xmlns:gmd=\"http://www.isotc211.org/2005/gmd\" xmlns:gco=\"http://www.isotc211.org/2005/gco\" \
         xmlns:gmx=\"http://www.isotc211.org/2005/gmx\" xmlns:gml=\"http://www.opengis.net/gml/3.2\" xmlns:xlink=\"http://www.w3.org/1999/xlink\">\
         {}<gmd:language><gmd:LanguageCode codeList=\"http://www.loc.gov/standards/iso639-2/\" codeListValue=\"fre\"/></gmd:language>\
         <gmd:hierarchyLevel><gmd:MD_ScopeCode codeList=\"http://standards.iso.org/iso/19139/resources/gmxCodelists.xml#MD_ScopeCode\" codeListValue=\"dataset\"/></gmd:hierarchyLevel>\
         <gmd:dateStamp><gco:DateTime>{}</gco:DateTime></gmd:dateStamp>\
         <gmd:identificationInfo><gmd:MD_DataIdentification><gmd:citation><gmd:CI_Citation>{}{}{}\
         <gmd:identifier><gmd:RS_Identifier><gmd:code><gco:CharacterString>{}</gco:CharacterString></gmd:code>\
         <gmd:codeSpace><gco:CharacterString>{}</gco:CharacterString></gmd:codeSpace></gmd:RS_Identifier></gmd:identifier>\
         </gmd:CI_Citation></gmd:citation>{}",
        text("fileIdentifier", &d.id),
        d.modified,
        text("title", &d.title),
        date(&d.issued, "creation"),
        date(&d.modified, "revision"),
        esc(&d.id),
        esc(&d.landing_page),
        text("abstract", &d.description_html),
    );
    let _ = write!(
        out,
        "<gmd:pointOfContact><gmd:CI_ResponsibleParty>{}<gmd:contactInfo><gmd:CI_Contact><gmd:address><gmd:CI_Address>{}</gmd:CI_Address></gmd:address></gmd:CI_Contact></gmd:contactInfo>\
         <gmd:role><gmd:CI_RoleCode codeList=\"http://standards.iso.org/iso/19139/resources/gmxCodelists.xml#CI_RoleCode\" codeListValue=\"pointOfContact\"/></gmd:role></gmd:CI_ResponsibleParty></gmd:pointOfContact>\
         <gmd:pointOfContact><gmd:CI_ResponsibleParty>{}<gmd:role><gmd:CI_RoleCode codeList=\"http://standards.iso.org/iso/19139/resources/gmxCodelists.xml#CI_RoleCode\" codeListValue=\"publisher\"/></gmd:role></gmd:CI_ResponsibleParty></gmd:pointOfContact>\
         <gmd:resourceMaintenance><gmd:MD_MaintenanceInformation><gmd:maintenanceAndUpdateFrequency>\
         <gmd:MD_MaintenanceFrequencyCode codeList=\"http://standards.iso.org/iso/19139/resources/gmxCodelists.xml#MD_MaintenanceFrequencyCode\" codeListValue=\"{}\"/>\
         </gmd:maintenanceAndUpdateFrequency></gmd:MD_MaintenanceInformation></gmd:resourceMaintenance>",
        text("organisationName", &d.contact_name),
        text("electronicMailAddress", &d.contact_email),
        text("organisationName", &d.publisher),
        maintenance(d.frequency),
    );
    out.push_str("<gmd:descriptiveKeywords><gmd:MD_Keywords>");
    for k in &d.keywords {
        out.push_str(&text("keyword", k));
    }
    out.push_str("</gmd:MD_Keywords></gmd:descriptiveKeywords>");
    out.push_str("<gmd:descriptiveKeywords><gmd:MD_Keywords>");
    for t in &d.themes {
        out.push_str(&text("keyword", t));
    }
    out.push_str(
        "<gmd:thesaurusName><gmd:CI_Citation><gmd:title><gco:CharacterString>GEMET - INSPIRE themes, version 1.0</gco:CharacterString></gmd:title></gmd:CI_Citation></gmd:thesaurusName></gmd:MD_Keywords></gmd:descriptiveKeywords>",
    );
    let _ = write!(
        out,
        "<gmd:resourceConstraints><gmd:MD_LegalConstraints><gmd:accessConstraints><gmd:MD_RestrictionCode codeList=\"http://standards.iso.org/iso/19139/resources/gmxCodelists.xml#MD_RestrictionCode\" codeListValue=\"otherRestrictions\"/></gmd:accessConstraints>\
         <gmd:otherConstraints><gmx:Anchor xlink:href=\"http://inspire.ec.europa.eu/metadata-codelist/LimitationsOnPublicAccess/noLimitations\">Pas de restriction d'accès public</gmx:Anchor></gmd:otherConstraints></gmd:MD_LegalConstraints></gmd:resourceConstraints>\
         <gmd:resourceConstraints><gmd:MD_LegalConstraints><gmd:useConstraints><gmd:MD_RestrictionCode codeList=\"http://standards.iso.org/iso/19139/resources/gmxCodelists.xml#MD_RestrictionCode\" codeListValue=\"otherRestrictions\"/></gmd:useConstraints>\
         {}</gmd:MD_LegalConstraints></gmd:resourceConstraints>\
         <gmd:topicCategory><gmd:MD_TopicCategoryCode>environment</gmd:MD_TopicCategoryCode></gmd:topicCategory>\
         <gmd:extent><gmd:EX_Extent><gmd:geographicElement><gmd:EX_GeographicBoundingBox>\
         <gmd:westBoundLongitude><gco:Decimal>{west:.5}</gco:Decimal></gmd:westBoundLongitude><gmd:eastBoundLongitude><gco:Decimal>{east:.5}</gco:Decimal></gmd:eastBoundLongitude>\
         <gmd:southBoundLatitude><gco:Decimal>{south:.5}</gco:Decimal></gmd:southBoundLatitude><gmd:northBoundLatitude><gco:Decimal>{north:.5}</gco:Decimal></gmd:northBoundLatitude>\
         </gmd:EX_GeographicBoundingBox></gmd:geographicElement>\
         <gmd:temporalElement><gmd:EX_TemporalExtent><gmd:extent><gml:TimePeriod gml:id=\"t\"><gml:beginPosition>{}</gml:beginPosition><gml:endPosition>{}</gml:endPosition></gml:TimePeriod></gmd:extent></gmd:EX_TemporalExtent></gmd:temporalElement>\
         </gmd:EX_Extent></gmd:extent></gmd:MD_DataIdentification></gmd:identificationInfo>",
        text("otherConstraints", &format!("{license} {license_url}")),
        d.temporal.0,
        d.temporal.1,
    );
    out.push_str("<gmd:distributionInfo><gmd:MD_Distribution>");
    for dist in &d.distributions {
        let _ = write!(
            out,
            "<gmd:distributionFormat><gmd:MD_Format>{}</gmd:MD_Format></gmd:distributionFormat>",
            text("name", dist.format)
        );
    }
    out.push_str("<gmd:transferOptions><gmd:MD_DigitalTransferOptions>");
    for dist in &d.distributions {
        let _ = write!(
            out,
            "<gmd:onLine><gmd:CI_OnlineResource><gmd:linkage><gmd:URL>{}</gmd:URL></gmd:linkage>{}{}{}\
             <gmd:function><gmd:CI_OnLineFunctionCode codeList=\"http://standards.iso.org/iso/19139/resources/gmxCodelists.xml#CI_OnLineFunctionCode\" codeListValue=\"download\"/></gmd:function>\
             </gmd:CI_OnlineResource></gmd:onLine>",
            esc(&dist.download_url),
            text("protocol", "WWW:DOWNLOAD-1.0-http--download"),
            text("name", &dist.title),
            text("description", &dist.description),
        );
    }
    let _ = write!(
        out,
        "<gmd:onLine><gmd:CI_OnlineResource><gmd:linkage><gmd:URL>{}</gmd:URL></gmd:linkage>{}{}</gmd:CI_OnlineResource></gmd:onLine>\
         <gmd:onLine><gmd:CI_OnlineResource><gmd:linkage><gmd:URL>{}</gmd:URL></gmd:linkage>{}</gmd:CI_OnlineResource></gmd:onLine>",
        esc(&format!(
            "https://geo.example.org/wms?SERVICE=WMS&REQUEST=GetCapabilities&layer={}",
            d.name
        )),
        text("protocol", "OGC:WMS"),
        text("name", &d.name),
        esc(&d.landing_page),
        text("name", "Fiche de présentation"),
    );
    out.push_str(
        "</gmd:MD_DigitalTransferOptions></gmd:transferOptions></gmd:MD_Distribution></gmd:distributionInfo></gmd:MD_Metadata>",
    );
    out
}

/// A `GetRecordsResponse` page of `records`, the first at `start` of `matched`.
pub fn page(records: &[SynthDataset], start: usize, matched: usize) -> String {
    let next = start + records.len();
    let next = if records.is_empty() || next > matched {
        0
    } else {
        next
    };
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<csw:GetRecordsResponse xmlns:csw=\"http://www.opengis.net/cat/csw/2.0.2\">\
         <csw:SearchStatus timestamp=\"2024-01-01T00:00:00Z\"/>\
         <csw:SearchResults numberOfRecordsMatched=\"{matched}\" numberOfRecordsReturned=\"{}\" elementSet=\"full\" nextRecord=\"{next}\">",
        records.len()
    );
    for r in records {
        out.push_str(&record(r));
    }
    out.push_str("</csw:SearchResults></csw:GetRecordsResponse>");
    out
}
