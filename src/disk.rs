//! How gen touches the disk: which folders it may write into, how it
//! reads a file without hanging on a FIFO, how it replaces a file so a
//! crash leaves the old bytes or the new ones, and the lock that keeps two
//! gens from writing in one project at once.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{Error, ErrorKind, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// What is between a file's name and the writer's process id in the name
/// of a temporary file: `.values.yaml.gen-tmp-4242`.
const TEMP_INFIX: &str = ".gen-tmp-";

/// The temporary file that replacing `name` writes first.
fn temp_name(name: &str) -> String {
    // The process id once: each `std::process::id()` is a system call.
    static PID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    format!(".{name}{TEMP_INFIX}{}", PID.get_or_init(std::process::id))
}

/// Whether `name` is a temporary file a gen may have left, whatever its
/// process id: `.NAME.gen-tmp-DIGITS`.
pub fn is_temp_name(name: &str) -> bool {
    name.strip_prefix('.')
        .and_then(|n| n.rsplit_once(TEMP_INFIX))
        .is_some_and(|(file, pid)| {
            !file.is_empty() && !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit())
        })
}

/// The temporary files gen may have left in `folders` (relative to
/// `root`; missing folders are skipped), as sorted relative paths. Only
/// regular files count: a folder or link of that name is not gen's.
pub fn leftover_temps<'a>(
    root: &Path,
    folders: impl IntoIterator<Item = &'a str>,
) -> std::io::Result<Vec<String>> {
    let mut found = Vec::new();
    for folder in folders.into_iter().collect::<BTreeSet<_>>() {
        let entries = list(&root.join(folder))
            .map_err(|e| Error::new(e.kind(), format!("reading {folder}/: {e}")))?;
        found.extend(temps_in(folder, entries.iter().flatten()));
    }
    found.sort();
    Ok(found)
}

/// The temporary files among a listing of `folder`, as relative paths.
pub fn temps_in<'a>(
    folder: &'a str,
    entries: impl IntoIterator<Item = &'a (String, std::fs::FileType)> + 'a,
) -> impl Iterator<Item = String> + 'a {
    entries
        .into_iter()
        .filter(|(name, t)| is_temp_name(name) && t.is_file())
        .map(move |(name, _)| {
            if folder.is_empty() {
                name.clone()
            } else {
                format!("{folder}/{name}")
            }
        })
}

/// The folder part of a relative path (`""` for the root).
pub fn folder_of(rel: &str) -> &str {
    rel.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// The bytes of a regular file, following symbolic links; `NotFound` only
/// when nothing is at `path`. A FIFO, socket or device is "not a regular
/// file" (InvalidInput) and is never waited on: it is looked at before it
/// is opened, and opened without blocking. A link to nothing is an error
/// too, so a dangling link is never taken for a missing file and replaced.
pub fn read_regular(path: &Path) -> std::io::Result<Vec<u8>> {
    read_regular_mode(path).map(|(bytes, _)| bytes)
}

/// [`read_regular`], with the file's permission bits (for [`Before::Mode`]).
pub fn read_regular_mode(path: &Path) -> std::io::Result<(Vec<u8>, u32)> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == ErrorKind::NotFound => {
            return Err(match std::fs::symlink_metadata(path) {
                Ok(_) => Error::new(
                    ErrorKind::InvalidInput,
                    "a symbolic link to a file that does not exist",
                ),
                Err(_) => e,
            })
        }
        Err(e) => return Err(e),
    };
    not_regular(&meta)?;
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    // Swapped for something else between the look and the open?
    let opened = file.metadata()?;
    not_regular(&opened)?;
    let mut bytes = Vec::with_capacity(opened.len() as usize);
    file.read_to_end(&mut bytes)?;
    Ok((bytes, opened.permissions().mode() & 0o7777))
}

/// What a folder holds: each entry's name and type (a link is a link, not
/// followed), from one listing and no look at each entry. `None` when
/// there is no folder at `dir`.
pub fn list(dir: &Path) -> std::io::Result<Option<Vec<(String, std::fs::FileType)>>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => {
            return Ok(None)
        }
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry?;
        out.push((
            entry.file_name().to_string_lossy().into_owned(),
            entry.file_type()?,
        ));
    }
    Ok(Some(out))
}

fn not_regular(meta: &std::fs::Metadata) -> std::io::Result<()> {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    let what = if t.is_file() {
        return Ok(());
    } else if t.is_dir() {
        "a folder"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_block_device() || t.is_char_device() {
        "a device"
    } else {
        "something else"
    };
    Err(Error::new(
        ErrorKind::InvalidInput,
        format!("not a regular file ({what}); gen reads and writes plain files only"),
    ))
}

/// What is at a path that [`replace_as`] replaces, as far as the caller
/// already knows: knowing it saves a look per file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Before {
    /// Not looked at yet: [`replace_as`] looks (one `stat`).
    Unknown,
    /// Nothing: a listing of its folder, made under the writer lock, said
    /// so.
    Absent,
    /// A regular file with these permission bits.
    Mode(u32),
}

/// Replaces `path` with `bytes` all at once: written to a temporary file
/// beside it, then renamed over it, so a crash leaves the old file or the
/// new one, never half of either. The temporary file is created with the
/// final mode (the replaced file's, or 0666 less the umask for a new one),
/// so it is never readable by more people than the file it replaces.
/// `durable` waits for the disk before the rename. Creates the folder.
pub fn replace(path: &Path, bytes: &[u8], durable: bool) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    replace_as(path, bytes, durable, Before::Unknown)
}

