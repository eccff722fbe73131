//! Just enough cron to answer one question: what is the longest gap between
//! two runs of a schedule? That is what an RPO has to survive.

/// Parses a five-field cron expression (numbers, `*`, ranges, lists, steps)
/// and returns the longest gap between consecutive runs, in seconds.
pub fn max_gap_secs(expr: &str) -> Result<u64, String> {
    let fields: Vec<&str> = expr.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(format!(
            "a cron schedule has 5 fields (minute hour day-of-month month day-of-week), this one has {}",
            fields.len()
        ));
    }
    let minutes = field(fields[0], 0, 59, "minute")?;
    let hours = field(fields[1], 0, 23, "hour")?;
    let dom = field(fields[2], 1, 31, "day-of-month")?;
    let months = field(fields[3], 1, 12, "month")?;
    let mut dow = field(fields[4], 0, 7, "day-of-week")?;
    if dow & (1 << 7) != 0 {
        dow |= 1; // 7 is Sunday too
    }
    let dom_any = fields[2] == "*";
    let dow_any = fields[4] == "*";

    // Minutes of a day at which the schedule fires.
    let mut day_minutes = Vec::new();
    for h in 0..24 {
        if hours & (1 << h) != 0 {
            for m in 0..60 {
                if minutes & (1 << m) != 0 {
                    day_minutes.push(h * 60 + m);
                }
            }
        }
    }

    // Walk four years day by day (2024-01-01 was a Monday) and measure gaps.
    const MONTH_DAYS: [u64; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let mut day_index: u64 = 0;
    let mut weekday: u64 = 1;
    let mut last: Option<u64> = None;
    let mut first: Option<u64> = None;
    let mut max_gap: u64 = 0;
    for year in 2024..2028u64 {
        for (mi, &len) in MONTH_DAYS.iter().enumerate() {
            let len = if mi == 1 && year % 4 == 0 { 29 } else { len };
            for d in 1..=len {
                let month_ok = months & (1 << (mi + 1)) != 0;
                let dom_ok = dom & (1 << d) != 0;
                let dow_ok = dow & (1 << weekday) != 0;
                // Classic cron: when both day fields are restricted, either may match.
                let day_ok = match (dom_any, dow_any) {
                    (true, true) => true,
                    (true, false) => dow_ok,
                    (false, true) => dom_ok,
                    (false, false) => dom_ok || dow_ok,
                };
                if month_ok && day_ok {
                    for &m in &day_minutes {
                        let t = day_index * 1440 + m;
                        if let Some(prev) = last {
                            max_gap = max_gap.max(t - prev);
                        }
                        first.get_or_insert(t);
                        last = Some(t);
                    }
                }
                day_index += 1;
                weekday = (weekday + 1) % 7;
            }
        }
    }
    match (first, last) {
        (None, _) | (_, None) => Err("this schedule never runs".into()),
        (Some(f), Some(l)) if f == l => Ok(day_index * 1440 * 60),
        _ => Ok(max_gap * 60),
    }
}

fn field(text: &str, lo: u32, hi: u32, name: &str) -> Result<u64, String> {
    let mut set: u64 = 0;
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => {
                let step: u32 = s
                    .parse()
                    .map_err(|_| format!("{name} field: step {s:?} is not a number"))?;
                if step == 0 {
                    return Err(format!("{name} field: a step of 0 never advances"));
                }
                (r, step)
            }
            None => (part, 1),
        };
        let (start, end) = if range == "*" {
            (lo, hi)
        } else if let Some((a, b)) = range.split_once('-') {
            (num(a, lo, hi, name)?, num(b, lo, hi, name)?)
        } else {
            let n = num(range, lo, hi, name)?;
            (n, if step > 1 { hi } else { n })
        };
        if start > end {
            return Err(format!("{name} field: range {start}-{end} runs backwards"));
        }
        let mut v = start;
        while v <= end {
            set |= 1 << v;
            v += step;
        }
    }
    Ok(set)
}

fn num(text: &str, lo: u32, hi: u32, name: &str) -> Result<u32, String> {
    let n: u32 = text.parse().map_err(|_| {
        format!("{name} field: {text:?} is not a number (names like MON are not supported)")
    })?;
    if n < lo || n > hi {
        return Err(format!("{name} field: {n} is outside {lo}-{hi}"));
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::max_gap_secs;

    #[test]
    fn gaps() {
        assert_eq!(max_gap_secs("*/15 * * * *").unwrap(), 15 * 60);
        assert_eq!(max_gap_secs("0 * * * *").unwrap(), 3600);
        assert_eq!(max_gap_secs("0 2 * * *").unwrap(), 86_400);
        assert_eq!(max_gap_secs("0 2,14 * * *").unwrap(), 12 * 3600);
        assert_eq!(max_gap_secs("0 1 * * 0").unwrap(), 7 * 86_400);
        assert_eq!(max_gap_secs("0 3 * * 1-5").unwrap(), 3 * 86_400);
        assert_eq!(max_gap_secs("30 4 1 * *").unwrap(), 31 * 86_400);
    }

    #[test]
    fn errors() {
        assert!(max_gap_secs("* * *").is_err());
        assert!(max_gap_secs("60 * * * *").is_err());
        assert!(max_gap_secs("*/0 * * * *").is_err());
        assert!(max_gap_secs("0 0 30 2 *").is_err());
        assert!(max_gap_secs("0 0 * * MON").is_err());
    }
}
