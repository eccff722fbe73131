//! Marked regions as properties: random hand edits outside the markers
//! survive any number of rebuilds byte for byte; random damage to a marker
//! is always an error that leaves the file as it was.

use chartgen::regions::{merge, Style};

use crate::common;
use common::Rng;

/// Random text of the kinds a hand-edited README holds.
fn text(rng: &mut Rng) -> String {
    const PIECES: &[&str] = &[
        "word",
        " ",
        "\n",
        "\r\n",
        "# heading",
        "<!-- note -->",
        "`code`",
        "é",
        "\t",
        "<!-- gen:beginx -->",
        "gen:end",
        "{{ x }}",
        "$HOME",
        "",
    ];
    rng.pick(PIECES, 12)
}

const NAMES: [&str; 3] = ["backup", "security", "operations"];

fn regions(round: usize) -> Vec<(&'static str, String)> {
    NAMES
        .iter()
        .map(|n| (*n, format!("## {n}\n\ncontent of round {round}\n")))
        .collect()
}

/// A README with the three regions and random hand-written text around them.
fn random_file(rng: &mut Rng, eol: &str) -> (String, Vec<String>) {
    let mut outside = Vec::new();
    let mut s = String::new();
    for n in NAMES {
        let t = text(rng);
        s.push_str(&t);
        if !s.is_empty() && !s.ends_with('\n') {
            s.push_str(eol);
        }
        outside.push(t);
        let mut inner = text(rng).replace("gen:", "");
        if !inner.is_empty() && !inner.ends_with('\n') {
            inner.push_str(eol);
        }
        s.push_str(&format!(
            "<!-- gen:begin {n} -->{eol}{inner}<!-- gen:end {n} -->{eol}"
        ));
    }
    let tail = text(rng);
    s.push_str(&tail);
    outside.push(tail);
    (s, outside)
}

/// Everything outside the regions, markers included.
fn outside(text: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for line in text.split_inclusive('\n') {
        if line.contains("gen:end ") {
            inside = false;
        }
        if !inside {
            out.push_str(line);
        }
        if line.contains("gen:begin ") {
            inside = true;
        }
    }
    out
}

#[test]
fn hand_edits_outside_markers_survive_every_rebuild() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for case in 0..500 {
        let eol = if case % 3 == 0 { "\r\n" } else { "\n" };
        let (file, _) = random_file(&mut rng, eol);
        let mut current = file.clone();
        for round in 0..3 {
            current = merge("R.md", &current, Style::Html, &regions(round))
                .unwrap_or_else(|e| panic!("case {case}: {e}\n{file:?}"));
            assert_eq!(
                outside(&current),
                outside(&file),
                "case {case} round {round}"
            );
            assert!(current.contains(&format!("content of round {round}")));
        }
        // Idempotent: the same regions give the same bytes.
        assert_eq!(
            merge("R.md", &current, Style::Html, &regions(2)).unwrap(),
            current
        );
        if eol == "\r\n" {
            let mut inside = false;
            for line in current.split_inclusive('\n') {
                if line.contains("gen:end ") {
                    inside = false;
                }
                assert!(
                    !inside || line.ends_with("\r\n"),
                    "case {case}: LF inside a CRLF file's region: {line:?}"
                );
                if line.contains("gen:begin ") {
                    inside = true;
                }
            }
        }
    }
}

#[test]
fn damaged_markers_are_always_errors() {
    let mut rng = Rng(42);
    for case in 0..500 {
        let (file, _) = random_file(&mut rng, "\n");
        let markers: Vec<usize> = file
            .match_indices("<!-- gen:begin ")
            .chain(file.match_indices("<!-- gen:end "))
            .map(|(i, _)| i)
            .collect();
        let i = markers[rng.below(markers.len())];
        let end = i + file[i..].find('\n').unwrap() + 1;
        let marker = &file[i..end];
        let damaged = match rng.below(4) {
            0 => format!("{}{}", &file[..i], &file[end..]), // missing
            1 => format!("{}{marker}{}", &file[..end], &file[end..]), // duplicated
            2 => {
                // a begin marker moved after its end: misordered
                let b = file.find("<!-- gen:begin ").unwrap();
                let bend = b + file[b..].find('\n').unwrap() + 1;
                let begin = &file[b..bend];
                let e = file.find("<!-- gen:end ").unwrap();
                let eend = e + file[e..].find('\n').unwrap() + 1;
                format!(
                    "{}{}{begin}{}",
                    &file[..b],
                    &file[bend..eend],
                    &file[eend..]
                )
            }
            _ => {
                // nested: another region's begin inside this one
                let other = NAMES[rng.below(3)];
                format!(
                    "{}<!-- gen:begin {other} -->\n{}",
                    &file[..end],
                    &file[end..]
                )
            }
        };
        let result = merge("R.md", &damaged, Style::Html, &regions(0));
        assert!(
            result.is_err(),
            "case {case}: damage went unnoticed:\n{damaged}"
        );
    }
}
