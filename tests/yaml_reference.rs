//! YAML's fast path (src/parse/yaml/fast.rs) held to saphyr: wherever the fast path reads a
//! text, it must give the very stream saphyr gives — the same documents, values, tags, anchors
//! expanded the same way, and the same byte spans on every node. Where it does not read a text,
//! saphyr does; that is allowed, and counted, because it costs speed only.
//!
//! `CLOUDPACT_YAML_CORPUS=DIR cargo test --release --test yaml_reference -- --nocapture`
//! compares every `.yml` and `.yaml` file under DIR as well, and prints how many the fast path
//! read (docs/performance.md, "YAML's fast path").

mod common;

use std::path::{Path, PathBuf};

use cloudpact::parse::yaml::{parse_stream_fast, parse_stream_saphyr};

/// How the fast path disagrees with saphyr on `text`, if it does; `Ok(false)` when it left
/// the text to saphyr.
fn disagreement(text: &str) -> Result<bool, String> {
    let Some(fast) = parse_stream_fast(text) else {
        return Ok(false);
    };
    match parse_stream_saphyr(text) {
        Ok(want) if want == fast => Ok(true),
        Ok(want) => Err(first_difference(
            &format!("{want:#?}"),
            &format!("{fast:#?}"),
        )),
        Err(e) => Err(format!(
            "saphyr fails ({} at {:?}), the fast path reads it",
            e.message, e.span
        )),
    }
}

fn first_difference(want: &str, got: &str) -> String {
    let line = want
        .lines()
        .zip(got.lines())
        .position(|(a, b)| a != b)
        .unwrap_or(0);
    let around = |s: &str| {
        s.lines()
            .skip(line.saturating_sub(6))
            .take(10)
            .collect::<Vec<_>>()
            .join("\n")
    };
    format!("saphyr:\n{}\nfast path:\n{}", around(want), around(got))
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    common::files_ending_with(dir, &[".yml", ".yaml"])
}

/// Fails with every file the fast path reads differently; returns how many it read, and the
/// files it left to saphyr with their sizes.
fn assert_all_agree(files: &[PathBuf]) -> (usize, Vec<(usize, &Path)>) {
    let mut read = 0;
    let mut left = Vec::new();
    let mut differences = Vec::new();
    for path in files {
        let Some(text) = std::fs::read(path)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
        else {
            continue;
        };
        match disagreement(&text) {
            Ok(true) => read += 1,
            Ok(false) => left.push((text.len(), path.as_path())),
            Err(d) => differences.push(format!("{}: {d}", path.display())),
        }
    }
    assert!(
        differences.is_empty(),
        "{} of {} files differ:\n{}",
        differences.len(),
        files.len(),
        differences.join("\n\n")
    );
    (read, left)
}

#[test]
fn every_yaml_file_of_the_repository_reads_as_with_saphyr() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files: Vec<PathBuf> = ["tests", "examples", "policies", ".ci", "fuzz/seeds"]
        .iter()
        .flat_map(|d| yaml_files(&root.join(d)))
        .collect();
    assert!(files.len() >= 30, "only {} files found", files.len());
    let (read, _) = assert_all_agree(&files);
    // Most real files are the plain block YAML the fast path exists for.
    assert!(
        read * 2 > files.len(),
        "the fast path read {read} of {}",
        files.len()
    );
}

#[test]
fn a_corpus_named_by_the_environment_reads_as_with_saphyr() {
    let Some(dir) = std::env::var_os("CLOUDPACT_YAML_CORPUS") else {
        return;
    };
    let files = yaml_files(Path::new(&dir));
    let (read, mut left) = assert_all_agree(&files);
    left.sort_unstable_by(|a, b| b.cmp(a));
    let bytes: usize = left.iter().map(|(n, _)| n).sum();
    eprintln!(
        "{} files compared, {read} read by the fast path; left to saphyr: {} files, {bytes} bytes; \
         the largest:",
        files.len(),
        left.len()
    );
    for (n, path) in left.iter().take(10) {
        eprintln!("{n:>9} {}", path.display());
    }
}

