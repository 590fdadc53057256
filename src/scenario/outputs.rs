//! Output files checked before a run: an output (`--events`, `--csv`) must be writable where
//! it is named, must not be a folder, and must never be one of the run's inputs (the scenario
//! file), however its path is spelled (`./x/../s.toml`, a symbolic link, a hard link). A run
//! is not started when its output could not be written: nothing the user owns is lost, and no
//! minutes are spent on a run whose result would be.

use std::path::{Path, PathBuf};

/// Checks `output`, given with `flag`, against the run's `inputs`. `-` (standard output)
/// always passes.
pub fn check_output(flag: &str, output: &Path, inputs: &[&Path]) -> Result<(), String> {
    if output.as_os_str() == "-" {
        return Ok(());
    }
    let shown = output.display();
    if output.is_dir() {
        return Err(format!("{flag} {shown}: a directory; give a file to write"));
    }
    let parent = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !parent.is_dir() {
        return Err(format!(
            "{flag} {shown}: the folder {} does not exist",
            parent.display()
        ));
    }
    for input in inputs {
        if same_file(output, input) {
            return Err(format!(
                "{flag} {shown} is {}, the scenario this run reads: writing it would overwrite \
                 it; give another file",
                input.display()
            ));
        }
    }
    Ok(())
}

/// Whether two paths name the same file (canonical paths, or the same inode).
fn same_file(a: &Path, b: &Path) -> bool {
    let canon = |p: &Path| -> Option<PathBuf> {
        p.canonicalize().ok().or_else(|| {
            let parent = match p.parent() {
                Some(x) if !x.as_os_str().is_empty() => x,
                _ => Path::new("."),
            };
            Some(parent.canonicalize().ok()?.join(p.file_name()?))
        })
    };
    if let (Some(x), Some(y)) = (canon(a), canon(b)) {
        if x == y {
            return true;
        }
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return x.dev() == y.dev() && x.ino() == y.ino();
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_output_onto_the_scenario_is_refused_however_it_is_spelled() {
        let dir = std::env::temp_dir().join(format!("ember-outputs-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("x")).unwrap();
        let s = dir.join("s.toml");
        std::fs::write(&s, "name = \"s\"").unwrap();
        let twisted = dir.join("x").join("..").join("s.toml");
        assert!(check_output("--events", &twisted, &[&s]).is_err());
        #[cfg(unix)]
        {
            let link = dir.join("link.jsonl");
            let _ = std::fs::remove_file(&link);
            std::os::unix::fs::symlink(&s, &link).unwrap();
            assert!(check_output("--events", &link, &[&s]).is_err());
        }
        assert!(check_output("--events", &dir.join("run.jsonl"), &[&s]).is_ok());
        assert!(check_output("--events", &dir, &[&s]).is_err(), "a folder");
        let e = check_output("--csv", Path::new("/nonexistent/x.csv"), &[]).unwrap_err();
        assert_eq!(
            e,
            "--csv /nonexistent/x.csv: the folder /nonexistent does not exist"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
