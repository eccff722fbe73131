//! How gen touches the disk where it writes: which folders it may write
//! into. Everything here refuses before anything is written.

use std::collections::BTreeSet;
use std::io::{Error, ErrorKind};
use std::path::{Path, PathBuf};

/// Checks every folder that writing or removing `paths` (relative to
/// `root`) would pass through, plus `extra` folders gen walks, before
/// anything is written. A folder may be a symbolic link only to a folder
/// inside the project that does not hold the link itself: `site -> .`
/// would put the site among the sources, `site -> /elsewhere` would make
/// gen write and remove files outside the project.
pub fn check_folders<'a>(
    root: &Path,
    paths: impl IntoIterator<Item = &'a str>,
    extra: &[&str],
) -> std::io::Result<()> {
    let mut folders = BTreeSet::new();
    for path in paths {
        let mut at = 0;
        while let Some(i) = path[at..].find('/') {
            folders.insert(&path[..at + i]);
            at += i + 1;
        }
    }
    folders.extend(extra.iter().copied());
    if folders.is_empty() {
        return Ok(());
    }
    let real_root = root
        .canonicalize()
        .map_err(|e| Error::new(e.kind(), format!("{}: {e}", root.display())))?;
    // Parents sort before their children, so a folder below a refused link
    // is never looked at.
    for folder in folders {
        let full = root.join(folder);
        let meta = match std::fs::symlink_metadata(&full) {
            Ok(m) => m,
            Err(e) if e.kind() == ErrorKind::NotFound => continue,
            Err(e) => return Err(Error::new(e.kind(), format!("{folder}: {e}"))),
        };
        if meta.file_type().is_symlink() {
            check_link(&real_root, folder, &full)?;
        } else if !meta.is_dir() {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                format!("{folder} is not a folder, but gen writes files into it: move it away"),
            ));
        }
    }
    Ok(())
}

/// A folder that is a symbolic link: allowed when it leads to a folder
/// inside the project that does not hold the link.
fn check_link(real_root: &Path, folder: &str, full: &Path) -> std::io::Result<()> {
    let refuse = |why: String, fix: &str| {
        Err(Error::new(
            ErrorKind::InvalidInput,
            format!("{folder} is a symbolic link {why}; gen writes and removes files in it, so it refuses to. {fix}"),
        ))
    };
    let target = match full.canonicalize() {
        Ok(t) => t,
        Err(_) => {
            return refuse(
                "to nothing".into(),
                &format!("Remove the link (`rm {folder}`); gen creates the folder"),
            )
        }
    };
    if !target.is_dir() {
        return refuse(
            format!("to {}, which is not a folder", target.display()),
            &format!("Remove the link (`rm {folder}`)"),
        );
    }
    if !target.starts_with(real_root) {
        return refuse(
            format!("to {}, outside this project", target.display()),
            &format!("Replace it with a folder (`rm {folder} && mkdir {folder}`), and copy the files where you want them after the build"),
        );
    }
    // Where the link itself really is (its parents may be links too).
    let link: PathBuf = match (full.parent(), full.file_name()) {
        (Some(parent), Some(name)) => parent.canonicalize()?.join(name),
        _ => full.to_path_buf(),
    };
    if link.starts_with(&target) {
        return refuse(
            format!(
                "to {}, a folder that holds the link itself",
                target.display()
            ),
            &format!("Remove the link (`rm {folder}`); gen creates the folder"),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn links_out_of_the_project_or_onto_an_ancestor_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("p");
        std::fs::create_dir_all(root.join("build/site")).unwrap();
        std::fs::create_dir_all(dir.path().join("elsewhere")).unwrap();
        let site = ["site/index.html"];
        assert!(check_folders(&root, site, &[]).is_ok(), "no site yet");
        symlink(".", root.join("site")).unwrap();
        let e = check_folders(&root, site, &[]).unwrap_err();
        assert!(e.to_string().contains("holds the link itself"), "{e}");
        std::fs::remove_file(root.join("site")).unwrap();
        symlink("../elsewhere", root.join("site")).unwrap();
        let e = check_folders(&root, site, &[]).unwrap_err();
        assert!(e.to_string().contains("outside this project"), "{e}");
        std::fs::remove_file(root.join("site")).unwrap();
        symlink("missing", root.join("site")).unwrap();
        assert!(check_folders(&root, site, &[]).is_err());
        std::fs::remove_file(root.join("site")).unwrap();
        symlink("build/site", root.join("site")).unwrap();
        assert!(check_folders(&root, site, &[]).is_ok(), "inside is fine");
        // A folder walked for orphans counts too, and deeper links.
        symlink("../elsewhere", root.join("docs")).unwrap();
        assert!(check_folders(&root, [], &["docs"]).is_err());
        std::fs::create_dir_all(root.join("charts/a")).unwrap();
        symlink("..", root.join("charts/a/templates")).unwrap();
        assert!(check_folders(&root, ["charts/a/templates/rbac.yaml"], &[]).is_err());
        std::fs::write(root.join("make"), "").unwrap();
        let e = check_folders(&root, ["make/a.mk"], &[]).unwrap_err();
        assert!(e.to_string().contains("not a folder"), "{e}");
    }
}
