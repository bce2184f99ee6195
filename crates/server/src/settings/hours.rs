//! Opening hours (`[availability]` in the settings file): whether the team is in at an
//! instant, and when that changes next. Computed in the merchant's IANA time zone, so a
//! day's hours hold across DST changes; the widget only shows the answer, in the visitor's
//! language and time zone.

use std::collections::BTreeSet;

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

/// How far ahead the next opening is looked for: a team closed for longer is "away" with no
/// return time.
const HORIZON_DAYS: i32 = 14;

/// Minutes since local midnight, `0..=1440` (1440 is `24:00`, the end of the day).
pub type Minute = u16;

/// A merchant's week, closed days and reply time.
#[derive(Debug, Clone)]
pub struct OfficeHours {
    zone: TimeZone,
    /// Monday first; each day's ranges sorted, `start < end`.
    week: [Vec<(Minute, Minute)>; 7],
    closed_dates: BTreeSet<Date>,
}

/// The team's state at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status {
    pub online: bool,
    /// When `online` flips next, within the horizon.
    pub changes_at: Option<Timestamp>,
}

impl OfficeHours {
    pub fn new(
        zone: TimeZone,
        week: [Vec<(Minute, Minute)>; 7],
        closed_dates: BTreeSet<Date>,
    ) -> Self {
        OfficeHours {
            zone,
            week,
            closed_dates,
        }
    }

    /// Whether the team is in at `now`, and until when (or from when).
    pub fn status_at(&self, now: Timestamp) -> Status {
        let today = now.to_zoned_datetime(self.zone.clone()).date();
        let mut open = self.intervals(today).into_iter().peekable();
        while let Some((start, mut end)) = open.next() {
            // Back-to-back ranges (Monday until 24:00, Tuesday from 00:00) are one stretch.
            while let Some(&(next_start, next_end)) = open.peek() {
                if next_start > end {
                    break;
                }
                end = end.max(next_end);
                open.next();
            }
            if now < start {
                return Status {
                    online: false,
                    changes_at: Some(start),
                };
            }
            if now < end {
                // Open to the end of the horizon: no closing time worth telling.
                let horizon_end = today
                    .checked_add((HORIZON_DAYS + 1).days())
                    .ok()
                    .and_then(|day| self.instant(day, 0));
                return Status {
                    online: true,
                    changes_at: Some(end).filter(|&end| Some(end) < horizon_end),
                };
            }
        }
        Status {
            online: false,
            changes_at: None,
        }
    }

    /// The opening stretches from the day before `today` to the horizon, as instants, in order.
    fn intervals(&self, today: Date) -> Vec<(Timestamp, Timestamp)> {
        let mut intervals = Vec::new();
        for offset in -1..=HORIZON_DAYS {
            let Ok(day) = today.checked_add(offset.days()) else {
                continue;
            };
            if self.closed_dates.contains(&day) {
                continue;
            }
            for &(start, end) in &self.week[weekday_index(day.weekday())] {
                if let (Some(from), Some(to)) = (self.instant(day, start), self.instant(day, end)) {
                    intervals.push((from, to));
                }
            }
        }
        intervals
    }

    /// `minute` of `day` in the merchant's zone. A time skipped by a DST change counts as the
    /// time it becomes (02:30 on a spring-forward night is 03:30); a repeated one, its first.
    fn instant(&self, day: Date, minute: Minute) -> Option<Timestamp> {
        let (day, minute) = if minute == 1440 {
            (day.checked_add(1.day()).ok()?, 0)
        } else {
            (day, minute)
        };
        let time = Time::new((minute / 60) as i8, (minute % 60) as i8, 0, 0).ok()?;
        self.zone
            .to_ambiguous_timestamp(day.to_datetime(time))
            .compatible()
            .ok()
    }
}

