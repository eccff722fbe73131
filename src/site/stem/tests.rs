use super::*;

#[test]
fn cached_terms_are_the_terms() {
    let mut stems = Stems::default();
    for text in [
        "Restoring the PostgreSQL backups: pg_basebackup, __init__ and _x_y_ runs",
        "ÉTÉ Straße naïve 12345 abcdefghijklmnopqrstuvwxyz0123 a an the",
        "restoring restored restores RESTORE — généralement",
        "",
    ] {
        let mut got = Vec::new();
        stems.each(text, |t| got.push(t.to_string()));
        assert_eq!(got, terms(text), "{text}");
    }
}

#[test]
fn porter_vocabulary() {
    for (word, want) in SAMPLES {
        assert_eq!(stem(word), *want, "stem({word})");
    }
}

#[test]
fn stopwords_sorted_for_binary_search() {
    assert!(STOPWORDS.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn words_split_and_keep_underscored_names() {
    assert_eq!(
        words("Run pg_basebackup, then `make postgresql-backup`!"),
        [
            "run",
            "pg",
            "basebackup",
            "pg_basebackup",
            "then",
            "make",
            "postgresql",
            "backup",
            "postgresql-backup"
        ]
    );
    assert_eq!(
        words("--no-owner -x a-_b"),
        ["no", "owner", "no-owner", "x", "a", "b", "a-_b"]
    );
    assert_eq!(
        terms("Restoring the backups of PostgreSQL 16"),
        ["restor", "backup", "postgresql", "16"]
    );
    assert!(!keep("x") && !keep("the") && !keep(&"a".repeat(30)));
}
