//! Words for search: the tokenizer and Martin Porter's stemmer (1980, in
//! the form of his reference C implementation).
//!
//! Why our own and not a crate: the browser stems every query with the same
//! algorithm, so it exists twice, here and in `templates/site/assets/app.js`.
//! Porter's algorithm is small and exactly specified, which makes a faithful
//! JavaScript twin possible; a test runs the JavaScript one over the whole
//! vocabulary of the shipped specs and compares the two (tests/integration/site.rs).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

/// A small, fast hasher for the short words of the search index (the
/// multiply-rotate scheme of rustc's FxHasher). Not for untrusted keys an
/// attacker picks to collide: a site's own text is the only input, and
/// nothing depends on iteration order (the index is sorted).
#[derive(Default, Clone, Copy)]
pub struct WordHasher(u64);

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let v = u64::from_le_bytes(c.try_into().expect("8 bytes"));
            self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// A hash map keyed by words, with [`WordHasher`].
pub type WordMap<K, V> = HashMap<K, V, BuildHasherDefault<WordHasher>>;

/// Words too common to help find anything. The index carries this list, so
/// the browser drops exactly the same words from queries.
pub const STOPWORDS: &[&str] = &[
    "a", "about", "after", "all", "also", "an", "and", "any", "are", "as", "at", "be", "been",
    "before", "but", "by", "can", "do", "does", "each", "for", "from", "has", "have", "how", "if",
    "in", "into", "is", "it", "its", "may", "more", "must", "no", "not", "of", "on", "one", "only",
    "or", "other", "our", "so", "such", "than", "that", "the", "their", "them", "then", "there",
    "these", "they", "this", "those", "to", "too", "up", "was", "we", "were", "what", "when",
    "where", "which", "while", "who", "will", "with", "you", "your",
];

/// Tokens longer than this are dropped (hashes, base64, long paths).
pub const MAX_TOKEN: usize = 24;

/// Calls `f` with each word of `text` (already lower-case): runs of
/// letters, digits, `_` and `-`. A name joined with `_` or `-`
/// (`pg_basebackup`, `backup-all`) yields its parts and then itself whole,
/// so a search for the whole name finds exactly it.
fn each_word(lower: &str, f: &mut dyn FnMut(&str)) {
    for run in lower.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-')) {
        let run = run.trim_matches('-');
        for part in run.split('-').filter(|p| !p.is_empty()) {
            if part.contains('_') {
                for piece in part.split('_').filter(|p| !p.is_empty()) {
                    f(piece);
                }
                let trimmed = part.trim_matches('_');
                if trimmed.contains('_') {
                    f(trimmed);
                }
            } else {
                f(part);
            }
        }
        if run.contains('-') {
            f(run);
        }
    }
}

/// The words of `text`: see [`each_word`].
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    each_word(&text.to_lowercase(), &mut |w| out.push(w.to_string()));
    out
}

/// Whether a word is worth indexing.
pub fn keep(word: &str) -> bool {
    let n = word.chars().count();
    (2..=MAX_TOKEN).contains(&n) && STOPWORDS.binary_search(&word).is_err()
}

/// The index terms of `text`, in order: words kept and stemmed.
pub fn terms(text: &str) -> Vec<String> {
    words(text)
        .into_iter()
        .filter(|w| keep(w))
        .map(|w| stem(&w))
        .collect()
}

/// The index terms of texts, as [`terms`] gives them, with the stem of
/// each distinct word computed once: a site's words repeat (the same
/// commands and headings on every chart), and stemming and allocating
/// every occurrence was most of the search index's build time.
#[derive(Default)]
pub struct Stems {
    seen: WordMap<String, Option<Arc<str>>>,
}

impl Stems {
    fn term(&mut self, word: &str) -> Option<Arc<str>> {
        if let Some(t) = self.seen.get(word) {
            return t.clone();
        }
        let t = keep(word).then(|| Arc::from(stem(word)));
        self.seen.insert(word.to_string(), t.clone());
        t
    }

    /// Calls `f` with each term of `text`, in order.
    pub fn each(&mut self, text: &str, mut f: impl FnMut(Arc<str>)) {
        each_word(&text.to_lowercase(), &mut |w| {
            if let Some(t) = self.term(w) {
                f(t);
            }
        });
    }
}

/// Porter's stem of a lower-case word. Words that are not plain a-z (numbers,
/// `pg_dump`, non-ASCII) and words of two letters or less stay as they are.
pub fn stem(word: &str) -> String {
    if word.len() <= 2 || !word.bytes().all(|b| b.is_ascii_lowercase()) {
        return word.to_string();
    }
    let mut s = Stemmer {
        b: word.as_bytes().to_vec(),
        k: word.len() as isize - 1,
        j: 0,
    };
    s.step1ab();
    if s.k > 0 {
        s.step1c();
        s.step2();
        s.step3();
        s.step4();
        s.step5();
    }
    s.b.truncate((s.k + 1) as usize);
    String::from_utf8(s.b).expect("ASCII in, ASCII out")
}

