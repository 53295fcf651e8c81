//! The effect sink: an outside resource that enforces fencing (Kleppmann):
//! a write for a process is accepted only with a fencing token at least the
//! highest it has seen for that process. It keeps every write it was sent.

use crate::clock::SimClock;
use crate::journal::{lock, SharedJournal};
use crate::network::{SINK_HOST, SINK_PORT};
use procreg_remote::frame::{read_frame, write_frame};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One effect write as a worker sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SinkWrite {
    /// The process the effect belongs to.
    pub process_id: String,
    /// The writer (worker incarnation).
    pub owner_id: String,
    /// The fencing token of the writer's lease.
    pub fencing_token: u64,
    /// The script step.
    pub step: u64,
}

/// The sink's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SinkReply {
    /// Whether the write was applied.
    pub accepted: bool,
    /// The highest token the sink had seen for the process before this write.
    pub highest_seen: u64,
}

/// A write the sink received, with its verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SinkRecord {
    /// The write.
    pub write: SinkWrite,
    /// Whether it was applied.
    pub accepted: bool,
    /// Simulated ms when it arrived.
    pub at_ms: u64,
}

/// The sink's state; outlives the sink host like the registry does.
#[derive(Debug, Default)]
pub struct EffectSink {
    highest: BTreeMap<String, u64>,
    /// Every write received, in arrival order.
    pub records: Vec<SinkRecord>,
}

impl EffectSink {
    /// Applies `write` if its token is at least the highest seen for its process.
    pub fn offer(&mut self, write: SinkWrite, at_ms: u64) -> SinkReply {
        let highest_seen = self.highest.get(&write.process_id).copied().unwrap_or(0);
        let accepted = write.fencing_token >= highest_seen;
        if accepted {
            self.highest
                .insert(write.process_id.clone(), write.fencing_token);
        }
        self.records.push(SinkRecord {
            write,
            accepted,
            at_ms,
        });
        SinkReply {
            accepted,
            highest_seen,
        }
    }
}

/// The sink host's software.
pub async fn serve_sink(
    sink: Arc<Mutex<EffectSink>>,
    journal: SharedJournal,
    clock: Arc<SimClock>,
) -> turmoil::Result {
    let listener = turmoil::net::TcpListener::bind(("0.0.0.0", SINK_PORT)).await?;
    loop {
        let (mut stream, _) = listener.accept().await?;
        let sink = sink.clone();
        let journal = journal.clone();
        let clock = clock.clone();
        tokio::task::spawn_local(async move {
            while let Ok(write) = read_frame::<SinkWrite, _>(&mut stream).await {
                let at_ms = clock.elapsed_ms();
                let line = format!(
                    "write {} step {} by {} fence {}",
                    write.process_id, write.step, write.owner_id, write.fencing_token
                );
                let reply = sink
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .offer(write, at_ms);
                {
                    let mut journal = lock(&journal);
                    if reply.accepted {
                        journal.stats.sink_accepted += 1;
                    } else {
                        journal.stats.sink_rejected += 1;
                    }
                    let verdict = if reply.accepted {
                        "accepted"
                    } else {
                        "REJECTED"
                    };
                    journal.note(at_ms, "sink", &format!("{line} -> {verdict}"));
                }
                if write_frame(&mut stream, &reply).await.is_err() {
                    break;
                }
            }
        });
    }
}

/// Sends one write to the sink; `None` when the sink cannot be reached in time.
pub async fn send_to_sink(write: &SinkWrite) -> Option<SinkReply> {
    let exchange = async {
        let mut stream = turmoil::net::TcpStream::connect((SINK_HOST, SINK_PORT))
            .await
            .ok()?;
        write_frame(&mut stream, write).await.ok()?;
        read_frame::<SinkReply, _>(&mut stream).await.ok()
    };
    tokio::time::timeout(Duration::from_millis(150), exchange)
        .await
        .ok()
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(token: u64) -> SinkWrite {
        SinkWrite {
            process_id: "p-00".into(),
            owner_id: "w".into(),
            fencing_token: token,
            step: 0,
        }
    }

    #[test]
    fn the_sink_refuses_tokens_below_the_highest_it_has_seen() {
        let mut sink = EffectSink::default();
        assert!(sink.offer(write(2), 0).accepted);
        assert!(
            sink.offer(write(2), 1).accepted,
            "the same holder writes again"
        );
        assert!(!sink.offer(write(1), 2).accepted, "a zombie's older token");
        assert!(sink.offer(write(3), 3).accepted);
        assert_eq!(sink.records.len(), 4);
    }
}
