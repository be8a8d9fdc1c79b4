//! The parser on the shapes real files come in, and the AST it builds.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use prereq::syntax::ast::{Declaration, ExprKind, FactType, Scope};
use prereq::syntax::{self, ast};
use prereq::{Facts, LoadError, RuleSet, Sources, Verdict};

fn parse(text: &str) -> ast::File {
    let mut sources = Sources::default();
    let (file, diagnostics) = syntax::parse_file(sources.add("t.rules", text), text);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    file
}

fn rule(file: &ast::File, index: usize) -> &ast::RuleDecl {
    match &file.declarations[index] {
        Declaration::Rule(rule) => rule,
        other => panic!("expected a rule, got {other:?}"),
    }
}

#[test]
fn and_or_chains_are_flat_and_precedence_is_or_and_not_comparison() {
    let file = parse("rule r requires a or b and not c and d or x < 3 unless e");
    let rule = rule(&file, 0);
    let ExprKind::Or(alternatives) = &rule.requires.kind else {
        panic!()
    };
    assert_eq!(alternatives.len(), 3);
    let ExprKind::And(conjuncts) = &alternatives[1].kind else {
        panic!()
    };
    assert_eq!(conjuncts.len(), 3);
    assert!(matches!(conjuncts[1].kind, ExprKind::Not(_)));
    assert!(matches!(alternatives[2].kind, ExprKind::Compare { .. }));
    assert!(matches!(
        rule.unless.as_ref().unwrap().kind,
        ExprKind::Name(_)
    ));
}

#[test]
fn declarations_keep_docs_scope_type_fixed_and_spans() {
    let text = "## First line.\n## Second line.\nworld fact us_backstop: bool\nfact borders: bool fixed\nfact tags: set < string >\n";
    let file = parse(text);
    let Declaration::Fact(world) = &file.declarations[0] else {
        panic!()
    };
    assert_eq!(world.docs, ["First line.", "Second line."]);
    assert_eq!(world.scope, Scope::World);
    assert_eq!(&text[world.name.span.range()], "us_backstop");
    let Declaration::Fact(borders) = &file.declarations[1] else {
        panic!()
    };
    assert!(borders.fixed && borders.docs.is_empty());
    let Declaration::Fact(tags) = &file.declarations[2] else {
        panic!()
    };
    assert_eq!(tags.ty, FactType::StringSet);
}

#[test]
fn strings_resolve_escapes_and_keep_unicode() {
    let file = parse(r#"rule r requires name == "say \"hi\" \\ à 日本""#);
    let ExprKind::Compare { rhs, .. } = &rule(&file, 0).requires.kind else {
        panic!()
    };
    assert_eq!(
        rhs.kind,
        ExprKind::String("say \"hi\" \\ à 日本".to_string())
    );
}

#[test]
fn crlf_bom_tabs_and_comments_are_fine() {
    let text = "\u{feff}# comment\r\n## Doc.\r\nfact\ta:\tbool\r\n\r\nrule r requires a # trailing comment\r\n\tand true\r\n";
    let rules = RuleSet::parse("crlf.rules", text).unwrap();
    assert_eq!(rules.resolved().facts[0].docs, ["Doc."]);
    let mut facts = Facts::new("f");
    facts.set("E", "a", true);
    assert_eq!(
        rules.evaluate(&facts).unwrap().verdict("E", "r"),
        Some(Verdict::Satisfied)
    );
}

#[test]
fn errors_on_crlf_lines_point_at_the_right_column() {
    let Err(LoadError::Invalid(diagnostics)) =
        RuleSet::parse("crlf.rules", "fact a: bool\r\nrule r requires b\r\n")
    else {
        panic!()
    };
    insta::assert_snapshot!(diagnostics.to_string());
}

#[test]
fn empty_and_comment_only_files_are_empty_rule_sets() {
    for text in ["", "   \n\n", "# only a comment\n# and another\n"] {
        let rules = RuleSet::parse("empty.rules", text).unwrap();
        assert!(rules.resolved().rules.is_empty() && rules.warnings().is_empty());
    }
}

#[test]
fn the_plain_rendering_shows_location_snippet_and_help() {
    let text =
        "fact legal_basis: bool\nfact troops: number\nrule deploy requires legal_bais and troops\n";
    let Err(LoadError::Invalid(diagnostics)) = RuleSet::parse("coalition.rules", text) else {
        panic!()
    };
    insta::assert_snapshot!(diagnostics.to_string());
}

#[test]
fn world_and_entity_rules_are_classified_through_references() {
    let rules = RuleSet::parse(
        "k.rules",
        "world fact w: bool\nfact e: bool\nrule a requires w\nrule b requires a and true\nrule c requires b or e\nrule d requires not c\nrule k requires 1 < 2\n",
    )
    .unwrap();
    let kinds: Vec<_> = rules
        .resolved()
        .rules
        .iter()
        .map(|r| format!("{}:{:?}", r.name, r.kind))
        .collect();
    assert_eq!(
        kinds,
        ["a:World", "b:World", "c:Entity", "d:Entity", "k:World"]
    );
}

#[cfg(unix)]
#[test]
fn a_rules_directory_never_follows_links_out_of_it() {
    let base = std::env::temp_dir().join(format!("prereq-links-{}", std::process::id()));
    let (rules, outside) = (base.join("rules"), base.join("outside"));
    std::fs::create_dir_all(rules.join("sub")).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(
        rules.join("main.rules"),
        "fact a: bool\nrule r requires a\n",
    )
    .unwrap();
    std::fs::write(rules.join("sub/inner.rules"), "rule inner requires a\n").unwrap();
    std::fs::write(outside.join("evil.rules"), "rule evil requires a\n").unwrap();
    std::os::unix::fs::symlink(outside.join("evil.rules"), rules.join("evil.rules")).unwrap();
    std::os::unix::fs::symlink(&outside, rules.join("linked_dir")).unwrap();
    std::os::unix::fs::symlink(rules.join("sub/inner.rules"), rules.join("alias.rules")).unwrap();
    let loaded = RuleSet::load(&rules);
    std::fs::remove_dir_all(&base).unwrap();
    let names: Vec<String> = loaded
        .unwrap()
        .resolved()
        .rules
        .iter()
        .map(|r| r.name.clone())
        .collect();
    assert!(!names.contains(&"evil".to_string()), "{names:?}");
    assert!(names.contains(&"inner".to_string()));
}
