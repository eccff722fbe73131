//! One fixture edit for the unit tests (`spec::testkit`) and the
//! integration tests (`tests/common`, which include this file by path:
//! they cannot reach the lib's test-only modules).

/// `text` (usually the scaffold, `scaffold::new_spec`) with the one place
/// of each `from` replaced by its `to`. Each `from` must be there exactly
/// once: a fixture whose text the scaffold no longer has fails here
/// instead of silently testing the bare scaffold. `tests/common::edit`
/// does the same to a file.
#[track_caller]
pub fn edited(text: &str, edits: &[(&str, &str)]) -> String {
    let mut text = text.to_string();
    for (from, to) in edits {
        let n = text.matches(from).count();
        assert_eq!(
            n, 1,
            "{from:?} is in the text {n} times, not once: update the test"
        );
        text = text.replacen(from, to, 1);
    }
    text
}