struct Stemmer {
    b: Vec<u8>,
    /// Index of the last letter of the word being stemmed.
    k: isize,
    /// End of the stem when a suffix matched (may be -1).
    j: isize,
}

impl Stemmer {
    fn at(&self, i: isize) -> u8 {
        self.b[i as usize]
    }

    fn cons(&self, i: isize) -> bool {
        match self.at(i) {
            b'a' | b'e' | b'i' | b'o' | b'u' => false,
            b'y' => i == 0 || !self.cons(i - 1),
            _ => true,
        }
    }

    /// The number of vowel-consonant sequences in b[0..=j].
    fn m(&self) -> usize {
        let mut n = 0;
        let mut i = 0;
        loop {
            if i > self.j {
                return n;
            }
            if !self.cons(i) {
                break;
            }
            i += 1;
        }
        i += 1;
        loop {
            loop {
                if i > self.j {
                    return n;
                }
                if self.cons(i) {
                    break;
                }
                i += 1;
            }
            i += 1;
            n += 1;
            loop {
                if i > self.j {
                    return n;
                }
                if !self.cons(i) {
                    break;
                }
                i += 1;
            }
            i += 1;
        }
    }

    fn vowel_in_stem(&self) -> bool {
        (0..=self.j).any(|i| !self.cons(i))
    }

    fn double_c(&self, j: isize) -> bool {
        j >= 1 && self.at(j) == self.at(j - 1) && self.cons(j)
    }

    /// consonant-vowel-consonant ending at i, the last not w, x or y.
    fn cvc(&self, i: isize) -> bool {
        if i < 2 || !self.cons(i) || self.cons(i - 1) || !self.cons(i - 2) {
            return false;
        }
        !matches!(self.at(i), b'w' | b'x' | b'y')
    }

    fn ends(&mut self, s: &str) -> bool {
        let len = s.len() as isize;
        if len > self.k + 1 {
            return false;
        }
        let start = (self.k - len + 1) as usize;
        if &self.b[start..=(self.k as usize)] != s.as_bytes() {
            return false;
        }
        self.j = self.k - len;
        true
    }

    fn set_to(&mut self, s: &str) {
        let start = (self.j + 1) as usize;
        self.b.truncate(start);
        self.b.extend_from_slice(s.as_bytes());
        self.k = self.j + s.len() as isize;
    }

    fn r(&mut self, s: &str) {
        if self.m() > 0 {
            self.set_to(s);
        }
    }

    fn step1ab(&mut self) {
        if self.at(self.k) == b's' {
            if self.ends("sses") {
                self.k -= 2;
            } else if self.ends("ies") {
                self.set_to("i");
            } else if self.at(self.k - 1) != b's' {
                self.k -= 1;
            }
        }
        if self.ends("eed") {
            if self.m() > 0 {
                self.k -= 1;
            }
        } else if (self.ends("ed") || self.ends("ing")) && self.vowel_in_stem() {
            self.k = self.j;
            if self.ends("at") {
                self.set_to("ate");
            } else if self.ends("bl") {
                self.set_to("ble");
            } else if self.ends("iz") {
                self.set_to("ize");
            } else if self.double_c(self.k) {
                self.k -= 1;
                if matches!(self.at(self.k), b'l' | b's' | b'z') {
                    self.k += 1;
                }
            } else if self.m() == 1 && self.cvc(self.k) {
                self.set_to("e");
            }
        }
        // Later steps read b only up to k; drop what step 1 cut off.
        self.b.truncate((self.k + 1) as usize);
    }

    fn step1c(&mut self) {
        if self.ends("y") && self.vowel_in_stem() {
            let k = self.k as usize;
            self.b[k] = b'i';
        }
    }

    /// Tries the suffixes in order; the first that matches is the only one
    /// considered, and is replaced when the stem's measure is positive.
    fn replace_first(&mut self, rules: &[(&str, &str)]) {
        for (suffix, with) in rules {
            if self.ends(suffix) {
                self.r(with);
                return;
            }
        }
    }

    fn step2(&mut self) {
        if self.k < 1 {
            return;
        }
        let rules: &[(&str, &str)] = match self.at(self.k - 1) {
            b'a' => &[("ational", "ate"), ("tional", "tion")],
            b'c' => &[("enci", "ence"), ("anci", "ance")],
            b'e' => &[("izer", "ize")],
            b'l' => &[
                ("bli", "ble"),
                ("alli", "al"),
                ("entli", "ent"),
                ("eli", "e"),
                ("ousli", "ous"),
            ],
            b'o' => &[("ization", "ize"), ("ation", "ate"), ("ator", "ate")],
            b's' => &[
                ("alism", "al"),
                ("iveness", "ive"),
                ("fulness", "ful"),
                ("ousness", "ous"),
            ],
            b't' => &[("aliti", "al"), ("iviti", "ive"), ("biliti", "ble")],
            b'g' => &[("logi", "log")],
            _ => &[],
        };
        self.replace_first(rules);
    }

