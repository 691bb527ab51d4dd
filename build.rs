//! Converts the provider catalog's YAML tables (`src/facts/catalog/*.yaml`, the files people
//! edit) to JSON in `OUT_DIR`, which `src/facts/catalog.rs` embeds: parsing JSON at start-up
//! costs a fraction of parsing YAML, and every run builds the catalog (docs/performance.md,
//! "Start-up"). A table that is not valid YAML, or that JSON cannot hold, fails the build.
//! The resource-type tables (`kinds`, `services`) are also compiled into DFAs (`NAME.dfa`),
//! read by `facts::catalog::TypeTable`; a pattern that does not compile fails the build.
//!
//! It also reads `grammar/policy.pest` with pest's own grammar parser (`pest_meta`) and writes
//! `grammar_table.rs`: for every rule of the grammar, the words that can begin it (its FIRST
//! set of keyword literals) and its `///` documentation. The language server's completion and
//! hover read the policy language's keywords from there (src/dsl/complete.rs), so they follow
//! the grammar instead of a hand-written list.

use std::path::PathBuf;

const TABLES: [&str; 5] = ["providers", "regions", "kinds", "services", "gpu"];

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    for name in TABLES {
        let src = format!("src/facts/catalog/{name}.yaml");
        println!("cargo::rerun-if-changed={src}");
        let text = std::fs::read_to_string(&src).unwrap_or_else(|e| panic!("{src}: {e}"));
        let value: serde_json::Value =
            serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{src}: {e}"));
        let json = serde_json::to_string(&value).expect("a JSON value serialises");
        std::fs::write(out.join(format!("{name}.json")), json)
            .unwrap_or_else(|e| panic!("writing {name}.json: {e}"));
    }
    for name in ["kinds", "services"] {
        type_table_dfa(&out, name);
    }
    grammar_table(&out);
    // The binary is linked at a fixed address on Linux (not position-independent): a
    // position-independent one has ~28,000 pointers the dynamic loader rewrites at every start,
    // which dirties (and faults in) a page each time it touches one. Linked at a fixed address
    // it starts 0.25 ms (7 %) sooner on an empty folder (docs/performance.md, "Start-up"); the
    // cost is that its own code and data are not randomised, as with Go programs.
    let linux_gnu = std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux")
        && std::env::var("CARGO_CFG_TARGET_ENV").as_deref() == Ok("gnu");
    if linux_gnu {
        println!("cargo::rustc-link-arg-bins=-no-pie");
    }
}

/// `NAME.dfa`: the patterns of a resource-type table (`kinds`, `services`), lowercased, as one
/// serialized sparse DFA that reports every pattern matching at the start of a name
/// (`facts::catalog::TypeTable` takes the first). Compiling the table at start-up as a regex
/// set took several milliseconds, most of a pre-commit run on a few files; reading the DFA
/// (and checking it) takes about one, on first use. Every pattern is anchored (`^`): a table rule is about how a
/// type name begins.
fn type_table_dfa(out: &std::path::Path, name: &str) {
    use regex_automata::dfa::{StartKind, dense};
    use regex_automata::{MatchKind, nfa::thompson, util::syntax};

    let src = format!("src/facts/catalog/{name}.yaml");
    let text = std::fs::read_to_string(&src).unwrap_or_else(|e| panic!("{src}: {e}"));
    let rules: Vec<serde_json::Value> =
        serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{src}: {e}"));
    let patterns: Vec<String> = rules
        .iter()
        .map(|r| {
            let p = r["pattern"]
                .as_str()
                .unwrap_or_else(|| panic!("{src}: a rule without a pattern: {r}"));
            assert!(p.starts_with('^'), "{src}: `{p}` is not anchored with `^`");
            p.to_ascii_lowercase()
        })
        .collect();
    let dfa = dense::Builder::new()
        .configure(
            dense::Config::new()
                .match_kind(MatchKind::All)
                .start_kind(StartKind::Anchored)
                .minimize(true),
        )
        .syntax(syntax::Config::new().unicode(false).utf8(false))
        .thompson(thompson::Config::new().which_captures(thompson::WhichCaptures::None))
        .build_many(&patterns)
        .unwrap_or_else(|e| panic!("{src}: {e}"))
        .to_sparse()
        .unwrap_or_else(|e| panic!("{src}: {e}"));
    let big_endian = std::env::var("CARGO_CFG_TARGET_ENDIAN").as_deref() == Ok("big");
    let bytes = if big_endian {
        dfa.to_bytes_big_endian()
    } else {
        dfa.to_bytes_little_endian()
    };
    std::fs::write(out.join(format!("{name}.dfa")), bytes)
        .unwrap_or_else(|e| panic!("writing {name}.dfa: {e}"));
}

