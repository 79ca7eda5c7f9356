//! Small fragments several pages show the same way: dates, durations, a status in its colour,
//! links to remote URLs (only http(s) ones) and the previous / next links of a paged list.

use common::model::{HarvestJob, JobTrigger};
use maud::{html, Markup};

use crate::api;

/// A date as the pages show it (`—` when there is none).
pub(crate) fn date(d: Option<bson::DateTime>) -> String {
    match d {
        Some(d) => d.to_chrono().format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        None => "—".into(),
    }
}

/// How long a job ran (or has run so far).
pub(crate) fn duration(job: &HarvestJob) -> String {
    match api::duration_secs(job) {
        Some(s) if s >= 3600.0 => format!(
            "{:.0} h {:.0} min",
            (s / 3600.0).floor(),
            (s % 3600.0) / 60.0
        ),
        Some(s) if s >= 60.0 => format!("{:.0} min {:.0} s", (s / 60.0).floor(), s % 60.0),
        Some(s) => format!("{s:.1} s"),
        None => "—".into(),
    }
}

/// What started a job.
pub(crate) fn trigger(t: JobTrigger) -> &'static str {
    match t {
        JobTrigger::Manual => "manual",
        JobTrigger::Cron => "cron",
    }
}

/// A job, item or validation status, coloured by its `status-…` class.
pub(crate) fn status_span(status: &str) -> Markup {
    html! { span class={ "status-" (status) } { (status) } }
}

/// The URL to link to, when it may be a link: only http(s) and site-relative URLs.
pub(crate) fn safe_href(url: &str) -> Option<&str> {
    let lower = url.trim_start().to_ascii_lowercase();
    (lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with('/'))
        .then(|| url.trim())
}

/// `text`, linked to `url` when it is a web URL (a remote page, opened without referrer).
pub(crate) fn remote_link(url: Option<&str>, text: &str) -> Markup {
    html! {
        @if let Some(href) = url.and_then(safe_href) {
            a href=(href) rel="noreferrer" { (text) }
        } @else {
            (text)
        }
    }
}

/// Previous / next links of a paged list (nothing when it has one page).
pub fn pages_nav(href: impl Fn(u64) -> String, page: u64, pages: u64) -> Markup {
    html! {
        @if pages > 1 {
            p class="pages" {
                @if page > 1 {
                    a href=(href(page - 1)) { "Previous" }
                    " "
                }
                "page " (page) " of " (pages)
                @if page < pages {
                    " "
                    a href=(href(page + 1)) { "Next" }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_urls_become_links_and_are_escaped() {
        assert_eq!(safe_href("javascript:alert(1)"), None);
        assert_eq!(safe_href(" /admin/ "), Some("/admin/"));
        let link = remote_link(Some("https://x.org/?a=1&b=2"), "<x>").into_string();
        assert_eq!(
            link,
            "<a href=\"https://x.org/?a=1&amp;b=2\" rel=\"noreferrer\">&lt;x&gt;</a>"
        );
        let text = remote_link(Some("javascript:alert(\"1\")"), "a \"b\" & 'c'").into_string();
        assert_eq!(text, "a &quot;b&quot; &amp; 'c'");
    }

    #[test]
    fn pages_nav_links_both_ways() {
        assert_eq!(pages_nav(|n| format!("?page={n}"), 1, 1).into_string(), "");
        let nav = pages_nav(|n| format!("?a=1&page={n}"), 2, 3).into_string();
        assert_eq!(
            nav,
            "<p class=\"pages\"><a href=\"?a=1&amp;page=1\">Previous</a> page 2 of 3 \
             <a href=\"?a=1&amp;page=3\">Next</a></p>"
        );
    }
}
