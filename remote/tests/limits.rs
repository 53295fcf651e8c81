//! A server's limits on its peers: a shared token, a deadline to finish a
//! frame, an idle timeout, and `close_namespace`.

use procreg::ManualClock;
use procreg_memory::MemoryRegistry;
use procreg_remote::{
    serve_connection_with, ConnectionEnd, Registries, RemoteOptions, RemoteRegistry, ServeOptions,
    Session, SingleRegistry,
};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

fn registries() -> Arc<dyn Registries> {
    Arc::new(SingleRegistry(Arc::new(MemoryRegistry::new(Arc::new(
        ManualClock::new(0),
    )))))
}

/// Serves one end of a pipe with `options`; returns the other end and how the connection ended.
fn serve(options: ServeOptions) -> (DuplexStream, tokio::task::JoinHandle<ConnectionEnd>) {
    let (client, server) = tokio::io::duplex(1 << 20);
    let registries = registries();
    let end =
        tokio::spawn(async move { serve_connection_with(server, registries, &options).await });
    (client, end)
}

#[tokio::test(start_paused = true)]
async fn a_half_sent_frame_is_closed_at_the_deadline() {
    let (mut client, end) = serve(ServeOptions {
        frame_deadline: Some(Duration::from_secs(5)),
        ..ServeOptions::default()
    });
    client
        .write_all(&(1u32 << 20).to_be_bytes())
        .await
        .expect("prefix");
    client
        .write_all(&[b'{'; 1000])
        .await
        .expect("part of a body");
    let end = end.await.expect("served");
    assert!(
        matches!(&end, ConnectionEnd::TimedOut(why) if why.contains("within 5 s")),
        "{end:?}"
    );
    let mut rest = Vec::new();
    client.read_to_end(&mut rest).await.expect("closed");
}

#[tokio::test(start_paused = true)]
async fn a_silent_connection_is_closed_after_the_idle_timeout() {
    let (_client, end) = serve(ServeOptions {
        idle_timeout: Some(Duration::from_secs(60)),
        ..ServeOptions::default()
    });
    let end = end.await.expect("served");
    assert!(
        matches!(&end, ConnectionEnd::TimedOut(why) if why.contains("idle")),
        "{end:?}"
    );
}

#[tokio::test]
async fn a_server_with_a_token_refuses_hellos_without_it() {
    let options = ServeOptions {
        token: Some("s3cret".into()),
        ..ServeOptions::default()
    };
    let connect = |token: Option<&str>| {
        let options = options.clone();
        let token = token.map(str::to_owned);
        async move {
            let registries = registries();
            let connector = procreg_remote::PipeConnector::serving_with(registries, options);
            let session = Session {
                token,
                ..Session::default()
            };
            RemoteRegistry::connect_session(connector, RemoteOptions::default(), session).await
        }
    };
    for wrong in [None, Some("guess"), Some("s3cret-but-longer"), Some("")] {
        let refused = connect(wrong).await.err().expect("refused");
        assert!(
            refused.message.contains("needs a token"),
            "{wrong:?}: {refused}"
        );
    }
    let remote = connect(Some("s3cret"))
        .await
        .expect("the right token opens");
    assert!(procreg::ProcessRegistry::get_process(&remote, "p")
        .await
        .is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_acknowledged_log_stays_readable_and_the_append_that_would_break_that_is_refused() {
    use procreg::{ErrorKind, ProcessRegistry};
    use procreg_conformance::fixtures::{note, registration};
    let options = ServeOptions {
        log_budget: true,
        ..ServeOptions::default()
    };
    let connector = procreg_remote::PipeConnector::serving_with(registries(), options);
    let remote = RemoteRegistry::connect(connector, RemoteOptions::default())
        .await
        .expect("connects");
    remote
        .register_process(registration("big"))
        .await
        .expect("registered");
    let seven_mib = "x".repeat(7 * 1024 * 1024);
    for _ in 0..4 {
        remote
            .append_event("big", note(serde_json::json!({ "blob": seven_mib })))
            .await
            .expect("an acknowledged 7 MiB append");
    }
    let events = remote
        .events_after("big", 0)
        .await
        .expect("28 MiB in one reply");
    assert_eq!(events.len(), 4, "every acknowledged event comes back");
    let refused = remote
        .append_event("big", note(serde_json::json!({ "blob": seven_mib })))
        .await
        .expect_err("a fifth would pass the log budget");
    assert_eq!(refused.kind, ErrorKind::InvalidPayload, "{refused}");
    assert!(refused.message.contains("nothing was stored"), "{refused}");
    let events = remote.events_after("big", 0).await.expect("still readable");
    assert_eq!(events.len(), 4, "the refused append was not stored");
}
