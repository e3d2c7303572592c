//! How long a domain validation may be reused: 13 months for GM (SM2) certificates under the
//! same organization (Tencent guide), the CA/B Forum schedule for the others (ballot SC-081).

use serde::{Deserialize, Serialize};
use time::macros::date;
use time::{Date, Duration, OffsetDateTime};

use crate::order::AlgorithmStandard;

/// A domain validation an earlier order completed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriorValidation {
    /// The validated domain (A-labels; a wildcard's base).
    pub domain: String,
    /// The organization the validation was made for, when it was an OV/EV or GM order.
    pub organization: Option<String>,
    /// When it passed.
    #[serde(with = "time::serde::rfc3339")]
    pub validated_at: OffsetDateTime,
    /// The algorithm standard of the order that validated it.
    pub standard: AlgorithmStandard,
}

/// Ballot SC-081's schedule: from each date on (the first row: before the second's date), how
/// many days domain validation may be reused and a certificate may last.
const SC081: [(Date, i64, i64); 4] = [
    (date!(1970 - 01 - 01), 398, 398),
    (date!(2026 - 03 - 15), 200, 200),
    (date!(2027 - 03 - 15), 100, 100),
    (date!(2029 - 03 - 15), 10, 47),
];

/// The schedule's row in force at `now`.
fn sc081(now: OffsetDateTime) -> (i64, i64) {
    let day = now.date();
    SC081
        .iter()
        .rev()
        .find(|(from, _, _)| day >= *from)
        .map_or((SC081[0].1, SC081[0].2), |(_, reuse, validity)| {
            (*reuse, *validity)
        })
}

/// How long validation data may be reused for a certificate issued at `now` under the
/// Baseline Requirements: 398 days before 2026-03-15, 200 days from then, 100 days from
/// 2027-03-15, 10 days from 2029-03-15.
pub fn baseline_reuse_period(now: OffsetDateTime) -> Duration {
    Duration::days(sc081(now).0)
}

/// The longest validity a certificate issued at `now` may have under the Baseline
/// Requirements (ballot SC-081): 398 days before 2026-03-15, 200 days from then, 100 days from
/// 2027-03-15, 47 days from 2029-03-15.
pub fn baseline_max_validity(now: OffsetDateTime) -> Duration {
    Duration::days(sc081(now).1)
}

/// The validity of one certificate of a product sold for `months` and issued at `now`: the
/// months (one year at most: "Multi-year certificates include multiple one-year
/// certificates"), cut to [`baseline_max_validity`].
pub fn certificate_validity(now: OffsetDateTime, months: u32) -> Duration {
    let wanted = add_months(now, months.clamp(1, 12)) - now;
    wanted.min(baseline_max_validity(now))
}

/// The same day `months` calendar months later (the last day of the month when that day does
/// not exist: 31 January + 1 month is 28 or 29 February).
pub fn add_months(at: OffsetDateTime, months: u32) -> OffsetDateTime {
    let d = at.date();
    let total = i64::from(d.year()) * 12 + i64::from(u8::from(d.month())) - 1 + i64::from(months);
    let (year, month0) = (total.div_euclid(12), total.rem_euclid(12));
    let Ok(year) = i32::try_from(year) else {
        return at;
    };
    let Ok(month) = time::Month::try_from(u8::try_from(month0 + 1).unwrap_or(1)) else {
        return at;
    };
    let last = time::util::days_in_month(month, year);
    match Date::from_calendar_date(year, month, d.day().min(last)) {
        Ok(date) => at.replace_date(date),
        Err(_) => at,
    }
}

impl PriorValidation {
    /// When this validation stops being reusable for a certificate of `standard`.
    pub fn reusable_until(
        &self,
        standard: AlgorithmStandard,
        now: OffsetDateTime,
    ) -> OffsetDateTime {
        match standard {
            AlgorithmStandard::Gm => add_months(self.validated_at, 13),
            AlgorithmStandard::International => self.validated_at + baseline_reuse_period(now),
        }
    }

