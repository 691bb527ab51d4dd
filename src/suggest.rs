//! "Did you mean …?" suggestions for misspelt names (providers, kinds, clauses, config keys).

/// The candidate closest to `word` by edit distance, when it is close enough to be a typo.
pub(crate) fn did_you_mean<'a, I>(word: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let word_lc = word.to_lowercase();
    let limit = (word.chars().count() / 3).max(1) + usize::from(word.len() > 6);
    candidates
        .into_iter()
        .map(|c| (levenshtein(&word_lc, &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

/// Levenshtein distance over chars.
pub(crate) fn levenshtein(a: &str, b: &str) -> usize {
    strsim::levenshtein(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let providers = ["aws", "azure", "gcp", "oracle"];
        assert_eq!(did_you_mean("azur", providers), Some("azure"));
        assert_eq!(did_you_mean("oracel", providers), Some("oracle"));
        assert_eq!(did_you_mean("kubernetes", providers), None);
    }

    #[test]
    fn distance_is_symmetric_and_exact() {
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("sitting", "kitten"), 3);
        assert_eq!(levenshtein("", "abc"), 3);
    }
}
