//! The time range of the B2C connector's Deleted and NewOrUpdated queries:
//! `Filter=AuditLogStartTime eq {startTime} and AuditLogEndTime eq {endTime}`, with RFC 3339
//! times (quoted or not, any UTC offset), turned into the UTC instants Graph's audit log
//! filters take.

use std::fmt;

use scim::error::{ScimError, ScimType};

/// An inclusive range of instants, start not after end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    pub start: Instant,
    pub end: Instant,
}

/// A UTC instant with millisecond precision, shown as `2024-05-01T12:34:56.789Z`: the form
/// Graph's DateTimeOffset literals take in `$filter`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Instant {
    unix_millis: i64,
}

const START: &str = "AuditLogStartTime";
const END: &str = "AuditLogEndTime";
const SHAPE: &str = "AuditLogStartTime eq {startTime} and AuditLogEndTime eq {endTime}";

impl TimeRange {
    /// Reads the range from a query string's `filter` parameter (named in any case, as the B2C
    /// table writes `Filter`). Missing, malformed and reversed ranges are 400 invalidFilter
    /// naming the problem.
    pub fn from_query_string(query: &str) -> Result<TimeRange, ScimError> {
        let query = query.strip_prefix('?').unwrap_or(query);
        let mut filters = query
            .split('&')
            .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
            .filter(|(name, _)| name.eq_ignore_ascii_case("filter"))
            .map(|(_, value)| decode(value));
        let filter = match (filters.next(), filters.next()) {
            (Some(filter), None) => filter?,
            (None, _) => return Err(invalid(format!("the time range is required: Filter={SHAPE}"))),
            (Some(_), Some(_)) => return Err(invalid("give Filter once")),
        };
        TimeRange::parse(&filter)
    }

    /// Parses `AuditLogStartTime eq {t} and AuditLogEndTime eq {t}` (the two terms in either
    /// order; names and operators in any case).
    pub fn parse(filter: &str) -> Result<TimeRange, ScimError> {
        let (mut start, mut end) = (None, None);
        for term in split_and(filter) {
            let words: Vec<&str> = term.split_whitespace().collect();
            let (name, op, value) = match words.as_slice() {
                [name, op, value] => (*name, *op, value.to_string()),
                // An unencoded '+' in a query string arrives as a space: `...T01:00:00 02:00`.
                [name, op, value, offset] if is_offset(offset) => (*name, *op, format!("{value}+{offset}")),
                _ => return Err(invalid(format!("{term:?} is not \"<name> eq <time>\"; the filter must read {SHAPE}"))),
            };
            if !op.eq_ignore_ascii_case("eq") {
                return Err(invalid(format!("{name} takes eq, not {op}")));
            }
            let slot = match name {
                n if n.eq_ignore_ascii_case(START) => &mut start,
                n if n.eq_ignore_ascii_case(END) => &mut end,
                _ => return Err(invalid(format!("{name} is not {START} or {END}"))),
            };
            if slot.is_some() {
                return Err(invalid(format!("{name} is given twice")));
            }
            let value = value.trim_matches(|c| c == '"' || c == '\'');
            *slot = Some(Instant::parse(value).ok_or_else(|| {
                invalid(format!("{name} {value:?} is not an RFC 3339 time such as 2024-05-01T00:00:00Z"))
            })?);
        }
        let (Some(start), Some(end)) = (start, end) else {
            return Err(invalid(format!("both times are required: {SHAPE}")));
        };
        if start > end {
            return Err(invalid(format!("the range is reversed: {START} {start} is after {END} {end}")));
        }
        Ok(TimeRange { start, end })
    }

    pub fn contains(&self, instant: Instant) -> bool {
        self.start <= instant && instant <= self.end
    }
}

