//! The layers import one way (ARCHITECTURE.md, "Layers"): `model/` and
//! `config/` are pure and import nothing of ours but themselves (config may
//! read model types); `app/` and `ui/` never reach the I/O layers (`kube/`,
//! `live`, `tui`, `cli/`, `sandbox/`, `audit`, `credentials`, `logging`).
//! This test reads every source file of those folders and names each
//! `crate::…` path that breaks the rule, with its file and line.

use std::path::Path;

/// The crate's top-level modules a folder may name, by folder.
const ALLOWED: &[(&str, &[&str])] = &[
    ("model", &["model"]),
    ("config", &["config", "model"]),
    // `fixtures` is test data (compiled only for tests and benches).
    ("app", &["app", "model", "config", "fixtures"]),
    ("ui", &["ui", "app", "model", "config", "fixtures"]),
];

/// Every top-level module named through `crate::` in `text`, with its
/// line: `crate::kube::x`, and each item of a `crate::{kube::x, model}`
/// group, also when the group spans lines (nested groups are read to
/// their first segment).
fn crate_paths(text: &str) -> Vec<(usize, String)> {
    let line_at = |offset: usize| text[..offset].matches('\n').count() + 1;
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(found) = text[from..].find("crate::") {
        let at = from + found;
        from = at + "crate::".len();
        // `somecrate::` is not `crate::`.
        if text[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
        {
            continue;
        }
        let rest = &text[from..];
        let Some(group) = rest.strip_prefix('{') else {
            out.push((line_at(at), first_segment(rest)));
            continue;
        };
        // The group's top-level items, up to its matching brace, each
        // with the line where its name starts.
        let item = |start: usize, text: &str| {
            let indent = text.len() - text.trim_start().len();
            (line_at(from + 1 + start + indent), first_segment(text))
        };
        let (mut depth, mut start) = (0usize, 0usize);
        for (i, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => {
                    out.push(item(start, &group[start..i]));
                    break;
                }
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    out.push(item(start, &group[start..i]));
                    start = i + 1;
                }
                _ => {}
            }
        }
    }
    out.retain(|(_, m)| !m.is_empty());
    out
}

fn first_segment(path: &str) -> String {
    path.trim_start()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn layers_import_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut broken = Vec::new();
    let mut files_read = 0;
    for (folder, allowed) in ALLOWED {
        let mut files = Vec::new();
        rust_files(&src.join(folder), &mut files);
        assert!(!files.is_empty(), "no sources under src/{folder}");
        for file in files {
            let text = std::fs::read_to_string(&file)
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            files_read += 1;
            for (line, module) in crate_paths(&text) {
                if !allowed.contains(&module.as_str()) {
                    broken.push(format!(
                        "{}:{line}: src/{folder} names crate::{module}",
                        file.strip_prefix(&src).unwrap_or(&file).display()
                    ));
                }
            }
        }
    }
    assert!(files_read > 20, "only {files_read} files read");
    assert!(
        broken.is_empty(),
        "imports against the layers:\n{}",
        broken.join("\n")
    );
}

#[test]
fn crate_paths_reads_plain_paths_groups_and_ignores_other_crates() {
    let text = "use crate::kube::watch::WatchUpdate;\n\
                use crate::{model::Kind, live};\n\
                use somecrate::kube;\n\
                let x = crate::tui::run();\n\
                use crate::{\n    config::{Keymap, Theme},\n    cli::run,\n};";
    let found: Vec<(usize, String)> = crate_paths(text);
    assert_eq!(
        found,
        vec![
            (1, "kube".to_string()),
            (2, "model".to_string()),
            (2, "live".to_string()),
            (4, "tui".to_string()),
            (6, "config".to_string()),
            (7, "cli".to_string()),
        ]
    );
}
