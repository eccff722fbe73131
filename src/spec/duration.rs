//! Durations as maintainers write them: `30s`, `15m`, `1h30m`, `2d`, `0`.

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer};
use std::borrow::Cow;
use std::fmt;

/// A non-negative duration with whole-second precision, written like `1h30m`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration(u64);

impl Duration {
    pub fn from_secs(secs: u64) -> Self {
        Duration(secs)
    }

    pub fn secs(self) -> u64 {
        self.0
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// Parses `0`, or one or more `<number><unit>` pairs with units d, h, m, s
    /// in that order (`1h30m`, not `30m1h`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text == "0" {
            return Ok(Duration(0));
        }
        if text.is_empty() {
            return Err("empty duration".into());
        }
        let mut total: u64 = 0;
        let mut last_rank = usize::MAX;
        let mut digits = String::new();
        for ch in text.chars() {
            if ch.is_ascii_digit() {
                digits.push(ch);
                continue;
            }
            let (rank, factor) = match ch {
                'd' => (3, 86_400),
                'h' => (2, 3_600),
                'm' => (1, 60),
                's' => (0, 1),
                _ => return Err(format!("unexpected character {ch:?}")),
            };
            if digits.is_empty() {
                return Err(format!("unit '{ch}' has no number before it"));
            }
            if rank >= last_rank {
                return Err(
                    "units must go from largest to smallest, each once (e.g. 1h30m)".into(),
                );
            }
            last_rank = rank;
            let n: u64 = digits.parse().map_err(|_| "number too large".to_string())?;
            total = n
                .checked_mul(factor)
                .and_then(|v| total.checked_add(v))
                .ok_or_else(|| "duration too large".to_string())?;
            digits.clear();
        }
        if !digits.is_empty() {
            return Err(format!("number {digits} has no unit (use s, m, h or d)"));
        }
        Ok(Duration(total))
    }
}

impl Duration {
    /// What a duration written as prose probably means: `1 hr` is 1h,
    /// `90 minutes` 1h30m, `1.5h` 1h30m, `1 hour 30 min` 1h30m. None when
    /// the text is not numbers with unit words, or not whole seconds.
    pub fn suggest(text: &str) -> Option<Duration> {
        let text = text.trim().to_ascii_lowercase();
        let mut total = 0.0_f64;
        let mut rest = text.as_str();
        let mut any = false;
        while !rest.is_empty() {
            let num_len = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(rest.len());
            let n: f64 = rest[..num_len].parse().ok()?;
            rest = rest[num_len..].trim_start();
            let unit_len = rest
                .find(|c: char| !c.is_ascii_alphabetic())
                .unwrap_or(rest.len());
            let factor = match &rest[..unit_len] {
                "s" | "sec" | "secs" | "second" | "seconds" => 1.0,
                "m" | "min" | "mins" | "minute" | "minutes" => 60.0,
                "h" | "hr" | "hrs" | "hour" | "hours" => 3_600.0,
                "d" | "day" | "days" => 86_400.0,
                "w" | "wk" | "week" | "weeks" => 604_800.0,
                _ => return None,
            };
            total += n * factor;
            any = true;
            rest = rest[unit_len..].trim_start_matches([' ', ',']);
            rest = rest.strip_prefix("and ").unwrap_or(rest);
        }
        let whole = total.round();
        (any && (total - whole).abs() < 1e-6 && whole < 1e12).then_some(Duration(whole as u64))
    }
}

impl fmt::Display for Duration {
    /// The canonical form: `0`, `45s`, `15m`, `1h30m`, `2d`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.write_str("0");
        }
        let mut rest = self.0;
        for (unit, factor) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
            if rest >= factor {
                write!(f, "{}{unit}", rest / factor)?;
                rest %= factor;
            }
        }
        Ok(())
    }
}

impl Duration {
    /// Words for prose: "15 minutes", "1 hour 30 minutes", "none".
    pub fn human(self) -> String {
        if self.0 == 0 {
            return "0".into();
        }
        let mut parts = Vec::new();
        let mut rest = self.0;
        for (one, many, factor) in [
            ("day", "days", 86_400),
            ("hour", "hours", 3_600),
            ("minute", "minutes", 60),
            ("second", "seconds", 1),
        ] {
            if rest >= factor {
                let n = rest / factor;
                parts.push(format!("{n} {}", if n == 1 { one } else { many }));
                rest %= factor;
            }
        }
        parts.join(" ")
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Int(u64),
            Text(String),
        }
        let text = match Raw::deserialize(d)? {
            Raw::Int(0) => return Ok(Duration(0)),
            Raw::Int(n) => {
                return Err(serde::de::Error::custom(format!(
                    "bad duration {n}: add a unit, e.g. {n}m or {n}h"
                )))
            }
            Raw::Text(t) => t,
        };
        Duration::parse(&text).map_err(|why| {
            serde::de::Error::custom(format!(
                "bad duration {text:?}: {why}; write e.g. 30s, 15m, 1h30m, 2d or 0"
            ))
        })
    }
}

impl JsonSchema for Duration {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A duration: 0, or numbers with units d, h, m, s from largest to smallest, e.g. 30s, 15m, 1h30m, 2d.",
            "type": "string",
            "pattern": "^(0|([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?)$"
        })
    }
}

impl serde::Serialize for Duration {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        for (text, secs, canon) in [
            ("0", 0, "0"),
            ("30s", 30, "30s"),
            ("15m", 900, "15m"),
            ("1h30m", 5400, "1h30m"),
            ("90m", 5400, "1h30m"),
            ("2d", 172_800, "2d"),
        ] {
            let d = Duration::parse(text).unwrap();
            assert_eq!(d.secs(), secs, "{text}");
            assert_eq!(d.to_string(), canon);
        }
        assert_eq!(Duration::from_secs(5400).human(), "1 hour 30 minutes");
    }

    #[test]
    fn suggests_what_prose_means() {
        for (text, canon) in [
            ("1 hr", Some("1h")),
            ("90 minutes", Some("1h30m")),
            ("1.5h", Some("1h30m")),
            ("1 hour 30 min", Some("1h30m")),
            ("2 days", Some("2d")),
            ("15 Mins", Some("15m")),
            ("1.0001s", None),
            ("soon", None),
            ("1 fortnight", None),
        ] {
            assert_eq!(
                Duration::suggest(text).map(|d| d.to_string()).as_deref(),
                canon,
                "{text}"
            );
        }
    }

    #[test]
    fn rejects_bad_forms() {
        for bad in [
            "",
            "15",
            "m",
            "15x",
            "30m1h",
            "1h1h",
            "-5m",
            "99999999999999999999d",
        ] {
            assert!(Duration::parse(bad).is_err(), "{bad:?} should fail");
        }
    }
}