impl Instant {
    /// An RFC 3339 date-time (`2024-05-01T12:34:56Z`, fractions and offsets allowed, `t`/`z`
    /// and a space for `T` too) or a bare date (its midnight, UTC). Fractions finer than a
    /// millisecond are cut, as Graph's audit times carry seven digits.
    pub fn parse(text: &str) -> Option<Instant> {
        let text = text.trim();
        let digits = |s: &str| -> Option<i64> { (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())? };
        let (date, time) = match text.find(['T', 't', ' ']) {
            Some(i) => (&text[..i], Some(&text[i + 1..])),
            None => (text, None),
        };
        let mut parts = date.split('-');
        let (year, month, day) = (digits(parts.next()?)?, digits(parts.next()?)?, digits(parts.next()?)?);
        if parts.next().is_some() || date.len() != 10 || !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
            return None;
        }
        let mut millis = days_from_civil(year, month, day) * 86_400_000;
        if let Some(time) = time {
            let (clock, offset_minutes) = split_offset(time)?;
            let (hms, fraction) = match clock.split_once('.') {
                Some((hms, fraction)) => (hms, Some(fraction)),
                None => (clock, None),
            };
            let mut hms = hms.split(':');
            let (h, m, s) = (digits(hms.next()?)?, digits(hms.next()?)?, digits(hms.next()?)?);
            if hms.next().is_some() || h > 23 || m > 59 || s > 60 {
                return None;
            }
            let fraction_ms = match fraction {
                Some(f) => {
                    digits(f)?;
                    f.bytes().chain(std::iter::repeat(b'0')).take(3).fold(0, |acc, b| acc * 10 + i64::from(b - b'0'))
                }
                None => 0,
            };
            millis += ((h * 60 + m) * 60 + s.min(59)) * 1000 + fraction_ms - offset_minutes * 60_000;
        }
        Some(Instant { unix_millis: millis })
    }

    pub fn from_unix_millis(unix_millis: i64) -> Instant {
        Instant { unix_millis }
    }

    pub fn unix_millis(self) -> i64 {
        self.unix_millis
    }
}

impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.unix_millis.div_euclid(86_400_000);
        let ms = self.unix_millis.rem_euclid(86_400_000);
        let (y, mo, d) = civil_from_days(days);
        let (h, mi, s, milli) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
        write!(f, "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{milli:03}Z")
    }
}

fn invalid(detail: impl Into<String>) -> ScimError {
    ScimError::new(400, Some(ScimType::InvalidFilter), detail)
}

/// The filter's `and`-separated terms (the word in any case, between spaces).
fn split_and(filter: &str) -> Vec<&str> {
    let lower = filter.to_ascii_lowercase();
    let mut terms = Vec::new();
    let mut from = 0;
    while let Some(at) = lower[from..].find(" and ") {
        terms.push(filter[from..from + at].trim());
        from += at + 5;
    }
    terms.push(filter[from..].trim());
    terms
}

fn is_offset(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 5 && b[2] == b':' && [0, 1, 3, 4].iter().all(|&i| b[i].is_ascii_digit())
}

/// `12:00:00Z` -> (`12:00:00`, 0); `12:00:00+02:00` -> (`12:00:00`, 120).
fn split_offset(time: &str) -> Option<(&str, i64)> {
    if let Some(clock) = time.strip_suffix(['Z', 'z']) {
        return Some((clock, 0));
    }
    let at = time.rfind(['+', '-'])?;
    let (clock, offset) = time.split_at(at);
    let sign = if offset.starts_with('-') { -1 } else { 1 };
    let (h, m) = offset[1..].split_once(':')?;
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 23 && m <= 59 && offset.len() == 6).then_some((clock, sign * (h * 60 + m)))
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
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (if month <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, month, day)
}