/// Snippets of what the fast path reads, of its edges, and of what it must leave to saphyr.
const SNIPPETS: &[&str] = &[
    "",
    "# only a comment\n",
    "a: 1\n",
    "a: 1",
    "a:\n  b: 1\n  c:\n    - x\n    -   y\n",
    "a: b # c\nd: e#f\n",
    "metadata: # a comment holding: a colon\n  name: x\n",
    "a: \"q\\n\\x41\\u00e9\\U0001F600\"   # c\nb: 'it''s'\nc: ''\nd: \"\"\n",
    "\"quoted key\": 1\n'single' : 2\n",
    "a:\n  -\n  -\n  # c\nb: 1\n",
    "a:\n- x\n- k: v\n  k2: w\nb: 1\n",
    "- - a\n  - b\n- c\n",
    "-\n  a: 1\n",
    "a: [b, \"c\", 'd', {e: f}, [g], !Ref h]\nb: {}\nc: []\nd: { \"k\" : \"v\" , x: y }   # c\n",
    "a: !Not [ !Equals [!Ref 'Role', ''] ]\n",
    // Quoted scalars over several lines inside flows, at and around saphyr's indentation
    // there (one past the enclosing block collection's column), as keys, beside markers.
    "k:\n  c: !Join ['', ['[main]\n    x = 1\n\n    y', \"a\n     b\"]]\n  d: 1\n",
    "k:\n  c: ['a\n   b', 'c\n  d', \"e\\\n  f\"]\n",
    "k:\n  c: ['a\n  b']\n",
    "k:\n  c: ['a\n b']\n",
    "k:\n  c: ['a\nb']\n",
    "- ['a\n b', \"c\n d\"]\n- ['e\n f']\n",
    "- - ['a\n  b']\n",
    "['a\nb', \"c\n\n  d\"]\n",
    "{'a\n b': c}\n",
    "{a: 'b\n  c', d: [\"e\n   f\"]}\n",
    "a: {b: 'c\n   d'}\n",
    "a: ['b\n---\n c']\n",
    "a: ['b\n...\n c']\n",
    "a: ['b\n  c': d]\n",
    "a: [ 'b\n  c' ,\n  d ]\n",
    "a: ['b  \n  \n  c  ', \"d\t\n  e\"]\n",
    // Plain scalars over several lines inside flows: folded, ended by a flow indicator on
    // their line or the next, by a comment, at and left of the block's column.
    "k:\n  c: !Join ['', [<img src=\", !Ref X, /a.png\" alt=\"A\n    B\"/>, '<h1>x\n    y</h1>']]\n",
    "k:\n  c: [a b\n    c d\n\n    e, f\n    ]\n",
    "k:\n  c: [a\n   b]\n",
    "k:\n  c: [a\n  b]\n",
    "k:\n  c: [a\n b]\n",
    "k:\n  c: [a\nb]\n",
    "k:\n  c: [a\n    # c\n    b]\n",
    "k:\n  c: [a # c\n    b]\n",
    "k:\n  c: [a\n    b # c\n    ]\n",
    "k:\n  c: [a\n    b: c]\n",
    "k:\n  c: {a: b\n    c, d: e\n    f}\n",
    "k:\n  c: {a\n    b: c}\n",
    "k:\n  c: [a\n    - b, c\n    &x d, e\n    'f', g\n    \"h\", i\n    !t]\n",
    "- [a\n  b, c]\n- [d\n e]\n",
    "[a\nb, c\n\n  d]\n",
    "a: [b\n---\n c]\n",
    "a: [b\n...\n c]\n",
    "a: [b\n  ]\n",
    "a: [b\n",
    "a: [b\n  c",
    "a: [b\n  :c, d\n  ?e, f\n  -g]\n",
    "a: [b\n  c:d, e\n  f:]\n",
    // An indentless sequence whose first item starts on the line below its dash.
    "a:\n  b:\n  -\n      c: 1\n      d: 2\n  -\n      e: 3\n  f: 4\n",
    "a:\n  b:\n  -   \n    c: 1\n",
    "a:\n  b:\n  -\n    x\n  - y\n",
    "a:\n  b:\n  -\n    - x\n",
    "a:\n  b:\n  -\n\n    c: 1\n",
    "a:\n  b:\n  -\n    # c\n    d: 1\n",
    "a:\n  b:\n  -\n  c: 1\n",
    "a:\n  b:\n  -\n",
    "b:\n-\n  c: 1\n",
    // A block scalar whose header is on a line of its own below its key.
    "a:\n  b:\n    !Sub |\n      x\n       y\n  c: 1\n",
    "a:\n  b:\n    |\n      x\n",
    "a:\n  b:\n    >-\n      x\n      y\n\n  c: 1\n",
    "a:\n  b:\n    !t |\n    x\n",
    "a:\n  b:\n    !t |\n   x\n",
    "a:\n  b:\n    &x |\n      y\n  c: *x\n",
    "a:\n  b:\n    !t |\n\n      x\n",
    "a:\n  b:\n    !t |\n  c: 1\n",
    "- \n  !t |\n    x\n- |\n  y\n",
    "a:\n- b:\n    !t >\n      z\n",
    // A tagged or anchored indentless sequence (`AWS: !Join` then `- ''` at the key's column).
    "a:\n  AWS: !Join\n  - ''\n  - - x\n    - y\n  b: 1\n",
    "a: &s\n- x\nb: *s\n",
    "a: !t &s\n- x\n- y\nb: 1\n",
    "a: !t\n- x\n",
    "a: !t\n-\n  k: v\n",
    "a: !t # c\n- x\n",
    "a: !t\n\n- x\n",
    "- a: !t\n  - x\n  b: 1\n",
    // One-pair mappings inside flow sequences.
    "a: [ Ref: X, Y ]\nb: [Ref: X]\nc: [0, Fn::GetAZs: !Ref AWS::Region]\n",
    "a: [ k : v , k2:  v2,k3: v3]\n",
    "a: [k: [b], c: {d: e}, f: 'g', h: \"i\"]\n",
    "a: [k:[b]]\nc: [k:{d: e}]\n",
    "a: [k: ]\nb: [k:, c]\nc: [k:]\n",
    "a: [k: v: w]\n",
    "a: [\"k\": v, 'k2': v2]\n",
    "a: [!t k: v, &x k2: v2, *x : v3]\n",
    "a: [k: &y v, l: *y]\n",
    "a: [k:\n    v]\n",
    "a: [k: v\n    w, x]\n",
    "a: [[k: v], {l: [m: n]}]\n",
    "a: [k: v # c\n  ]\n",
    "a: [-k: v, ?k: v, :k: v]\n",
    // Properties of an empty value inside flows.
    "a: !Select [ 0, !GetAZs ]\nb: !Select [0, !GetAZs , x]\n",
    "a: [ &x , *x, !t &y ]\nb: {k: !t , l: &z }\nc: [!t]\nd: [ !t]\ne: [!!str ]\n",
    "a: [ !t\n  ]\nb: [ &q\n  , c]\n",
    "a: {!t : b}\nc: [!t : d]\n",
    "a: |\n  lit\n   more\n\nb: >-\n  fold\n  ed\n\n  para\nc: |+\n  keep\n\nd: x\n",
    "a: |\n  no newline at the end",
    "a:\n  b: |\n    x\n  # c\n  c: 1\n",
    "a: &base\n  x: 1\nb: *base\nc:\n  <<: *base\n  y: 2\nd: &s scalar\ne: [*s, *s]\n",
    "a: !Ref foo\nb: !!str 1\nc: !Sub |\n  x\nd: !If\n  - c\ne: &m !T\n  p: q\n",
    "Value:\n  !GetAtt Function.Arn\n",
    "a: plain\n  continued\n\n  after a blank line\nb: 1\n",
    "- plain\n  continued - with: no key\n",
    "a: \"quoted\n  across lines \\\n  joined\"\nb: 'single\n\n  para'\n",
    "a: 'quoted\nat the key column'\n",
    "- 'item\ncontinued at the dash column'\n",
    "a:\n  'below\n  at its own column'\n",
    "---\na: 1\n---\nb: 2\n...\n---\n- c\n",
    "a: 1\n---\n",
    "---\n# c\n---\n",
    "---\n...\n---\n---\n",
    "--- # c\na: 1\n",
    "  a: 1\n  b: 2\n",
    "é: ü\nb: \"日本\"\n",
    // Left to saphyr (or errors both must agree are errors).
    "a: [\n  b,\n  c\n]\n",
    "? complex\n: key\n",
    "%YAML 1.2\n---\na: 1\n",
    "a:\tb\n",
    "a: 1\r\nb: 2\r\n",
    "a: b: c\n",
    "a: 1\n b: 2\n",
    "a: *unknown\n",
    "--- text\n",
    "a: |2\n   x\n",
    "a: 'unterminated\n",
    // Flow collections wrapped over lines (as YAML writers fold long lists).
    "a: [b, c,\n  d]\n",
    "a: [b, c,\n d]\n",
    "  a: [b,\n  c]\n",
    "a:\n  b: [c,\n  d]\n",
    "a:\n  b: [c,\n d]\n",
    "a:\n  b: [c,\n      d]\n  e: f\n",
    "- [a,\n  b]\n- {c: 1,\n   d: 2}\n",
    "a: [b, # note\n  c]\n",
    "a: [b,\n  # a comment line\n  c]\n",
    "a: [b,#not a comment\n  c]\n",
    "a: [\n  b,\n  c,\n]\n",
    "a: [\n  b,\n  c\n]\n",
    "a: {b: 1,\n\n  c: [d,\n    e]}\n",
    "[a,\nb]\n",
    "[a,\n b]\n",
    "a: [b,\n---\n]\n",
    "a: !t [b,\n  c]\n",
    "a: &x [b,\n  c]\nd: *x\n",
    "a: ['b',\n  \"c\"]\n",
    "a: {b:\n  c}\n",
    "a: [b\n  , c]\n",
    "k: [x, y,\n  z]\nl: 2\n",
    "a: {b: 1, d :[c]}\n",
    "a: {b: 1, d :{c: 1}}\n",
    "a: {b: 1, d : [c]}\n",
    "a: {b: 1, d:[c]}\n",
    "a: {b: 1, \"d\":[c]}\n",
    "a: {b: 1,\n   d :[c]}\n",
    "a: [d :[c]]\n",
    "a: {b: 1,\n",
    "a: {b: 1,\n  ",
    "a: [b,\n  # only a comment",
    "Resources:\n  A:\n    Properties:\n      V: !FindInMap [M, !Ref 'AWS::Region', !FindInMap [N,\n          !Ref 'T', Arch]]\n",
    // Properties alone on their line, above the block collection they belong to.
    "Bucket:\n     !Join\n  - \"\"\n  -\n    - \"arn:aws:s3:::\"\n    - !Ref B\nK: v\n",
    "a:\n  b:\n       !Join\n      - x\n      - y\n  c: 1\n",
    "a:\n  !t\n  - x\n",
    "a:\n  !t\n    - x\n",
    "a:\n    !t\n  - x\n",
    "a:\n  &x\n  k: v\nb: *x\n",
    "a:\n  !t # a comment\n  k: v\n",
    "a:\n  !t\n\n  # between\n  k: v\n",
    "a:\n  &x !t\n  - 1\nb: *x\n",
    "- \n  !t\n  - x\n",
    "-\n  !t\n  k: v\n- y\n",
    "a:\n  !t\n- x\n",
    "a:\n  !t\nb: 1\n",
    "a:\n  !t\n  x\n",
    "a:\n  !t\n  [x]\n",
    "a:\n  !t\n",
    // Block scalars with an indentation indicator.
    "spec:\n    settings: |2\n       {\n        \"k\": \"v\"\n       }\n    type: x\n",
    "a: |2\n   x\n  y\n",
    "a: |1\n  x\n",
    "a: >2\n   x\n  y\n\n  z\n",
    "a: |2-\n   x\n\n",
    "a: |-2\n   x\n\n",
    "a: |+2\n   x\n\n\nb: 1\n",
    "a: |2\n\n     \n   x\n",
    "a: |2\n x\n",
    "a: |0\n x\n",
    "- |2\n   x\n- y\n",
    "a:\n  - |3\n      x\n     y\n",
    "a: |2 # c\n   x\n",
    "a: |22\n   x\n",
    "a: |2\n   x\n",
    "k:\n  a: |2\n     x\n    y\n  b: 1\n",
    // Quoted values continued at their mapping's column.
    "O:\n  Value: 'x y\n  z.'\nP: 1\n",
    "O:\n  Value: 'x y\n z.'\n",
    "O:\n  Value: 'x y\n   z.'\n",
    "O:\n  Value: \"x y\n  z.\"\n",
    "O:\n  Value: 'x\n  '\nP: 1\n",
    "O:\n  Value: 'x\n\n  y: z'\n",
    "a: 'x\nb'\n",
    "a: 'x\n b'\n",
    "- a: 'x\n  y'\n",
    "- a: 'x\n   y'\n",
    "- a: 'x\n y'\n",
    "- a:\n    b: 'x\n    y'\n",
    "- a:\n    b: 'x\n     y'\n",
    "-\n  a: 'x\n  y'\n",
    "-\n  a: 'x\n   y'\n",
    "a:\n  - b: 'x\n    y'\n",
    "a:\n  -\n    b: 'x\n    y'\n",
    "a:\n- b\nc: 'x\ny'\n",
    "O:\n  A: 1\n  Value: 'x y\n  z.'\n  B: \"p\n  q\"\n",
    "O:\n  Value: 'x y\n  z.'\n  W:\n    V: 'a\n    b'\n",
    "O:\n  Value: &v 'x y\n  z.'\n  C: *v\n",
    "O:\n  Value: !t 'x y\n  z.'\n",
    "O:\n  Value: 'x y\n  z.': 1\n",
    "O:\n  Value: 'x y\n---\n  z.'\n",
    // Trailing commas in flows (found by the `yaml` fuzz target).
    "a: {T: S, D: e,}\n",
    "a: [S, e,]\n",
    "- {T: S,}\n",
    "a: {T: [x,], D: e}\n",
    "a: {}\nb: []\n",
];