/// `grammar_table.rs`: `FIRST` (rule name → the keyword literals that can begin it) and
/// `DOCS` (rule name → its `///` comment).
fn grammar_table(out: &std::path::Path) {
    use pest_meta::ast::Expr;
    use std::collections::{BTreeMap, BTreeSet};

    const GRAMMAR: &str = "grammar/policy.pest";
    println!("cargo::rerun-if-changed={GRAMMAR}");
    let text = std::fs::read_to_string(GRAMMAR).unwrap_or_else(|e| panic!("{GRAMMAR}: {e}"));
    let pairs = pest_meta::parser::parse(pest_meta::parser::Rule::grammar_rules, &text)
        .unwrap_or_else(|e| panic!("{GRAMMAR}: {e}"));
    let rules =
        pest_meta::parser::consume_rules(pairs).unwrap_or_else(|e| panic!("{GRAMMAR}: {e:?}"));
    let by_name: BTreeMap<&str, &Expr> = rules.iter().map(|r| (r.name.as_str(), &r.expr)).collect();

    /// A literal worth offering: a word (`where`, `true`) or a comparison operator.
    fn keyword(s: &str) -> bool {
        s == "=="
            || s == "!="
            || (s.starts_with(|c: char| c.is_ascii_lowercase())
                && s.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
    }
    /// Adds the keyword literals that can begin `e` to `acc`; whether `e` can match nothing.
    fn first<'a>(
        e: &'a Expr,
        rules: &BTreeMap<&str, &'a Expr>,
        seen: &mut Vec<&'a str>,
        acc: &mut BTreeSet<String>,
    ) -> bool {
        match e {
            Expr::Str(s) | Expr::Insens(s) => {
                if keyword(s) {
                    acc.insert(s.clone());
                }
                s.is_empty()
            }
            Expr::Ident(name) => match rules.get(name.as_str()) {
                // WHITESPACE and COMMENT are implicit; builtins (ASCII_DIGIT, ANY) begin
                // with no keyword.
                Some(inner) if !seen.contains(&name.as_str()) => {
                    seen.push(name);
                    let nullable = first(inner, rules, seen, acc);
                    seen.pop();
                    nullable
                }
                _ => matches!(name.as_str(), "SOI" | "EOI"),
            },
            Expr::Seq(a, b) => first(a, rules, seen, acc) && first(b, rules, seen, acc),
            Expr::Choice(a, b) => {
                let na = first(a, rules, seen, acc);
                first(b, rules, seen, acc) || na
            }
            Expr::Opt(a) | Expr::Rep(a) | Expr::RepMax(a, _) => {
                first(a, rules, seen, acc);
                true
            }
            Expr::RepOnce(a) | Expr::Push(a) => first(a, rules, seen, acc),
            Expr::RepExact(a, n) | Expr::RepMin(a, n) | Expr::RepMinMax(a, n, _) => {
                first(a, rules, seen, acc) || *n == 0
            }
            // Predicates consume nothing and offer nothing.
            Expr::PosPred(_) | Expr::NegPred(_) => true,
            _ => false,
        }
    }

    // `/// …` lines directly above `name = …`.
    let mut docs: BTreeMap<String, String> = BTreeMap::new();
    let mut pending: Vec<&str> = Vec::new();
    for line in text.lines() {
        let t = line.trim();
        if let Some(d) = t.strip_prefix("///") {
            pending.push(d.trim());
        } else if let Some((name, _)) = t.split_once(" = ") {
            if !pending.is_empty() {
                docs.insert(name.trim().to_string(), pending.join(" "));
            }
            pending.clear();
        } else if !t.starts_with('|') && !t.starts_with(')') && !t.is_empty() {
            pending.clear();
        }
    }

    let mut src = String::from(
        "// Generated by build.rs from grammar/policy.pest. Do not edit.\n\n\
         /// Rule name → the keyword literals that can begin it.\n\
         pub(crate) const FIRST: &[(&str, &[&str])] = &[\n",
    );
    for r in &rules {
        let mut acc = BTreeSet::new();
        first(&r.expr, &by_name, &mut vec![r.name.as_str()], &mut acc);
        let words: Vec<String> = acc.iter().map(|w| format!("{w:?}")).collect();
        src.push_str(&format!("    ({:?}, &[{}]),\n", r.name, words.join(", ")));
    }
    src.push_str("];\n\n/// Rule name → its documentation comment in the grammar.\npub(crate) const DOCS: &[(&str, &str)] = &[\n");
    for (name, doc) in &docs {
        src.push_str(&format!("    ({name:?}, {doc:?}),\n"));
    }
    src.push_str("];\n");
    std::fs::write(out.join("grammar_table.rs"), src)
        .unwrap_or_else(|e| panic!("writing grammar_table.rs: {e}"));
}