/// [`replace`] into a folder that exists, with what the caller knows of
/// the file it replaces. A new file costs four calls: create the
/// temporary file, one `write` of all its bytes, close, rename.
pub fn replace_as(path: &Path, bytes: &[u8], durable: bool, before: Before) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp: PathBuf = dir.join(temp_name(&name));
    let old_mode = match before {
        Before::Unknown => std::fs::metadata(path)
            .ok()
            .map(|m| m.permissions().mode() & 0o7777),
        Before::Absent => None,
        Before::Mode(mode) => Some(mode),
    };
    let result = (|| {
        let open = || {
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(old_mode.unwrap_or(0o666))
                .open(&tmp)
        };
        let mut f = match open() {
            // Left by a killed gen whose process id this one reuses.
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                std::fs::remove_file(&tmp)?;
                open()?
            }
            other => other?,
        };
        crash_point();
        f.write_all(bytes)?;
        if let Some(mode) = old_mode {
            // The umask may have narrowed it; the replaced file's mode,
            // exactly.
            f.set_permissions(std::fs::Permissions::from_mode(mode))?;
        }
        if durable {
            f.sync_all()?;
        }
        drop(f);
        crash_point();
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    crash_point();
    result
}

/// An exclusive (writing) or shared (reading) lock on the project: an
/// advisory lock on the root folder itself, so no lock file is left in the
/// repository. The kernel drops it when gen exits, a kill -9 included.
pub struct Lock(#[allow(dead_code)] File);

impl Lock {
    /// For commands that write: fails at once when another gen holds
    /// the project.
    pub fn exclusive(root: &Path) -> std::io::Result<Lock> {
        let dir = File::open(root)?;
        match dir.try_lock() {
            Ok(()) => Ok(Lock(dir)),
            Err(std::fs::TryLockError::WouldBlock) => Err(Error::new(
                ErrorKind::WouldBlock,
                format!(
                    "another gen is running in {} (a build, check, new, schema or init); \
                     run this again when it has finished",
                    root.display()
                ),
            )),
            Err(std::fs::TryLockError::Error(e)) => Err(e),
        }
    }

    /// For commands that only read: waits while a gen writes, calling
    /// `waiting` once first, so they never see a half-done build.
    pub fn shared(root: &Path, waiting: impl FnOnce()) -> std::io::Result<Lock> {
        let dir = File::open(root)?;
        match dir.try_lock_shared() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                waiting();
                dir.lock_shared()?;
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(e),
        }
        Ok(Lock(dir))
    }
}

/// For the crash tests (tests/integration/hardening.rs): with `GEN_TEST_STOP_AT=N`,
/// the process stops itself (SIGSTOP) at the Nth point of the write phase
/// (a temporary file created, written, renamed; a file removed), so the
/// test can kill -9 it there. Without the variable it does nothing.
pub fn crash_point() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::OnceLock;
    static STOP_AT: OnceLock<Option<usize>> = OnceLock::new();
    static SEEN: AtomicUsize = AtomicUsize::new(0);
    let Some(at) = *STOP_AT.get_or_init(|| {
        std::env::var("GEN_TEST_STOP_AT")
            .ok()
            .and_then(|v| v.parse().ok())
    }) else {
        return;
    };
    if SEEN.fetch_add(1, Ordering::SeqCst) + 1 == at {
        // SAFETY: raise only sends a signal to this process.
        unsafe {
            libc::raise(libc::SIGSTOP);
        }
    }
}

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
    fn temp_names_are_recognised_whatever_the_pid() {
        assert!(is_temp_name(&temp_name("values.yaml")));
        assert!(is_temp_name(".README.md.gen-tmp-1"));
        for not in [
            "README.md",
            ".gen-tmp-12",
            ".a.gen-tmp-",
            ".a.gen-tmp-12x",
            "a.gen-tmp-12",
        ] {
            assert!(!is_temp_name(not), "{not}");
        }
    }

    #[test]
    fn replace_keeps_a_narrow_mode_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.yaml");
        std::fs::write(&path, "old\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        replace(&path, b"new\n", true).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new\n");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(
            leftover_temps(dir.path(), [""]).unwrap(),
            Vec::<String>::new()
        );
        // A leftover of the same name (a reused pid) is replaced.
        std::fs::write(dir.path().join(temp_name("secret.yaml")), "junk").unwrap();
        replace(&path, b"newer\n", false).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"newer\n");
        std::fs::write(dir.path().join(".x.gen-tmp-99"), "junk").unwrap();
        assert_eq!(leftover_temps(dir.path(), [""]).unwrap(), [".x.gen-tmp-99"]);
    }

    #[test]
    fn a_fifo_is_not_a_regular_file_and_never_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("values.yaml");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: mkfifo reads a NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        let e = read_regular(&fifo).unwrap_err();
        assert!(e.to_string().contains("not a regular file (a FIFO)"), "{e}");
        let e = read_regular(Path::new("/dev/null")).unwrap_err();
        assert!(e.to_string().contains("a device"), "{e}");
        assert_eq!(
            read_regular(&dir.path().join("none")).unwrap_err().kind(),
            ErrorKind::NotFound
        );
        symlink("none", dir.path().join("dangling")).unwrap();
        let e = read_regular(&dir.path().join("dangling")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    }

    #[test]
    fn a_second_writer_fails_fast_and_a_reader_waits() {
        let dir = tempfile::tempdir().unwrap();
        let first = Lock::exclusive(dir.path()).unwrap();
        let e = Lock::exclusive(dir.path()).err().unwrap();
        assert!(e.to_string().contains("another gen is running"), "{e}");
        let waited = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|s| {
            let reader = s.spawn(|| {
                Lock::shared(dir.path(), || {
                    waited.store(true, std::sync::atomic::Ordering::SeqCst)
                })
            });
            std::thread::sleep(std::time::Duration::from_millis(100));
            drop(first);
            assert!(reader.join().unwrap().is_ok());
        });
        assert!(waited.into_inner());
    }

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
