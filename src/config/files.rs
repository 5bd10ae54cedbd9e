//! The only I/O of the configuration layer: reading one file.

use std::io;
use std::path::Path;

use super::warning::ConfigWarning;

/// Read a UTF-8 text file. A missing file is `Ok(None)`; any other failure
/// (permissions, a directory, invalid UTF-8) is a warning.
pub(crate) fn read_optional(path: &Path) -> Result<Option<String>, ConfigWarning> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(ConfigWarning::new(
            path,
            format!("cannot read the file: {error}"),
        )),
    }
}

/// Whether `name` can be used as a file stem under the config dir: no path
/// separators, no leading dot, not empty.
pub(crate) fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names() {
        assert!(is_plain_name("dark"));
        assert!(is_plain_name("my-theme_2"));
        assert!(!is_plain_name(""));
        assert!(!is_plain_name("../etc"));
        assert!(!is_plain_name("a/b"));
        assert!(!is_plain_name(".hidden"));
    }

    #[test]
    fn missing_file_is_none() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert_eq!(read_optional(&dir.path().join("nope.yaml")), Ok(None));
    }

    #[test]
    fn directory_is_a_warning() {
        let dir = tempfile::tempdir().expect("tempdir");
        let result = read_optional(dir.path());
        assert!(result.is_err());
    }
}
