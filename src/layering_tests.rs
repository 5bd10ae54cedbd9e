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
/// group (nested groups are read to their first segment).
fn crate_paths(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(at) = rest.find("crate::") {
            // `somecrate::` is not `crate::`.
            let before = rest[..at].chars().next_back();
            rest = &rest[at + "crate::".len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            if let Some(group) = rest.strip_prefix('{') {
                let body = group.split('}').next().unwrap_or(group);
                for item in body.split(',') {
                    out.push((i + 1, first_segment(item)));
                }
            } else {
                out.push((i + 1, first_segment(rest)));
            }
        }
    }
    out.retain(|(_, m)| !m.is_empty());
    out
}

fn first_segment(path: &str) -> String {
    path.trim()
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
                let x = crate::tui::run();";
    let found: Vec<(usize, String)> = crate_paths(text);
    assert_eq!(
        found,
        vec![
            (1, "kube".to_string()),
            (2, "model".to_string()),
            (2, "live".to_string()),
            (4, "tui".to_string()),
        ]
    );
}
