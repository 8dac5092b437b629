//! UTC timestamps in the ISO 8601 shapes Graph and Entra ID print, without a date crate:
//! formatting from Unix seconds (demo data, error bodies, token claims) or from 100 ns ticks
//! (audit log times), and reading DateTimeOffset literals back so `$filter` compares instants.

use std::time::{SystemTime, UNIX_EPOCH};

pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// DateTimeOffset's resolution: 100 ns ticks, seven fractional digits.
pub const TICKS_PER_SECOND: i64 = 10_000_000;

/// Now, in 100 ns ticks since the Unix epoch.
pub fn ticks_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| (d.as_nanos() / 100) as i64)
        .unwrap_or(0)
}

/// `2024-05-01T12:34:56.1234567Z`, the form of audit log times.
pub fn iso8601_ticks(ticks: i64) -> String {
    let seconds = iso8601(ticks.div_euclid(TICKS_PER_SECOND) as u64);
    let fraction = ticks.rem_euclid(TICKS_PER_SECOND);
    format!("{}.{fraction:07}Z", seconds.trim_end_matches('Z'))
}

/// `2024-05-01T12:34:56Z`, the form of Graph's DateTimeOffset properties.
pub fn iso8601(unix: u64) -> String {
    let (y, mo, d, h, mi, s) = civil(unix);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// `2024-05-01T12:34:56`, the zone-less form Graph uses for `innerError.date`.
pub fn error_date(unix: u64) -> String {
    let (y, mo, d, h, mi, s) = civil(unix);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}")
}

/// `2024-05-01 12:34:56Z`, the form Entra ID's token endpoint uses in `timestamp`.
pub fn aad_timestamp(unix: u64) -> String {
    let (y, mo, d, h, mi, s) = civil(unix);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}Z")
}

/// Reads `2024-05-01`, optionally followed by `T12:34`, `:56`, a fraction and `Z` or
/// `+hh:mm`/`-hh:mm` (no zone means UTC), as 100 ns ticks since the Unix epoch. `None` for
/// anything else, impossible dates and times included.
pub fn parse_ticks(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let digits = b.get(range)?;
        digits
            .iter()
            .all(u8::is_ascii_digit)
            .then(|| digits.iter().fold(0, |n, d| n * 10 + i64::from(d - b'0')))
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let (mut hour, mut minute, mut second, mut fraction) = (0, 0, 0, 0);
    let mut at = 10;
    if b.get(at) == Some(&b'T') {
        if b.get(at + 3) != Some(&b':') {
            return None;
        }
        (hour, minute) = (number(at + 1..at + 3)?, number(at + 4..at + 6)?);
        at += 6;
        if b.get(at) == Some(&b':') {
            second = number(at + 1..at + 3)?;
            at += 3;
            if b.get(at) == Some(&b'.') {
                let digits = b[at + 1..]
                    .iter()
                    .take_while(|c| c.is_ascii_digit())
                    .count();
                if digits == 0 {
                    return None;
                }
                // Seven digits are DateTimeOffset's resolution; finer ones are dropped.
                let kept = digits.min(7);
                fraction = number(at + 1..at + 1 + kept)? * 10_i64.pow(7 - kept as u32);
                at += 1 + digits;
            }
        }
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let offset_minutes = match &b[at..] {
        [] | [b'Z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (h, m) = (number(at + 1..at + 3)?, number(at + 4..at + 6)?);
            if h > 23 || m > 59 {
                return None;
            }
            if *sign == b'+' {
                h * 60 + m
            } else {
                -(h * 60 + m)
            }
        }
        _ => return None,
    };
    let seconds = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second
        - offset_minutes * 60;
    Some(seconds * TICKS_PER_SECOND + fraction)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Unix seconds to (year, month, day, hour, minute, second), proleptic Gregorian, UTC
/// (Howard Hinnant's civil_from_days).
fn civil(unix: u64) -> (i64, u32, u32, u32, u32, u32) {
    let days = (unix / 86_400) as i64;
    let secs = unix % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    (
        y,
        m,
        d,
        (secs / 3600) as u32,
        (secs % 3600 / 60) as u32,
        (secs % 60) as u32,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(iso8601(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(error_date(1_700_000_000), "2023-11-14T22:13:20");
        assert_eq!(aad_timestamp(1_700_000_000), "2023-11-14 22:13:20Z");
        assert_eq!(
            iso8601_ticks(1_700_000_000 * TICKS_PER_SECOND + 1_234_567),
            "2023-11-14T22:13:20.1234567Z"
        );
        assert_eq!(iso8601_ticks(5), "1970-01-01T00:00:00.0000005Z");
    }

    #[test]
    fn parses_what_it_formats_and_date_time_offset_variants() {
        let t = 1_700_000_000 * TICKS_PER_SECOND;
        assert_eq!(parse_ticks("2023-11-14T22:13:20Z"), Some(t));
        assert_eq!(parse_ticks(&iso8601_ticks(t + 1)), Some(t + 1));
        assert_eq!(parse_ticks("2023-11-14T22:13:20.5Z"), Some(t + 5_000_000));
        assert_eq!(
            parse_ticks("2023-11-14T22:13:20.123456789Z"),
            Some(t + 1_234_567)
        );
        assert_eq!(parse_ticks("2023-11-14T23:13:20+01:00"), Some(t));
        assert_eq!(parse_ticks("2023-11-14T21:13:20-01:00"), Some(t));
        assert_eq!(parse_ticks("2023-11-14T22:13:20"), Some(t));
        assert_eq!(
            parse_ticks("2023-11-14T22:13Z"),
            Some(t - 20 * TICKS_PER_SECOND)
        );
        assert_eq!(
            parse_ticks("2000-02-29"),
            Some(951_782_400 * TICKS_PER_SECOND)
        );
        assert_eq!(parse_ticks("1969-12-31T23:59:59Z"), Some(-TICKS_PER_SECOND));
        for bad in [
            "",
            "2023-11-14T22:13:20ZZ",
            "2023-13-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2023-11-14T24:00:00Z",
            "2023-11-14T22:13:20.Z",
            "2023-11-14T22:13:20+0100",
            "2023-11-14 22:13:20Z",
            "20231114",
            "2023-1a-14",
        ] {
            assert_eq!(parse_ticks(bad), None, "{bad}");
        }
    }
}