/// Percent-decoding of one query component (`+` is a space).
fn decode(value: &str) -> Result<String, ScimError> {
    scim::percent::decode_query_component(value).ok_or_else(|| invalid("the Filter parameter is not UTF-8 once decoded"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> String {
        Instant::parse(text).map(|i| i.to_string()).unwrap_or_else(|| "invalid".into())
    }

    #[test]
    fn instants_read_rfc_3339_and_print_graphs_form() {
        assert_eq!(at("2024-05-01T12:34:56Z"), "2024-05-01T12:34:56.000Z");
        assert_eq!(at("2024-05-01T12:34:56.1234567Z"), "2024-05-01T12:34:56.123Z");
        assert_eq!(at("2024-05-01t12:34:56.5z"), "2024-05-01T12:34:56.500Z");
        assert_eq!(at("2024-05-01T01:00:00+02:00"), "2024-04-30T23:00:00.000Z");
        assert_eq!(at("2024-05-01T23:30:00-01:00"), "2024-05-02T00:30:00.000Z");
        assert_eq!(at("2024-02-29"), "2024-02-29T00:00:00.000Z");
        assert_eq!(at("1970-01-01T00:00:00Z"), "1970-01-01T00:00:00.000Z");
        assert_eq!(Instant::parse("1970-01-01T00:00:01Z").unwrap().unix_millis(), 1000);
        for wrong in ["", "2024-13-01", "2023-02-29", "2024-05-01T24:00:00Z", "2024-05-01T12:34Z", "yesterday", "2024-5-1", "2024-05-01T12:34:56+2", "2024-05-01T12:34:56.x"] {
            assert_eq!(at(wrong), "invalid", "{wrong}");
        }
    }

    #[test]
    fn the_b2c_filter_gives_an_ordered_range() {
        let range = TimeRange::from_query_string("Filter=AuditLogStartTime%20eq%202024-05-01T00:00:00Z%20and%20AuditLogEndTime%20eq%20%222024-05-02T00:00:00Z%22&count=10").unwrap();
        assert_eq!(range.start.to_string(), "2024-05-01T00:00:00.000Z");
        assert_eq!(range.end.to_string(), "2024-05-02T00:00:00.000Z");
        let plus = TimeRange::from_query_string("filter=AuditLogStartTime eq 2024-05-01T02:00:00+02:00 and AuditLogEndTime eq 2024-05-02T00:00:00Z").unwrap();
        assert_eq!(plus, range, "an unencoded '+' reads as a space");
        let swapped = TimeRange::parse("auditlogendtime EQ 2024-05-02T00:00:00Z AND auditlogstarttime eq 2024-05-01T00:00:00Z").unwrap();
        assert_eq!(swapped, range);
        assert!(range.contains(Instant::parse("2024-05-01T00:00:00Z").unwrap()));
        assert!(range.contains(Instant::parse("2024-05-02T00:00:00Z").unwrap()));
        assert!(!range.contains(Instant::parse("2024-05-02T00:00:00.001Z").unwrap()));
    }

    #[test]
    fn bad_ranges_are_invalid_filters_that_say_why() {
        for (query, says) in [
            ("count=5", "the time range is required"),
            ("filter=AuditLogStartTime eq 2024-05-01T00:00:00Z", "both times are required"),
            ("filter=AuditLogStartTime eq 2024-05-02T00:00:00Z and AuditLogEndTime eq 2024-05-01T00:00:00Z", "reversed"),
            ("filter=AuditLogStartTime gt 2024-05-01T00:00:00Z and AuditLogEndTime eq 2024-05-02T00:00:00Z", "takes eq"),
            ("filter=Start eq 2024-05-01T00:00:00Z", "is not AuditLogStartTime"),
            ("filter=AuditLogStartTime eq soon and AuditLogEndTime eq 2024-05-02T00:00:00Z", "not an RFC 3339 time"),
            ("filter=AuditLogStartTime eq 2024-05-01T00:00:00Z and AuditLogStartTime eq 2024-05-01T00:00:00Z", "given twice"),
            ("filter=a&Filter=b", "give Filter once"),
        ] {
            let error = TimeRange::from_query_string(query).unwrap_err();
            assert_eq!((error.status, error.scim_type), (400, Some(ScimType::InvalidFilter)), "{query}");
            assert!(error.detail.contains(says), "{query}: {}", error.detail);
        }
    }
}