/// Monday 0 … Sunday 6.
pub fn weekday_index(day: Weekday) -> usize {
    day.to_monday_zero_offset() as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn hours(zone: &str, week: [&[(Minute, Minute)]; 7], closed: &[&str]) -> OfficeHours {
        OfficeHours::new(
            TimeZone::get(zone).unwrap(),
            week.map(<[_]>::to_vec),
            closed.iter().map(|d| d.parse().unwrap()).collect(),
        )
    }

    const NINE_TO_SIX: &[(Minute, Minute)] = &[(540, 1080)];
    const CLOSED: &[(Minute, Minute)] = &[];

    fn weekdays_nine_to_six(zone: &str) -> OfficeHours {
        let d = NINE_TO_SIX;
        hours(zone, [d, d, d, d, d, CLOSED, CLOSED], &[])
    }

    #[track_caller]
    fn check(hours: &OfficeHours, now: &str, online: bool, changes_at: Option<&str>) {
        assert_eq!(
            hours.status_at(at(now)),
            Status {
                online,
                changes_at: changes_at.map(at)
            },
            "at {now}"
        );
    }

    #[test]
    fn a_table_of_instants_in_a_zone_without_dst() {
        // Istanbul is UTC+3 all year.
        let h = weekdays_nine_to_six("Europe/Istanbul");
        // Monday 2026-12-07.
        check(
            &h,
            "2026-12-07T05:59:59Z",
            false,
            Some("2026-12-07T06:00:00Z"),
        );
        check(
            &h,
            "2026-12-07T06:00:00Z",
            true,
            Some("2026-12-07T15:00:00Z"),
        );
        check(
            &h,
            "2026-12-07T14:59:59Z",
            true,
            Some("2026-12-07T15:00:00Z"),
        );
        check(
            &h,
            "2026-12-07T15:00:00Z",
            false,
            Some("2026-12-08T06:00:00Z"),
        );
        // Friday evening: back on Monday.
        check(
            &h,
            "2026-12-11T16:00:00Z",
            false,
            Some("2026-12-14T06:00:00Z"),
        );
        // Saturday, and just past midnight local on Monday (Sunday 21:00 UTC).
        check(
            &h,
            "2026-12-12T10:00:00Z",
            false,
            Some("2026-12-14T06:00:00Z"),
        );
        check(
            &h,
            "2026-12-13T21:30:00Z",
            false,
            Some("2026-12-14T06:00:00Z"),
        );
    }

    #[test]
    fn the_hours_hold_in_local_time_across_both_dst_changes() {
        // New York: EST (UTC−5) until 2026-03-08 02:00, EDT (UTC−4) until 2026-11-01 02:00.
        let h = weekdays_nine_to_six("America/New_York");
        // Friday before spring-forward: 09:00 EST is 14:00Z.
        check(
            &h,
            "2026-03-06T13:59:00Z",
            false,
            Some("2026-03-06T14:00:00Z"),
        );
        // From Friday evening the return is Monday 09:00 EDT, 13:00Z: an hour earlier in UTC.
        check(
            &h,
            "2026-03-06T23:30:00Z",
            false,
            Some("2026-03-09T13:00:00Z"),
        );
        check(
            &h,
            "2026-03-09T13:00:00Z",
            true,
            Some("2026-03-09T22:00:00Z"),
        );
        // Fall-back: Friday 18:00 EDT is 22:00Z, Monday 09:00 EST is 14:00Z.
        check(
            &h,
            "2026-10-30T21:59:00Z",
            true,
            Some("2026-10-30T22:00:00Z"),
        );
        check(
            &h,
            "2026-10-31T12:00:00Z",
            false,
            Some("2026-11-02T14:00:00Z"),
        );
    }

    #[test]
    fn a_range_in_the_skipped_hour_starts_when_the_clock_resumes() {
        // Sunday 2026-03-08 in New York: 02:00–03:00 does not exist.
        let early: &[(Minute, Minute)] = &[(150, 300)]; // 02:30–05:00
        let h = hours(
            "America/New_York",
            [CLOSED, CLOSED, CLOSED, CLOSED, CLOSED, CLOSED, early],
            &[],
        );
        // 02:30 becomes 03:30 EDT, 07:30Z; 05:00 EDT is 09:00Z.
        check(
            &h,
            "2026-03-08T06:00:00Z",
            false,
            Some("2026-03-08T07:30:00Z"),
        );
        check(
            &h,
            "2026-03-08T08:00:00Z",
            true,
            Some("2026-03-08T09:00:00Z"),
        );
    }

    #[test]
    fn several_ranges_a_day_and_ranges_that_meet_at_midnight() {
        let split: &[(Minute, Minute)] = &[(540, 720), (780, 1080)];
        let late: &[(Minute, Minute)] = &[(1200, 1440)];
        let early: &[(Minute, Minute)] = &[(0, 120)];
        let h = hours(
            "UTC",
            [split, late, early, CLOSED, CLOSED, CLOSED, CLOSED],
            &[],
        );
        // Monday lunch break.
        check(
            &h,
            "2026-12-07T12:30:00Z",
            false,
            Some("2026-12-07T13:00:00Z"),
        );
        check(
            &h,
            "2026-12-07T13:00:00Z",
            true,
            Some("2026-12-07T18:00:00Z"),
        );
        // Tuesday 20:00 until Wednesday 02:00 is one stretch.
        check(
            &h,
            "2026-12-08T23:00:00Z",
            true,
            Some("2026-12-09T02:00:00Z"),
        );
        check(
            &h,
            "2026-12-09T01:00:00Z",
            true,
            Some("2026-12-09T02:00:00Z"),
        );
        // Then the next Monday.
        check(
            &h,
            "2026-12-09T02:00:00Z",
            false,
            Some("2026-12-14T09:00:00Z"),
        );
    }

    #[test]
    fn closed_dates_are_skipped_and_a_long_closure_has_no_return_time() {
        let h = hours(
            "Europe/Istanbul",
            [
                NINE_TO_SIX,
                NINE_TO_SIX,
                NINE_TO_SIX,
                NINE_TO_SIX,
                NINE_TO_SIX,
                CLOSED,
                CLOSED,
            ],
            &["2026-12-31", "2027-01-01"],
        );
        // Wednesday 2026-12-30 evening: Thursday and Friday are closed, back Monday 2027-01-04.
        check(
            &h,
            "2026-12-30T16:00:00Z",
            false,
            Some("2027-01-04T06:00:00Z"),
        );
        let never = hours("UTC", [CLOSED; 7], &[]);
        check(&never, "2026-12-07T12:00:00Z", false, None);
        let day: &[(Minute, Minute)] = &[(0, 1440)];
        let always = hours("UTC", [day; 7], &[]);
        check(&always, "2026-12-07T12:00:00Z", true, None);
    }
}