    fn step3(&mut self) {
        let rules: &[(&str, &str)] = match self.at(self.k) {
            b'e' => &[("icate", "ic"), ("ative", ""), ("alize", "al")],
            b'i' => &[("iciti", "ic")],
            b'l' => &[("ical", "ic"), ("ful", "")],
            b's' => &[("ness", "")],
            _ => &[],
        };
        self.replace_first(rules);
    }

    fn step4(&mut self) {
        if self.k < 1 {
            return;
        }
        let suffixes: &[&str] = match self.at(self.k - 1) {
            b'a' => &["al"],
            b'c' => &["ance", "ence"],
            b'e' => &["er"],
            b'i' => &["ic"],
            b'l' => &["able", "ible"],
            b'n' => &["ant", "ement", "ment", "ent"],
            b'o' => {
                if self.ends("ion") && self.j >= 0 && matches!(self.at(self.j), b's' | b't') {
                    if self.m() > 1 {
                        self.k = self.j;
                    }
                    return;
                }
                &["ou"]
            }
            b's' => &["ism"],
            b't' => &["ate", "iti"],
            b'u' => &["ous"],
            b'v' => &["ive"],
            b'z' => &["ize"],
            _ => &[],
        };
        for suffix in suffixes {
            if self.ends(suffix) {
                if self.m() > 1 {
                    self.k = self.j;
                }
                return;
            }
        }
    }

    fn step5(&mut self) {
        self.j = self.k;
        if self.at(self.k) == b'e' {
            let a = self.m();
            if a > 1 || (a == 1 && !self.cvc(self.k - 1)) {
                self.k -= 1;
            }
        }
        if self.at(self.k) == b'l' && self.double_c(self.k) && self.m() > 1 {
            self.k -= 1;
        }
    }
}

/// Word pairs from Porter's paper and his published vocabulary, shared with
/// the JavaScript twin's test.
pub const SAMPLES: &[(&str, &str)] = &[
    ("caresses", "caress"),
    ("ponies", "poni"),
    ("ties", "ti"),
    ("caress", "caress"),
    ("cats", "cat"),
    ("feed", "feed"),
    ("agreed", "agre"),
    ("plastered", "plaster"),
    ("bled", "bled"),
    ("motoring", "motor"),
    ("sing", "sing"),
    ("conflated", "conflat"),
    ("troubled", "troubl"),
    ("sized", "size"),
    ("hopping", "hop"),
    ("tanned", "tan"),
    ("falling", "fall"),
    ("hissing", "hiss"),
    ("fizzed", "fizz"),
    ("failing", "fail"),
    ("filing", "file"),
    ("happy", "happi"),
    ("sky", "sky"),
    ("relational", "relat"),
    ("conditional", "condit"),
    ("rational", "ration"),
    ("valenci", "valenc"),
    ("digitizer", "digit"),
    ("conformabli", "conform"),
    ("radicalli", "radic"),
    ("differentli", "differ"),
    ("vileli", "vile"),
    ("analogousli", "analog"),
    ("vietnamization", "vietnam"),
    ("predication", "predic"),
    ("operator", "oper"),
    ("feudalism", "feudal"),
    ("decisiveness", "decis"),
    ("hopefulness", "hope"),
    ("callousness", "callous"),
    ("formaliti", "formal"),
    ("sensitiviti", "sensit"),
    ("sensibiliti", "sensibl"),
    ("triplicate", "triplic"),
    ("formative", "form"),
    ("formalize", "formal"),
    ("electriciti", "electr"),
    ("electrical", "electr"),
    ("hopeful", "hope"),
    ("goodness", "good"),
    ("revival", "reviv"),
    ("allowance", "allow"),
    ("inference", "infer"),
    ("airliner", "airlin"),
    ("gyroscopic", "gyroscop"),
    ("adjustable", "adjust"),
    ("defensible", "defens"),
    ("irritant", "irrit"),
    ("replacement", "replac"),
    ("adjustment", "adjust"),
    ("dependent", "depend"),
    ("adoption", "adopt"),
    ("homologou", "homolog"),
    ("communism", "commun"),
    ("activate", "activ"),
    ("angulariti", "angular"),
    ("homologous", "homolog"),
    ("effective", "effect"),
    ("bowdlerize", "bowdler"),
    ("probate", "probat"),
    ("rate", "rate"),
    ("cease", "ceas"),
    ("controll", "control"),
    ("roll", "roll"),
    ("generalizations", "gener"),
    ("oscillators", "oscil"),
    ("restoring", "restor"),
    ("restored", "restor"),
    ("restore", "restor"),
    ("configuration", "configur"),
    ("backups", "backup"),
];

#[cfg(test)]
mod tests;
