//! `gen serve`'s memo: a rebuild after one change re-parses and re-renders
//! only what that change touches, and its outputs are byte for byte those
//! of a cold build of the same inputs.

use crate::common::fixture::Fixture;
use crate::common::write;
use chartgen::memo::{Memo, Stats};
use chartgen::output::Outputs;
use chartgen::project::{self, Failure};
use std::path::Path;

fn build(root: &Path, memo: &Memo) -> Outputs {
    let run = || -> Result<Outputs, Failure> {
        let (p, _) = project::load(root, &project::facts_options(root, None, false), memo)?;
        Ok(project::generate(&p, memo)?.0)
    };
    match run() {
        Ok(o) => o,
        Err(Failure::Invalid(d)) => {
            panic!("{}", d.iter().map(|d| d.to_string()).collect::<String>())
        }
        Err(Failure::Io(e)) => panic!("{e}"),
    }
}

/// A memoized rebuild equals a cold build, and reports what it redid.
fn rebuild(root: &Path, memo: &Memo) -> Stats {
    let warm = build(root, memo);
    let stats = memo.take_stats();
    let cold = build(root, &Memo::default());
    assert_eq!(warm.files.len(), cold.files.len());
    for (path, bytes) in &cold.files {
        assert!(
            warm.files.get(path) == Some(bytes),
            "{path} differs from a cold build"
        );
    }
    stats
}

#[test]
fn one_change_redoes_only_what_it_touches() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for name in ["alpha", "beta", "gamma"] {
        write(
            root,
            &format!("specs/{name}.yaml"),
            &Fixture::new(name).yaml(),
        );
    }
    let memo = Memo::kept();
    let first = rebuild(root, &memo);
    assert_eq!((first.specs_parsed, first.charts_rendered), (3, 3));
    // 3 charts x 5 pages and the 3 cross-chart guides.
    assert_eq!((first.pages_rendered, first.pages_reused), (18, 0));

    // Nothing changed: nothing is parsed or rendered again.
    let same = rebuild(root, &memo);
    assert_eq!((same.specs_parsed, same.specs_reused), (0, 3));
    assert_eq!((same.charts_rendered, same.charts_reused), (0, 3));
    assert_eq!((same.pages_rendered, same.pages_reused), (0, 18));

    // One spec saved: that spec and that chart only.
    let beta = Fixture::new("beta").title("Beta Cache").yaml();
    write(root, "specs/beta.yaml", &beta);
    let one = rebuild(root, &memo);
    assert_eq!((one.specs_parsed, one.specs_reused), (1, 2));
    assert_eq!((one.charts_rendered, one.charts_reused), (1, 2));
    // beta's five pages, the guides that list every chart by title, and the
    // overviews of charts whose facts name beta; never all of them.
    assert!(one.pages_rendered >= 5, "{one:?}");
    assert!(one.pages_rendered < 18, "{one:?}");

    // A hand-written file gen merges into: that chart only.
    let readme = build(root, &Memo::default()).files["charts/gamma/README.md"].clone();
    let mut edited = String::from_utf8(readme).unwrap();
    edited.push_str("\nA note the maintainer wrote.\n");
    write(root, "charts/gamma/README.md", &edited);
    let hand = rebuild(root, &memo);
    assert_eq!((hand.charts_rendered, hand.charts_reused), (1, 2));
    // The note lands in the README's introduction: gamma's overview page.
    assert_eq!((hand.pages_rendered, hand.pages_reused), (1, 17));

    // A template override: every chart.
    write(
        root,
        "templates/chart/rbac.yaml.tera",
        "# overridden rbac for {{ s.name }}\n",
    );
    let all = rebuild(root, &memo);
    assert_eq!((all.charts_rendered, all.charts_reused), (3, 0));
}

/// gen.toml's `[repository]` is an input of the steps `chart-available`
/// gives: a new one re-parses the spec and renders its chart from a new
/// view model, not from the one the old settings made.
#[test]
fn a_settings_change_redoes_the_specs_parsed_with_them() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir(root.join("specs")).unwrap();
    let o = crate::common::gen(root, &["new", "a"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let steps = "\n    steps:\n";
    crate::common::edit(
        &root.join("specs/a.yaml"),
        &[(steps, &format!("{steps}      - use: chart-available\n"))],
    );
    let repository =
        |url: &str| format!("[repository]\nname = \"zoo\"\nurl = \"https://example.org/{url}\"\n");
    write(root, "gen.toml", &repository("zebra"));
    let memo = Memo::kept();
    rebuild(root, &memo);
    let guide = |memo: &Memo| {
        String::from_utf8(build(root, memo).files["docs/a/backup-guide.md"].clone()).unwrap()
    };
    assert!(guide(&memo).contains("https://example.org/zebra"));

    write(root, "gen.toml", &repository("quokka"));
    let again = rebuild(root, &memo);
    assert_eq!((again.specs_parsed, again.charts_rendered), (1, 1));
    assert!(guide(&memo).contains("https://example.org/quokka"));
}
