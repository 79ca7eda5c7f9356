//! Tags exactly as udata stores harvested tags.
//!
//! udata normalises a harvested tag with `udata.tags.normalize` (`slug`, then the
//! `TAG_MIN_LENGTH`/`TAG_MAX_LENGTH` bounds) and slugifies it once more when the dataset is saved
//! (`TagListField.clean`: a sorted set of `udata.tags.slug`). `udata.tags.slug` is awesome-slugify's
//! default `Slugify()` on `value.lower()`: transliterate to ASCII (unidecode), **drop every `'`**
//! (so `l'eau` and `l’eau` — `’` transliterates to `'` — become `leau`), split on every run of
//! non-alphanumeric characters, join with `-`. The result of the second pass is lower case.
//!
//! Every backend calls [`normalize_tags`]; none re-implements a rule of this file.

use super::text::hyphenate;

/// udata `TAG_MIN_LENGTH` (udata/settings.py): shorter tags are dropped.
pub const TAG_MIN_LENGTH: usize = 3;
/// udata `TAG_MAX_LENGTH` (udata/settings.py): longer tags are cut to this length.
pub const TAG_MAX_LENGTH: usize = 96;

/// `udata.tags.slug` followed by the lower-casing of its second pass at save time.
///
/// `tag_slug("L’Eau potable")` is `"leau-potable"`, `tag_slug("prix en €")` is `"prix-en-eur"`.
pub fn tag_slug(value: &str) -> String {
    // Python's `str.lower()` before transliteration, as udata does; characters unknown to the
    // transliteration table vanish (unidecode maps them to "").
    let ascii = deunicode::deunicode(&value.to_lowercase());
    // awesome-slugify removes apostrophes before splitting: they join words.
    hyphenate(&ascii, &['\''])
}

/// One harvested tag as udata stores it, or `None` when udata drops it (shorter than
/// [`TAG_MIN_LENGTH`] after slugification). A longer tag is cut to [`TAG_MAX_LENGTH`], then
/// slugified again (a cut ending on a separator loses it), as udata's save does.
pub fn normalize_tag(tag: &str) -> Option<String> {
    let slug = tag_slug(tag);
    if slug.len() < TAG_MIN_LENGTH {
        return None;
    }
    if slug.len() <= TAG_MAX_LENGTH {
        return Some(slug);
    }
    // A slug is ASCII: cutting at a byte index is cutting at a char boundary.
    let cut = tag_slug(&slug[..TAG_MAX_LENGTH]);
    (!cut.is_empty()).then_some(cut)
}

/// Tags as udata stores them: each normalised by [`normalize_tag`], the empty ones dropped,
/// the rest sorted and unique (`TagListField.clean` stores `sorted(set(...))`).
pub fn normalize_tags<I, S>(tags: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut out: Vec<String> = tags
        .into_iter()
        .filter_map(|t| normalize_tag(t.as_ref()))
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each pair was checked against udata 17.18.0: `TagListField().clean([tags.normalize(x)])`.
    #[test]
    fn slugs_match_udata() {
        let cases = [
            ("l'eau", "leau"),
            ("L’Eau", "leau"),
            ("l\u{2019}eau", "leau"),
            ("l' eau", "l-eau"),
            ("rock'n'roll", "rocknroll"),
            ("don't-stop", "dont-stop"),
            ("‘quoted’", "quoted"),
            ("ʼmodifier", "modifier"),
            ("Élections Municipales", "elections-municipales"),
            ("ÉCOLE", "ecole"),
            ("  spaced  out ", "spaced-out"),
            ("prix en €", "prix-en-eur"),
            ("Straße", "strasse"),
            ("œuvre", "oeuvre"),
            ("ÆØÅ", "aeoa"),
            ("C++ / Rust!", "c-rust"),
            ("snake_case_tag", "snake-case-tag"),
            ("İstanbul", "istanbul"),
            ("Москва", "moskva"),
            ("ﬁnance", "finance"),
            ("½ litre", "1-2-litre"),
            ("-abc-", "abc"),
            ("a.b.c", "a-b-c"),
        ];
        for (input, expected) in cases {
            assert_eq!(normalize_tag(input).as_deref(), Some(expected), "{input:?}");
        }
    }

    #[test]
    fn short_tags_are_dropped_after_slugification() {
        for input in [
            "a", "ab", "a'b", "l'", "'''", "ab-", "\"dq\"", "", "  ", "é",
        ] {
            assert_eq!(normalize_tag(input), None, "{input:?}");
        }
        assert_eq!(normalize_tag("abc").as_deref(), Some("abc"));
        assert_eq!(normalize_tag("ab'c").as_deref(), Some("abc"));
        // Length is measured after slugification: "a-b" is 3 characters.
        assert_eq!(normalize_tag("a b").as_deref(), Some("a-b"));
    }

    #[test]
    fn long_tags_are_cut_to_udata_max() {
        let long = "x".repeat(120);
        assert_eq!(normalize_tag(&long), Some("x".repeat(TAG_MAX_LENGTH)));
        // A cut that ends on a separator does not leave a trailing dash.
        let words = format!("{} yyyy", "x".repeat(95));
        assert_eq!(normalize_tag(&words), Some("x".repeat(95)));
        let exact = "z".repeat(96);
        assert_eq!(normalize_tag(&exact), Some(exact.clone()));
        let over = "z".repeat(97);
        assert_eq!(normalize_tag(&over), Some(exact));
    }

    #[test]
    fn tags_are_sorted_and_unique() {
        assert_eq!(
            normalize_tags(["Transport", "transport", "Vélo", "velo", "Mobilité douce"]),
            vec!["mobilite-douce", "transport", "velo"]
        );
        assert_eq!(normalize_tags(["l'eau", "leau", "L’EAU"]), vec!["leau"]);
        let owned = vec![String::from("Économie"), String::from("economie")];
        assert_eq!(normalize_tags(owned), vec!["economie"]);
        assert!(normalize_tags(Vec::<String>::new()).is_empty());
    }
}