#[test]
fn snippets_read_as_with_saphyr() {
    let mut read = 0;
    let mut differences = Vec::new();
    for text in SNIPPETS {
        match disagreement(text) {
            Ok(fast) => read += usize::from(fast),
            Err(d) => differences.push(format!("{text:?}: {d}")),
        }
    }
    assert!(
        differences.is_empty(),
        "{} of {} snippets differ:\n{}",
        differences.len(),
        SNIPPETS.len(),
        differences.join("\n\n")
    );
    assert!(read >= 30, "the fast path read only {read} snippets");
}

#[test]
fn the_fast_path_leaves_what_it_does_not_read_to_saphyr() {
    for text in [
        "a: [\n  b\n]\n",
        "? k\n: v\n",
        "a:\tb\n",
        "a: 1\r\n",
        "a: b: c\n",
    ] {
        assert!(parse_stream_fast(text).is_none(), "{text:?}");
    }
    assert!(parse_stream_fast("a: 1\nb: [c]\n").is_some());
    // Wrapped flows are read; a continuation left of its block, or at a line's start, is not.
    assert!(parse_stream_fast("a: [b, c,\n  d]\ne: {f: 1,\n  g: 2}\n").is_some());
    assert!(parse_stream_fast("a:\n  b: [c,\n d]\n").is_none());
    assert!(parse_stream_fast("a: [b,\n---\n]\n").is_none());
    // Quoted scalars over several lines inside a flow are read (CloudFormation's
    // `!Join ['', ['…⏎…']]`); not as a flow mapping's key, nor left of saphyr's indentation.
    assert!(parse_stream_fast("k:\n  c: !Join ['', ['[main]\n    x = 1\n\n    y']]\n").is_some());
    assert!(parse_stream_fast("- ['a\n b', \"c\n d\"]\n").is_some());
    assert!(parse_stream_fast("{'a\n b': c}\n").is_none());
    assert!(parse_stream_fast("k:\n  c: ['a\n b']\n").is_none());
    // And plain ones, but left of their block's column or as a flow mapping's key.
    assert!(parse_stream_fast("k:\n  c: [<a\n    b>, c\n   d]\n").is_some());
    assert!(parse_stream_fast("k:\n  c: [a\n  b]\n").is_none());
    assert!(parse_stream_fast("k:\n  c: {a\n    b: c}\n").is_none());
    // An indentless sequence's first item on the line below its dash.
    assert!(parse_stream_fast("a:\n  b:\n  -\n      c: 1\n").is_some());
    // A block scalar's header on a line of its own below its key.
    assert!(parse_stream_fast("a:\n  b:\n    !Sub |\n      x\n").is_some());
    // A tagged indentless sequence: `AWS: !Join` then `- ''` at the key's column.
    assert!(parse_stream_fast("a:\n  AWS: !Join\n  - ''\n  - x\n").is_some());
    // One-pair mappings inside flow sequences: `Fn::Equals: [ Ref: X, Y ]`.
    assert!(parse_stream_fast("a: [ Ref: X, Y ]\n").is_some());
    // Properties of an empty value inside a flow: `!Select [0, !GetAZs ]`.
    assert!(parse_stream_fast("a: !Select [ 0, !GetAZs ]\n").is_some());
    // Properties alone on their line above a block collection; not above a scalar.
    assert!(parse_stream_fast("Bucket:\n     !Join\n  - \"\"\n  - x\n").is_some());
    assert!(parse_stream_fast("a:\n  !t\n  x\n").is_none());
    // Block scalars with an indentation indicator (`settings: |2`).
    assert!(parse_stream_fast("a:\n  s: |2\n     {\n     }\n").is_some());
    // saphyr ends a flow mapping after a trailing comma before its `}`.
    assert!(parse_stream_fast("a: {T: S, D: e,}\n").is_none());
    assert!(parse_stream_fast("a: [S, e,]\n").is_some());
}
