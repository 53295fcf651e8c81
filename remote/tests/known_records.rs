//! `known_records` between a real server loop and a real client: a server
//! that offers it sends records without the parts the connection already
//! carried, every hello starts afresh, other methods carry whole records,
//! and the client's answers equal the registry's own; a server that does
//! not offer it answers `false` and sends whole records; a client that is
//! sent a record whose parts never came reports it and closes that connection.

use procreg::{
    ManualClock, ProcessEventAppendRequest, ProcessEventType, ProcessInput, ProcessRegistration,
    ProcessRegistry, ProcessScope,
};
use procreg_memory::MemoryRegistry;
use procreg_remote::frame::{read_frame, write_frame};
use procreg_remote::{
    Connector, PipeConnector, RemoteOptions, RemoteRegistry, ReplyFrame, ServeOptions, Session,
    SingleRegistry,
};
use serde_json::{json, Value};
use std::sync::Arc;

/// A registry holding three running processes.
async fn registry() -> Arc<dyn ProcessRegistry> {
    let registry: Arc<dyn ProcessRegistry> =
        Arc::new(MemoryRegistry::new(Arc::new(ManualClock::new(1_000))));
    for (index, id) in ["a", "b", "c"].into_iter().enumerate() {
        let registration =
            ProcessRegistration::new(id, ProcessInput::external(json!({"index": index})))
                .with_owner_scope(ProcessScope::session("s"))
                .with_extra_event_types(vec![ProcessEventType::new("step")]);
        registry
            .register_process(registration)
            .await
            .expect("registers");
    }
    registry
}

fn server(registry: &Arc<dyn ProcessRegistry>, known_records: bool) -> PipeConnector {
    let options = ServeOptions {
        known_records,
        ..ServeOptions::default()
    };
    PipeConnector::serving_with(Arc::new(SingleRegistry(registry.clone())), options)
}

/// Sends one call on `stream` and returns the reply as JSON.
async fn call<S>(stream: &mut S, id: u64, call: Value) -> Value
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    write_frame(stream, &json!({"id": id, "call": call}))
        .await
        .expect("sent");
    let reply: ReplyFrame = read_frame(stream).await.expect("reply");
    serde_json::to_value(reply).expect("JSON")
}

fn known(reply: &Value) -> Vec<bool> {
    reply["ok"]
        .as_array()
        .expect("records")
        .iter()
        .map(|record| record.get("known").is_some_and(Value::is_u64))
        .collect()
}

#[tokio::test]
async fn a_connection_gets_each_records_parts_once_until_its_next_hello() {
    let registry = registry().await;
    let mut stream = server(&registry, true).connect().await.expect("connects");
    let hello = json!({"method": "hello", "protocol": 1, "known_records": true});
    let sweep = json!({"method": "list_non_terminal"});

    let answer = call(&mut stream, 1, hello.clone()).await;
    assert_eq!(answer["ok"]["known_records"], json!(true));
    assert_eq!(
        known(&call(&mut stream, 2, sweep.clone()).await),
        [false; 3]
    );
    let again = call(&mut stream, 3, sweep.clone()).await;
    assert_eq!(known(&again), [true; 3]);
    assert!(again["ok"][0].get("input").is_none());
    assert!(again["ok"][0].get("id").is_none(), "{again}");

    // Other methods carry whole records.
    let appended = call(
        &mut stream,
        4,
        json!({"method": "set_external_ref", "process_id": "a", "external_ref": {"backend": "e", "id": "1"}}),
    )
    .await;
    assert!(appended["ok"].get("input").is_some(), "{appended}");

    call(&mut stream, 5, hello).await;
    assert_eq!(
        known(&call(&mut stream, 6, sweep).await),
        [false; 3],
        "a hello starts afresh"
    );
}

#[tokio::test]
async fn a_client_asking_for_it_reads_what_the_registry_returns() {
    let registry = registry().await;
    for offered in [true, false] {
        let session = Session {
            known_records: true,
            ..Session::default()
        };
        let remote = RemoteRegistry::connect_session(
            server(&registry, offered),
            RemoteOptions::default(),
            session,
        )
        .await
        .expect("connects");
        for round in 0..3 {
            registry
                .append_event(
                    "b",
                    ProcessEventAppendRequest::new("step", json!({"round": round}))
                        .with_replay_key(format!("b:{offered}:{round}")),
                )
                .await
                .expect("appends");
            let mut theirs = remote.list_non_terminal().await.expect("sweeps");
            let mut ours = registry.list_non_terminal().await.expect("sweeps");
            theirs.sort_by(|x, y| x.id.cmp(&y.id));
            ours.sort_by(|x, y| x.id.cmp(&y.id));
            assert_eq!(theirs, ours, "offered: {offered}, round {round}");
            assert_eq!(
                remote.get_process("b").await,
                registry.get_process("b").await
            );
        }
    }
}

#[tokio::test]
async fn a_server_that_does_not_offer_it_answers_false_and_sends_whole_records() {
    let registry = registry().await;
    let mut stream = server(&registry, false).connect().await.expect("connects");
    let hello = call(
        &mut stream,
        1,
        json!({"method": "hello", "protocol": 1, "known_records": true}),
    )
    .await;
    assert!(hello["ok"].get("known_records").is_none(), "{hello}");
    for id in 2..4 {
        let sweep = call(&mut stream, id, json!({"method": "list_non_terminal"})).await;
        assert_eq!(known(&sweep), [false; 3]);
    }
}

/// A connector to a server that agrees to `known_records` and then answers
/// every sweep with a record marked known that it never sent; counts the
/// connections opened.
#[derive(Clone, Default)]
struct LyingServer {
    opened: Arc<std::sync::atomic::AtomicUsize>,
}

#[async_trait::async_trait]
impl Connector for LyingServer {
    type Stream = tokio::io::DuplexStream;

    async fn connect(&self) -> std::io::Result<Self::Stream> {
        self.opened
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (client, mut server) = tokio::io::duplex(64 * 1024);
        tokio::spawn(async move {
            while let Ok(request) = read_frame::<Value, _>(&mut server).await {
                let ok = if request["call"]["method"] == json!("hello") {
                    json!({"protocol": 1, "namespace": "default", "durability_tier": "inline", "client_clock": false, "known_records": true})
                } else {
                    json!([{"updated_at_ms": 0, "status": {"state": "running"}, "known": 0}])
                };
                let reply = json!({"id": request["id"], "ok": ok});
                if write_frame(&mut server, &reply).await.is_err() {
                    break;
                }
            }
        });
        Ok(client)
    }

    fn describe(&self) -> String {
        "lying://".to_owned()
    }
}

#[tokio::test]
async fn a_record_whose_parts_never_came_is_an_error_and_closes_its_connection() {
    let server = LyingServer::default();
    let session = Session {
        known_records: true,
        ..Session::default()
    };
    let remote = RemoteRegistry::connect_session(server.clone(), RemoteOptions::default(), session)
        .await
        .expect("connects");
    for attempt in 1..=2 {
        let error = remote.list_non_terminal().await.expect_err("refused");
        assert_eq!(error.kind, procreg::ErrorKind::Backend);
        assert!(
            error.message.contains("never numbered that registration"),
            "{error}"
        );
        assert_eq!(
            server.opened.load(std::sync::atomic::Ordering::Relaxed),
            attempt,
            "each call after a refusal opens a new connection (the first reuses the hello's)"
        );
    }
}