    /// Whether an order for `domain` of this standard and organization may skip validating it
    /// at `now`. A GM validation is reused only for a GM order of the same organization.
    pub fn covers(
        &self,
        domain: &str,
        standard: AlgorithmStandard,
        organization: Option<&str>,
        now: OffsetDateTime,
    ) -> bool {
        if !self.domain.eq_ignore_ascii_case(domain) || self.standard != standard {
            return false;
        }
        if standard == AlgorithmStandard::Gm
            && (self.organization.is_none() || self.organization.as_deref() != organization)
        {
            return false;
        }
        self.validated_at <= now && now < self.reusable_until(standard, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// "Multi-year certificates include multiple one-year certificates": one certificate
    /// covers a year at most, and no more than the Baseline Requirements allow that day.
    #[test]
    fn a_certificate_lasts_the_product_year_cut_to_the_br() {
        let early = datetime!(2026-01-10 00:00 UTC);
        assert_eq!(certificate_validity(early, 12).whole_days(), 365);
        assert_eq!(certificate_validity(early, 36).whole_days(), 365);
        assert_eq!(certificate_validity(early, 3).whole_days(), 90);
        let late = datetime!(2026-12-05 00:00 UTC);
        assert_eq!(certificate_validity(late, 12).whole_days(), 200);
        assert_eq!(certificate_validity(late, 3).whole_days(), 90);
        assert_eq!(
            certificate_validity(datetime!(2029-03-15 00:00 UTC), 12).whole_days(),
            47
        );
    }
    use time::macros::datetime;

    #[test]
    fn the_baseline_schedule_follows_the_dates() {
        assert_eq!(
            baseline_reuse_period(datetime!(2026-03-14 23:59 UTC)).whole_days(),
            398
        );
        assert_eq!(
            baseline_reuse_period(datetime!(2026-03-15 00:00 UTC)).whole_days(),
            200
        );
        assert_eq!(
            baseline_reuse_period(datetime!(2027-03-15 00:00 UTC)).whole_days(),
            100
        );
        assert_eq!(
            baseline_reuse_period(datetime!(2029-03-15 00:00 UTC)).whole_days(),
            10
        );
    }

    #[test]
    fn months_are_calendar_months() {
        assert_eq!(
            add_months(datetime!(2025-10-31 08:00 UTC), 13),
            datetime!(2026-11-30 08:00 UTC)
        );
        assert_eq!(
            add_months(datetime!(2024-01-31 00:00 UTC), 1),
            datetime!(2024-02-29 00:00 UTC)
        );
    }

    #[test]
    fn gm_validations_last_13_months_for_the_same_organization() {
        let v = PriorValidation {
            domain: "example.com".into(),
            organization: Some("Example Co".into()),
            validated_at: datetime!(2025-11-01 00:00 UTC),
            standard: AlgorithmStandard::Gm,
        };
        let gm = AlgorithmStandard::Gm;
        assert!(v.covers(
            "example.com",
            gm,
            Some("Example Co"),
            datetime!(2026-11-30 00:00 UTC)
        ));
        assert!(!v.covers(
            "example.com",
            gm,
            Some("Example Co"),
            datetime!(2026-12-01 00:00 UTC)
        ));
        assert!(!v.covers(
            "example.com",
            gm,
            Some("Other Co"),
            datetime!(2026-01-01 00:00 UTC)
        ));
        assert!(!v.covers(
            "example.com",
            AlgorithmStandard::International,
            Some("Example Co"),
            datetime!(2026-01-01 00:00 UTC)
        ));
    }

    #[test]
    fn baseline_validations_follow_the_schedule() {
        let v = PriorValidation {
            domain: "example.com".into(),
            organization: None,
            validated_at: datetime!(2026-06-01 00:00 UTC),
            standard: AlgorithmStandard::International,
        };
        let intl = AlgorithmStandard::International;
        // Issued in 2026 after 2026-03-15: 200 days.
        assert!(v.covers("example.com", intl, None, datetime!(2026-12-17 00:00 UTC)));
        assert!(!v.covers("example.com", intl, None, datetime!(2026-12-18 00:00 UTC)));
        // Used after 2027-03-15 the period is 100 days, so it has lapsed.
        assert!(!v.covers("example.com", intl, None, datetime!(2027-03-16 00:00 UTC)));
    }
}
