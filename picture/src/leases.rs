//! Leases as bars: each grant runs until its release, its expiry, a
//! takeover by a higher fence, or the moment its holder learns it lost it.
//! A renewal the registry accepted after the lease had ended starts a bar
//! of its own, marked revived: that is the bug a stale renewal is.

use procreg_sim::{LeaseChange, LeaseEvent};

/// How a bar ended, which is how it is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BarKind {
    /// Granted and ended normally (released or expired, or still held).
    Held,
    /// Ended early: another owner was granted a higher fence while it was live.
    TakenOver,
    /// Its holder's renewal was refused: it learned it lost the lease.
    Lost,
    /// Renewed by the registry after it had ended (expired or taken over).
    Revived,
}

impl BarKind {
    /// The CSS class of the bar.
    pub fn class(self) -> &'static str {
        match self {
            BarKind::Held => "lease",
            BarKind::TakenOver => "lease-taken-over",
            BarKind::Lost => "lease-lost",
            BarKind::Revived => "lease-revived",
        }
    }
}

/// One lease held over a span of simulated time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseBar {
    /// The leased process.
    pub process_id: String,
    /// The holder.
    pub owner_id: String,
    /// Its fencing token.
    pub fencing_token: u64,
    /// Simulated ms it began (the grant, or the revival).
    pub from_ms: u64,
    /// Simulated ms it ended.
    pub to_ms: u64,
    /// Its last known expiry.
    pub until_ms: Option<u64>,
    /// Renewals accepted while it was live.
    pub renewals: u32,
    /// How it is drawn.
    pub kind: BarKind,
    /// How it began, in words.
    pub began: String,
    /// Why it ended, in words.
    pub ended: String,
}

/// A bar while the changes are read: `to_ms` is set once it ends.
struct Open {
    bar: LeaseBar,
    done: bool,
}

impl Open {
    fn new(change: &LeaseChange, kind: BarKind) -> Self {
        Self {
            bar: LeaseBar {
                process_id: change.process_id.clone(),
                owner_id: change.owner_id.clone(),
                fencing_token: change.fencing_token,
                from_ms: change.at_ms,
                to_ms: change.at_ms,
                until_ms: change.until_ms,
                renewals: 0,
                kind,
                began: "granted".to_owned(),
                ended: String::new(),
            },
            done: false,
        }
    }

    fn end(&mut self, at_ms: u64, kind: Option<BarKind>, why: String) {
        self.bar.to_ms = at_ms.max(self.bar.from_ms);
        if let Some(kind) = kind {
            self.bar.kind = kind;
        }
        self.bar.ended = why;
        self.done = true;
    }

    fn live_at(&self, at_ms: u64) -> bool {
        !self.done && self.bar.until_ms.is_none_or(|until| until > at_ms)
    }

    /// Ends an expired bar at its expiry.
    fn expire(&mut self) {
        if !self.done {
            let until = self.bar.until_ms.unwrap_or(self.bar.from_ms);
            self.end(until, None, "expired".to_owned());
        }
    }

    fn is(&self, change: &LeaseChange) -> bool {
        self.bar.process_id == change.process_id
            && self.bar.owner_id == change.owner_id
            && self.bar.fencing_token == change.fencing_token
    }
}

