//! The README shows real output: every `$ prereq …` block in it must match
//! what the binary prints today.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::process::Command;

#[test]
fn readme_transcripts_match_the_binary() {
    let root = env!("CARGO_MANIFEST_DIR");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).unwrap();
    let mut checked = 0;
    for block in readme.split("```text\n").skip(1) {
        let block = block.split("```").next().unwrap();
        let Some(command) = block.strip_prefix("$ prereq ") else {
            continue;
        };
        let (command, expected) = command.split_once('\n').unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_prereq"))
            .args(command.split_whitespace())
            .current_dir(root)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8(output.stdout).unwrap(),
            expected,
            "README block: prereq {command}"
        );
        checked += 1;
    }
    assert!(checked >= 4, "the README walks through the four questions");
}
