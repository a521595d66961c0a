//! Budgets of business users, cost centers and cost-center buyers: an amount per
//! period, with the period's start computed in the tenant's time zone.

use chrono::{DateTime, Datelike, Days, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use crate::values::{CurrencyCode, Money};

/// How often a budget starts over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BudgetPeriod {
    /// No period: the budget covers all spending (ICM user budgets' `none`).
    None,
    /// No period either (ICM cost centers' `fixed`).
    Fixed,
    /// From Monday 00:00.
    Weekly,
    Monthly,
    Quarterly,
    /// From 1 January and 1 July.
    HalfYearly,
    Yearly,
}

impl BudgetPeriod {
    /// Every period, in the order the dialects list them.
    pub const ALL: [Self; 7] = [
        Self::None,
        Self::Fixed,
        Self::Weekly,
        Self::Monthly,
        Self::Quarterly,
        Self::HalfYearly,
        Self::Yearly,
    ];

    /// Reads a period name (`weekly`, `half-yearly`, …; case-insensitive).
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        Self::ALL.into_iter().find(|p| p.code().eq_ignore_ascii_case(raw))
    }

    /// The name the dialects use.
    pub fn code(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Fixed => "fixed",
            Self::Weekly => "weekly",
            Self::Monthly => "monthly",
            Self::Quarterly => "quarterly",
            Self::HalfYearly => "half-yearly",
            Self::Yearly => "yearly",
        }
    }

    /// When the period containing `now` started, as an instant: local midnight of its
    /// first day in `zone` (or the first instant after it where a clock change skips
    /// midnight). `None` for the period-less budgets, which count everything.
    pub fn start(self, now: DateTime<Utc>, zone: Tz) -> Option<DateTime<Utc>> {
        let today = now.with_timezone(&zone).date_naive();
        let first_month = |months_per_period: u32| {
            let month0 = today.month0() / months_per_period * months_per_period;
            NaiveDate::from_ymd_opt(today.year(), month0 + 1, 1)
        };
        let first_day = match self {
            Self::None | Self::Fixed => return None,
            Self::Weekly => today.checked_sub_days(Days::new(u64::from(today.weekday().num_days_from_monday()))),
            Self::Monthly => first_month(1),
            Self::Quarterly => first_month(3),
            Self::HalfYearly => first_month(6),
            Self::Yearly => first_month(12),
        }?;
        local_midnight(first_day, zone)
    }
}

/// The first instant of `day` in `zone`.
fn local_midnight(day: NaiveDate, zone: Tz) -> Option<DateTime<Utc>> {
    // A clock change can skip midnight (e.g. America/Santiago); take the first local
    // time of the day that exists, trying each quarter hour.
    (0..96).find_map(|quarter| {
        let time = day.and_hms_opt(quarter / 4, (quarter % 4) * 15, 0)?;
        zone.from_local_datetime(&time)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    })
}

/// A budget: at most `amount` per `period`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub amount: Money,
    pub period: BudgetPeriod,
}

/// A business user's own limits: the most one order may cost, and a budget per period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UserBudget {
    pub order_spent_limit: Option<Money>,
    pub budget: Option<Money>,
    /// The period of `budget`; `None` when no period was set.
    pub period: Option<BudgetPeriod>,
}

impl UserBudget {
    /// The one currency of the limit and the budget.
    pub fn currency(&self) -> Option<CurrencyCode> {
        self.budget.or(self.order_spent_limit).map(|m| m.currency)
    }
}

/// What was spent against a budget and what is left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spent {
    pub spent: Money,
    /// `None` when there is no budget; never below zero.
    pub remaining: Option<Money>,
}

impl Spent {
    /// `spent` against `budget` (same currency).
    pub fn against(budget: Option<Money>, spent: Money) -> Self {
        Self {
            spent,
            remaining: budget.map(|b| Money {
                minor: (b.minor - spent.minor).max(0),
                currency: b.currency,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn periods_start_at_local_midnight_of_their_first_day() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        // Thursday 2026-11-26 00:30 in Berlin is still Wednesday in UTC.
        let now = at("2026-11-25T23:30:00Z");
        let start = |p: BudgetPeriod| p.start(now, berlin).map(|t| t.to_rfc3339());
        assert_eq!(
            start(BudgetPeriod::Weekly).as_deref(),
            Some("2026-11-22T23:00:00+00:00")
        );
        assert_eq!(
            start(BudgetPeriod::Monthly).as_deref(),
            Some("2026-10-31T23:00:00+00:00")
        );
        assert_eq!(
            start(BudgetPeriod::Quarterly).as_deref(),
            Some("2026-09-30T22:00:00+00:00")
        );
        assert_eq!(
            start(BudgetPeriod::HalfYearly).as_deref(),
            Some("2026-06-30T22:00:00+00:00")
        );
        assert_eq!(
            start(BudgetPeriod::Yearly).as_deref(),
            Some("2025-12-31T23:00:00+00:00")
        );
        assert_eq!(start(BudgetPeriod::None), None);
        assert_eq!(start(BudgetPeriod::Fixed), None);
        // The same instant in UTC is still in November's week of the 23rd, month of November.
        assert_eq!(
            BudgetPeriod::Weekly
                .start(now, Tz::UTC)
                .map(|t| t.to_rfc3339())
                .as_deref(),
            Some("2026-11-23T00:00:00+00:00")
        );
    }

    #[test]
    fn a_skipped_midnight_starts_the_day_at_its_first_hour() {
        // Santiago skips 00:00–01:00 on 2026-09-06 (DST starts).
        let santiago: Tz = "America/Santiago".parse().unwrap();
        let start = local_midnight(NaiveDate::from_ymd_opt(2026, 9, 6).unwrap(), santiago).unwrap();
        assert_eq!(start.to_rfc3339(), "2026-09-06T04:00:00+00:00");
    }

    #[test]
    fn period_names_round_trip() {
        for p in BudgetPeriod::ALL {
            assert_eq!(BudgetPeriod::parse(p.code()), Some(p));
        }
        assert_eq!(BudgetPeriod::parse("Monthly"), Some(BudgetPeriod::Monthly));
        assert_eq!(BudgetPeriod::parse("daily"), None);
    }

    #[test]
    fn remaining_never_goes_below_zero() {
        let usd = CurrencyCode::parse("USD").unwrap();
        let money = |minor| Money { minor, currency: usd };
        assert_eq!(
            Spent::against(Some(money(1000)), money(300)).remaining,
            Some(money(700))
        );
        assert_eq!(Spent::against(Some(money(1000)), money(1300)).remaining, Some(money(0)));
        assert_eq!(Spent::against(None, money(5)).remaining, None);
    }
}