/// The bars `changes` (in the order the registry answered) describe, for a
/// run that ended at `end_ms`.
pub fn lease_bars(changes: &[LeaseChange], end_ms: u64) -> Vec<LeaseBar> {
    let mut open: Vec<Open> = Vec::new();
    for change in changes {
        let at = change.at_ms;
        match change.event {
            LeaseEvent::Granted => {
                for earlier in open
                    .iter_mut()
                    .filter(|bar| !bar.done && bar.bar.process_id == change.process_id)
                {
                    if earlier.live_at(at) {
                        let why = format!("taken over by fence {}", change.fencing_token);
                        earlier.end(at, Some(BarKind::TakenOver), why);
                    } else {
                        earlier.expire();
                    }
                }
                open.push(Open::new(change, BarKind::Held));
            }
            LeaseEvent::Renewed => match open.iter_mut().rev().find(|bar| bar.is(change)) {
                Some(bar) if bar.live_at(at) => {
                    bar.bar.until_ms = change.until_ms;
                    bar.bar.renewals += 1;
                }
                found => {
                    let before = match found {
                        Some(bar) => {
                            bar.expire();
                            format!("it had ended at {} ms ({})", bar.bar.to_ms, bar.bar.ended)
                        }
                        None => "no grant of it was seen".to_owned(),
                    };
                    let mut revived = Open::new(change, BarKind::Revived);
                    revived.bar.began = format!("renewed at {at} ms although {before}");
                    open.push(revived);
                }
            },
            LeaseEvent::Lost | LeaseEvent::Released => {
                if let Some(bar) = open.iter_mut().rev().find(|bar| bar.is(change)) {
                    if bar.done {
                        continue;
                    }
                    if change.event == LeaseEvent::Released {
                        bar.end(at, None, "released".to_owned());
                    } else {
                        let lost_at = bar.bar.until_ms.map_or(at, |until| until.min(at));
                        let why = format!("lost: a renewal at {at} ms was refused");
                        bar.end(lost_at, Some(BarKind::Lost), why);
                    }
                }
            }
        }
    }
    open.into_iter()
        .map(|mut bar| {
            if !bar.done {
                match bar.bar.until_ms {
                    Some(until) if until <= end_ms => bar.expire(),
                    _ => bar.end(end_ms, None, "still held at the end".to_owned()),
                }
            }
            bar.bar
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{lease_bars, BarKind};
    use procreg_sim::{LeaseChange, LeaseEvent};

    fn change(at_ms: u64, event: LeaseEvent, owner: &str, fence: u64, until: u64) -> LeaseChange {
        LeaseChange {
            at_ms,
            event,
            process_id: "p".to_owned(),
            owner_id: owner.to_owned(),
            fencing_token: fence,
            until_ms: Some(until),
        }
    }

    #[test]
    fn a_takeover_while_live_cuts_the_bar_and_an_expired_one_ends_at_its_expiry() {
        let bars = lease_bars(
            &[
                change(0, LeaseEvent::Granted, "a", 1, 300),
                change(100, LeaseEvent::Granted, "b", 2, 400),
                change(500, LeaseEvent::Granted, "c", 3, 800),
            ],
            1_000,
        );
        let ends: Vec<(u64, BarKind)> = bars.iter().map(|bar| (bar.to_ms, bar.kind)).collect();
        assert_eq!(
            ends,
            [
                (100, BarKind::TakenOver),
                (400, BarKind::Held),
                (800, BarKind::Held)
            ]
        );
    }

    #[test]
    fn a_stale_renewal_after_a_takeover_is_drawn_as_a_revived_bar_of_its_own() {
        let bars = lease_bars(
            &[
                change(0, LeaseEvent::Granted, "a", 1, 300),
                change(200, LeaseEvent::Renewed, "a", 1, 500),
                change(600, LeaseEvent::Granted, "b", 2, 900),
                change(600, LeaseEvent::Renewed, "a", 1, 900),
            ],
            900,
        );
        assert_eq!(bars.len(), 3, "{bars:?}");
        assert_eq!(
            (bars[0].to_ms, bars[0].renewals),
            (500, 1),
            "expired at 500"
        );
        assert_eq!(bars[2].owner_id, "a");
        assert_eq!(bars[2].kind, BarKind::Revived);
        assert!(bars[2].began.contains("it had ended at 500 ms (expired)"));
    }

    #[test]
    fn release_and_refused_renewals_end_bars() {
        let bars = lease_bars(
            &[
                change(0, LeaseEvent::Granted, "a", 1, 300),
                change(100, LeaseEvent::Released, "a", 1, 300),
                change(200, LeaseEvent::Granted, "b", 2, 500),
                change(400, LeaseEvent::Lost, "b", 2, 500),
            ],
            1_000,
        );
        assert_eq!((bars[0].to_ms, bars[0].kind), (100, BarKind::Held));
        assert_eq!(bars[0].ended, "released");
        assert_eq!((bars[1].to_ms, bars[1].kind), (400, BarKind::Lost));
    }
}
