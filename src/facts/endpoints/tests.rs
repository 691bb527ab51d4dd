use std::fmt::Write as _;

use super::*;
use crate::facts::catalog::Catalog;

/// A file from `tests/fixtures/`, with its path relative to that folder.
pub(crate) fn fixture(rel: &str) -> Arc<SourceFile> {
    let path = format!("{}/tests/fixtures/{rel}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    Arc::new(SourceFile::new(rel, text))
}

/// Deployments as a user reads them in `inventory`, one block each, for snapshots.
pub(crate) fn render(file: &SourceFile, deps: &[Deployment]) -> String {
    let mut deps: Vec<&Deployment> = deps.iter().collect();
    deps.sort_by_key(|d| (d.span.start, d.name.clone()));
    let mut s = String::new();
    for d in deps {
        let lc = file.line_col(d.span.start);
        let opt = |o: &Option<String>| o.clone().unwrap_or_else(|| "-".into());
        let _ = writeln!(
            s,
            "{}:{}:{} {} {} {:?} provider={} kind={} service={} region={} country={} gpu={}",
            d.path,
            lc.line,
            lc.column,
            d.format,
            d.type_,
            d.name,
            d.provider.as_deref().unwrap_or("-"),
            d.kind,
            opt(&d.service),
            opt(&d.region),
            opt(&d.country),
            d.gpu,
        );
        let at: String = file.text()[d.span.range()].chars().take(70).collect();
        let _ = writeln!(s, "    at {at:?}");
        if !d.tags.is_empty() {
            let _ = writeln!(s, "    tags {:?}", d.tags);
        }
        for e in &d.evidence {
            let _ = writeln!(s, "    {:?}: {}", e.attr, e.text);
        }
    }
    if s.is_empty() {
        s.push_str("(no deployments)\n");
    }
    s
}

pub(crate) fn render_extraction(file: &SourceFile, x: &Extraction) -> String {
    let mut s = render(file, &x.deployments);
    for e in &x.errors {
        let _ = writeln!(s, "error: {e}");
    }
    s
}

fn ctx_run(rel: &str, syntax: Syntax) -> (Arc<SourceFile>, Extraction) {
    let catalog = Catalog::builtin();
    let file = fixture(rel);
    let x = extract_text_config(&file, syntax, Ctx::new(&catalog));
    (file, x)
}

fn hosts(text: &str) -> Vec<(String, String)> {
    find_hosts(text)
        .into_iter()
        .map(|h| (text[h.span.range()].to_string(), h.host))
        .collect()
}

#[test]
fn urls_and_bare_hosts_are_found_where_they_start() {
    let t = "see https://user:pw@api.openai.com:443/v1?x=1, and s3.fr-par.scw.cloud.";
    assert_eq!(
        hosts(t),
        vec![
            (
                "https://user:pw@api.openai.com:443/v1?x=1".to_string(),
                "api.openai.com".to_string()
            ),
            (
                "s3.fr-par.scw.cloud".to_string(),
                "s3.fr-par.scw.cloud".to_string()
            ),
        ]
    );
}

#[test]
fn emails_and_glued_words_are_not_hosts() {
    assert!(
        hosts("ops@api.openai.com")
            .iter()
            .all(|(_, h)| h != "api.openai.com")
    );
    assert!(
        hosts("x_api.openai.com")
            .iter()
            .all(|(_, h)| h != "api.openai.com")
    );
    assert!(hosts("s3 bucket").is_empty());
    assert!(hosts("plain words only").is_empty());
}

#[test]
fn placeholders_before_a_host_still_match() {
    let found = find_hosts("https://{{ .Values.account }}.openai.azure.com/");
    let hit = found.iter().find(|h| h.host == "openai.azure.com").unwrap();
    assert_eq!(
        hit.match_as.as_deref(),
        Some("placeholder.openai.azure.com")
    );
    assert_eq!(hit.span.start, 0);
    let t = "url: ${ACCOUNT}.blob.core.windows.net";
    assert_eq!(find_hosts(t)[0].span.start, t.find('$').unwrap());
}

#[test]
fn v3_settings_yaml_through_scan_tree() {
    // The YAML parser is another module's; build the tree it would give, spans included.
    let file = fixture("endpoints/v3/app/settings.yaml");
    let t: &str = &file.text();
    let s = |needle: &str| {
        let start = t.find(needle).unwrap();
        Node::new(
            Span::new(start, start + needle.len()),
            Value::String(needle.into()),
        )
    };
    let map = |entries: Vec<(Node, Node)>| Node::new(Span::new(0, t.len()), Value::Map(entries));
    let root = map(vec![
        (
            s("llm"),
            map(vec![
                (
                    s("primary"),
                    s("https://acme.openai.azure.com/openai/deployments/gpt-4o"),
                ),
                (s("fallback"), s("https://api.mistral.ai/v1")),
            ]),
        ),
        (
            s("telemetry"),
            map(vec![(s("endpoint"), s("https://telemetry.example.com"))]),
        ),
    ]);
    let catalog = Catalog::builtin();
    let deps = scan_tree(&file, &root, Ctx::new(&catalog));
    assert_eq!(deps.len(), 2);
    let line = |d: &Deployment| file.line_col(d.span.start).line;
    assert_eq!(line(&deps[0]), 2);
    assert_eq!(deps[0].provider.as_deref(), Some("azure"));
    assert_eq!(deps[0].kind, Kind::Ai);
    assert_eq!(deps[0].service.as_deref(), Some("azure-openai"));
    assert_eq!(deps[0].name, "llm.primary");
    assert_eq!(line(&deps[1]), 3);
    assert_eq!(deps[1].provider.as_deref(), Some("mistral"));
    insta::assert_snapshot!(render(&file, &deps));
}

#[test]
fn v3_dotenv() {
    let (file, x) = ctx_run("endpoints/v3/app/.env.production", Syntax::Dotenv);
    assert!(x.errors.is_empty());
    let d = &x.deployments;
    assert_eq!(d.len(), 2);
    assert_eq!(file.line_col(d[0].span.start).line, 1);
    assert_eq!(d[0].provider.as_deref(), Some("anthropic"));
    assert_eq!(d[0].format, Format::Dotenv);
    assert_eq!(d[0].name, "ANTHROPIC_API_URL");
    assert_eq!(file.line_col(d[1].span.start).line, 2);
    assert_eq!(d[1].provider.as_deref(), Some("aws"));
    assert_eq!(d[1].kind, Kind::Ai);
    assert_eq!(d[1].service.as_deref(), Some("bedrock"));
    assert_eq!(d[1].region.as_deref(), Some("us-west-2"));
    assert!(
        d[1].evidence
            .iter()
            .any(|e| e.text == "host bedrock-runtime.us-west-2.amazonaws.com")
    );
    insta::assert_snapshot!(render_extraction(&file, &x));
}

#[test]
fn registry_hosts_give_no_region() {
    let (_, x) = ctx_run("endpoints/dotenv/hostile.env", Syntax::Dotenv);
    let reg = x
        .deployments
        .iter()
        .find(|d| d.type_ == "registry")
        .expect("the pkg.dev image");
    assert_eq!(reg.provider.as_deref(), Some("gcp"));
    assert_eq!(reg.region, None);
}

macro_rules! snapshot_fixture {
    ($name:ident, $rel:expr, $syntax:expr) => {
        #[test]
        fn $name() {
            let (file, x) = ctx_run($rel, $syntax);
            insta::assert_snapshot!(render_extraction(&file, &x));
        }
    };
}

snapshot_fixture!(dotenv_none, "endpoints/dotenv/none.env", Syntax::Dotenv);
snapshot_fixture!(dotenv_two, "endpoints/dotenv/two.env", Syntax::Dotenv);
snapshot_fixture!(
    dotenv_hostile,
    "endpoints/dotenv/hostile.env",
    Syntax::Dotenv
);
snapshot_fixture!(toml_none, "endpoints/toml/none.toml", Syntax::Toml);
snapshot_fixture!(toml_two, "endpoints/toml/two.toml", Syntax::Toml);
snapshot_fixture!(toml_hostile, "endpoints/toml/hostile.toml", Syntax::Toml);
snapshot_fixture!(toml_broken, "endpoints/toml/broken.toml", Syntax::Toml);
snapshot_fixture!(ini_none, "endpoints/ini/none.ini", Syntax::Ini);
snapshot_fixture!(ini_two, "endpoints/ini/two.ini", Syntax::Ini);
snapshot_fixture!(ini_hostile, "endpoints/ini/hostile.conf", Syntax::Ini);
snapshot_fixture!(
    properties_none,
    "endpoints/properties/none.properties",
    Syntax::Properties
);
snapshot_fixture!(
    properties_two,
    "endpoints/properties/two.properties",
    Syntax::Properties
);
snapshot_fixture!(
    properties_hostile,
    "endpoints/properties/hostile.properties",
    Syntax::Properties
);

#[test]
fn toml_error_is_a_parse_error_at_its_span() {
    let (file, x) = ctx_run("endpoints/toml/broken.toml", Syntax::Toml);
    assert_eq!(x.errors.len(), 1);
    let (_, line, _) = x.errors[0].location().unwrap();
    assert_eq!(line, 3, "{}", x.errors[0]);
    assert_eq!(&*file.path, "endpoints/toml/broken.toml");
}

#[test]
fn byte_order_marks_are_tolerated() {
    let catalog = Catalog::builtin();
    let ctx = Ctx::new(&catalog);
    for (text, syntax) in [
        ("\u{feff}URL=https://api.openai.com", Syntax::Dotenv),
        ("\u{feff}url = https://api.openai.com", Syntax::Ini),
        ("\u{feff}url=https://api.openai.com", Syntax::Properties),
        ("\u{feff}url = 'https://api.openai.com'", Syntax::Toml),
    ] {
        let file = Arc::new(SourceFile::new("f", text));
        let x = extract_text_config(&file, syntax, ctx);
        assert!(x.errors.is_empty(), "{syntax:?}: {:?}", x.errors);
        assert_eq!(x.deployments.len(), 1, "{syntax:?}");
    }
}

#[test]
fn junk_never_panics() {
    let catalog = Catalog::builtin();
    let ctx = Ctx::new(&catalog);
    for text in [
        "",
        "=",
        "\"",
        "export",
        "export =",
        "a=\"",
        "[",
        "[x",
        "k\\",
        "\\\n\\\n",
        "é=ü\u{0}",
        "x = '''",
        "a.b.c.d.e.f.g.h",
    ] {
        let file = Arc::new(SourceFile::new("f", text));
        for syntax in [
            Syntax::Dotenv,
            Syntax::Ini,
            Syntax::Properties,
            Syntax::Toml,
        ] {
            let _ = extract_text_config(&file, syntax, ctx);
        }
    }
}

/// `split_match` must read the groups exactly as the regex's captures do: checked on tricky
/// strings and on 30,000 pseudo-random ones over the characters that matter.
#[test]
fn host_groups_are_read_off_the_match_as_captures_would_give_them() {
    let mut texts: Vec<String> = [
        "https://user:pw@api.openai.com:443/v1?x=1#y",
        "a.com/x?u=https://b.com",
        "http://a.b@c",
        "http://user@nohost/x.y",
        "s3+https://a.b.c-d.e/",
        "t2.micro, Bucket.Arn.",
        "example.com.123",
        "x.y://foo.bar",
        "ftp://\u{212A}.\u{17F}x/",
        "HTTPS://API.OPENAI.COM",
        "me@mail.example.com and https://a-b.c/d'e",
    ]
    .map(str::to_string)
    .to_vec();
    // Letters and dots weigh more: most strings then hold a host or two. Half start with
    // something like a scheme, user information or both.
    texts.extend(random_texts(
        0x2545_F491_4F6C_DD1D,
        "aabbc...-:/@?#'\"<> 09K_xhtps+\u{212A}\u{17F}é",
        &[
            "", "http://", "s3+x://", "a.b://", "://", "h://u@", "h://u:p@", "x://@",
        ],
        30_000,
        24,
        |i| i % 2 == 1,
    ));
    let mut matches = 0;
    for text in &texts {
        for caps in HOST_RE.captures_iter(text) {
            let whole = caps.get(0).unwrap();
            let host = caps.name("host").unwrap();
            let (has_scheme, span) = split_match(whole.as_str());
            assert_eq!(has_scheme, caps.name("scheme").is_some(), "{text:?}");
            assert_eq!(
                span,
                Span::new(host.start() - whole.start(), host.end() - whole.start()),
                "{text:?}"
            );
            matches += 1;
        }
    }
    assert!(
        matches > 4_000,
        "the random strings exercise the pattern: {matches}"
    );
}

/// [`ascii::find`] must give the regex's matches on ASCII text: checked on tricky strings
/// and on 200,000 pseudo-random ones over the characters the pattern treats apart, long
/// enough to hold chains of labels, schemes inside hosts and runs that end in `-`.
#[test]
fn ascii_host_matches_are_the_regexs() {
    let mut texts: Vec<String> = [
        "https://user:pw@api.openai.com:443/v1?x=1#y",
        "a.com/x?u=https://b.com",
        "http://a.b@c",
        "http://user@nohost/x.y",
        "s3+https://a.b.c-d.e/",
        "t2.micro, Bucket.Arn.",
        "example.com.123",
        "1.2.3.4 10.0.0.1:8080/x",
        "a-.b.com -a.b c-.d- e.f-",
        "x.y://foo.bar",
        "HTTPS://API.OPENAI.COM:1234567/path`x",
        "me@mail.example.com and https://a-b.c/d'e",
        "a.b.c.d.e.f.g.h.1",
        "h://u@:p@a.b",
        "",
        ".",
        "a.",
        "a.1",
    ]
    .map(str::to_string)
    .to_vec();
    texts.extend(random_texts(
        0x9E37_79B9_7F4A_7C15,
        "aabbcZ....--:/@?#'\"<>` \t\x0b09K_xhtps+%",
        &[
            "", "http://", "s3+x://", "a.b://", "://", "h://u@", "h://u:p@", "x://@", "1.2.",
        ],
        200_000,
        40,
        |i| i % 3 == 0,
    ));
    let mut matches = 0;
    for text in &texts {
        let expected: Vec<ascii::Found> = HOST_RE
            .captures_iter(text)
            .map(|caps| {
                let whole = caps.get(0).unwrap();
                let host = caps.name("host").unwrap();
                ascii::Found {
                    start: whole.start(),
                    end: whole.end(),
                    has_scheme: caps.name("scheme").is_some(),
                    host_start: host.start(),
                    host_end: host.end(),
                }
            })
            .collect();
        let mut got = Vec::new();
        let mut at = 0;
        while let Some(found) = ascii::find(text.as_bytes(), at) {
            at = found.end;
            got.push(found);
        }
        assert_eq!(got, expected, "{text:?}");
        matches += got.len();
    }
    assert!(
        matches > 40_000,
        "the random strings exercise the pattern: {matches}"
    );
}

/// Text with a byte outside ASCII is matched by the regex itself (its case rules read the
/// Kelvin sign as `k`), ASCII text by [`ascii::find`]: both through one function.
#[test]
fn host_matches_take_the_regex_for_text_beyond_ascii() {
    let found: Vec<_> = host_matches("see https://\u{212A}.ai/x and a.b")
        .map(|f| (f.start, f.end, f.has_scheme))
        .collect();
    assert_eq!(found, [(4, 20, true), (25, 28, false)]);
    let found: Vec<_> = host_matches("see https://k.ai/x and a.b")
        .map(|f| (f.start, f.end, f.has_scheme))
        .collect();
    assert_eq!(found, [(4, 18, true), (23, 26, false)]);
}

/// `count` pseudo-random strings (xorshift from `seed`, so every run tests the same ones) of 1 to
/// `max_len` characters of `alphabet`, the `i`th after one of `heads` when `with_head(i)`.
fn random_texts(
    mut seed: u64,
    alphabet: &str,
    heads: &[&str],
    count: usize,
    max_len: u64,
    with_head: impl Fn(usize) -> bool,
) -> Vec<String> {
    let alphabet: Vec<char> = alphabet.chars().collect();
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    (0..count)
        .map(|i| {
            let len = 1 + (next() % max_len) as usize;
            let head = if with_head(i) {
                heads[(next() % heads.len() as u64) as usize]
            } else {
                ""
            };
            let tail: String = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            format!("{head}{tail}")
        })
        .collect()
}
