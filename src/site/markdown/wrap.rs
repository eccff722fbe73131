//! Where inline code in prose may wrap. The site's CSS keeps inline code on
//! one line (`white-space: nowrap`), so it breaks only at the `<wbr>` this
//! module puts in: after a space, and inside a long word after a separator
//! (`/`, `=`, `,`, ...), after a `-`, `_` or `.` inside it (`name-<ts>.tar`,
//! not `--opt` nor `16.11`), or between a lower- and an upper-case letter.
//! A word that fits any line never breaks, an option never loses its
//! dashes (`--⏎from`), and no stretch is longer than [`MAX_RUN`], so
//! nothing overflows a phone's column (the browser's own rules broke
//! `pg-⏎backup`, `-⏎d` and, as a last resort, mid-word: `successful_t⏎ime`).

use super::esc;

/// A word of up to this many characters never breaks inside.
const SHORT: usize = 20;
/// The longest stretch without a break opportunity: 24 characters of code
/// fit a 320 px phone's column, in a list, in a heading's larger code.
const MAX_RUN: usize = 24;

/// Inline code as HTML: `<code>`, the escaped text with its `<wbr>`s.
pub fn inline_code(text: &str) -> String {
    let mut html = String::with_capacity(text.len() + 16);
    html.push_str("<code>");
    let chars: Vec<char> = text.chars().collect();
    let mut start = 0;
    while start < chars.len() {
        let spaces = chars[start..]
            .iter()
            .take_while(|c| c.is_whitespace())
            .count();
        if spaces > 0 {
            let run: String = chars[start..start + spaces].iter().collect();
            html.push_str(&esc(&run));
            start += spaces;
            if start < chars.len() {
                html.push_str("<wbr>");
            }
            continue;
        }
        let len = chars[start..]
            .iter()
            .take_while(|c| !c.is_whitespace())
            .count();
        let word = &chars[start..start + len];
        let mut from = 0;
        for at in breaks(word) {
            let part: String = word[from..at].iter().collect();
            html.push_str(&esc(&part));
            html.push_str("<wbr>");
            from = at;
        }
        let rest: String = word[from..].iter().collect();
        html.push_str(&esc(&rest));
        start += len;
    }
    html.push_str("</code>");
    html
}

/// The positions inside `word` (before `word[i]`) where it may break.
fn breaks(word: &[char]) -> Vec<usize> {
    let n = word.len();
    if n <= SHORT {
        return Vec::new();
    }
    let sep = |c: char| matches!(c, '/' | '=' | ',' | '|' | ';' | '&' | ':' | '?');
    // What may end and start the parts an inner mark joins: `<ts>.tar`.
    let ends = |c: char| c.is_alphanumeric() || matches!(c, '>' | ')' | '}' | ']' | '*');
    let starts = |c: char| c.is_alphanumeric() || matches!(c, '<' | '$' | '{' | '(' | '[');
    let at = (2..n - 1).filter(|&i| {
        let (before, a, b) = (word[i - 2], word[i - 1], word[i]);
        match a {
            ':' => !sep(b) && !b.is_ascii_digit(),
            _ if sep(a) => !sep(b),
            '-' | '_' | '.' => {
                ends(before) && starts(b) && !(before.is_ascii_digit() && b.is_ascii_digit())
            }
            _ => a.is_lowercase() && b.is_uppercase(),
        }
    });
    // A stretch still too long (a digest, a long name) gets a break every
    // MAX_RUN characters.
    let mut with_fallback = Vec::new();
    let mut last = 0;
    for next in at.chain([n]) {
        while next - last > MAX_RUN {
            last += MAX_RUN;
            with_fallback.push(last);
        }
        if next < n {
            with_fallback.push(next);
        }
        last = next;
    }
    with_fallback
}

#[cfg(test)]
mod tests {
    use super::inline_code;

    /// The text with `⏎` where it may break.
    fn shown(text: &str) -> String {
        let html = inline_code(text);
        let inner = html
            .strip_prefix("<code>")
            .and_then(|h| h.strip_suffix("</code>"))
            .unwrap();
        inner.replace("<wbr>", "⏎")
    }

    #[test]
    fn short_words_never_break_and_options_keep_their_dashes() {
        assert_eq!(shown("pg-backup"), "pg-backup");
        assert_eq!(shown("-d"), "-d");
        assert_eq!(
            shown("kubectl create job --from=cronjob/postgresql-backup"),
            "kubectl ⏎create ⏎job ⏎--from=⏎cronjob/⏎postgresql-⏎backup"
        );
        assert_eq!(shown("--cascade=orphan"), "--cascade=orphan");
    }

    #[test]
    fn long_words_break_after_separators_and_inner_marks() {
        assert_eq!(
            shown("kube_cronjob_status_last_successful_time"),
            "kube_⏎cronjob_⏎status_⏎last_⏎successful_⏎time"
        );
        assert_eq!(
            shown("app.kubernetes.io/instance=$RELEASE"),
            "app.⏎kubernetes.⏎io/⏎instance=⏎$RELEASE"
        );
        assert_eq!(
            shown("--alertmanager.url=http://localhost:9093"),
            "--alertmanager.⏎url=⏎http://⏎localhost:9093"
        );
        assert_eq!(
            shown("AlertmanagerBackupVerificationFailed"),
            "Alertmanager⏎Backup⏎Verification⏎Failed"
        );
        assert_eq!(
            shown("$BACKUP_DIR/nextcloud-<timestamp>.tar.age"),
            "$BACKUP_⏎DIR/⏎nextcloud-⏎&lt;timestamp&gt;.⏎tar.⏎age"
        );
        // Numbers keep their dots; a leading slash stays on its word.
        assert_eq!(
            shown("/usr/lib/postgresql/16.11/bin/postgres"),
            "/usr/⏎lib/⏎postgresql/⏎16.11/⏎bin/⏎postgres"
        );
    }

    #[test]
    fn no_stretch_is_longer_than_max_run_and_text_is_escaped() {
        let digest = "a".repeat(60);
        assert_eq!(
            shown(&digest),
            format!("{}⏎{}⏎{}", &digest[..24], &digest[24..48], &digest[48..])
        );
        assert_eq!(
            inline_code("<i> & x"),
            "<code>&lt;i&gt; <wbr>&amp; <wbr>x</code>"
        );
    }
}
