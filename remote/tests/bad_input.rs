//! Bad peers on either side: the server answers garbage with an error frame
//! and never panics; the client turns silence, garbage and refusals into
//! bounded `Backend` errors.

use procreg::{ErrorKind, ManualClock, ProcessInput, ProcessRegistration, ProcessRegistry};
use procreg_memory::MemoryRegistry;
use procreg_remote::frame::{read_frame, write_frame};
use procreg_remote::{
    serve_connection, serve_tcp, ConnectionEnd, RemoteOptions, RemoteRegistry, ReplyFrame,
    SingleRegistry, TcpConnector,
};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

fn memory() -> Arc<dyn ProcessRegistry> {
    Arc::new(MemoryRegistry::new(Arc::new(ManualClock::new(1_000))))
}

async fn served_address() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address").to_string();
    tokio::spawn(serve_tcp(listener, Arc::new(SingleRegistry(memory()))));
    address
}

fn short() -> RemoteOptions {
    RemoteOptions {
        connect_timeout: Duration::from_millis(500),
        call_timeout: Duration::from_millis(300),
        wait_timeout: Duration::from_millis(300),
        max_idle_connections: 2,
    }
}

async fn send_raw(stream: &mut TcpStream, body: &[u8]) {
    let length = u32::try_from(body.len()).expect("small");
    stream
        .write_all(&length.to_be_bytes())
        .await
        .expect("write");
    stream.write_all(body).await.expect("write");
}

#[tokio::test]
async fn garbage_gets_an_error_frame_and_the_connection_stays_usable() {
    let address = served_address().await;
    let mut stream = TcpStream::connect(&address).await.expect("connect");

    send_raw(&mut stream, b"this is not json").await;
    let reply: ReplyFrame = read_frame(&mut stream).await.expect("error frame");
    let reply = serde_json::to_value(reply).expect("json");
    assert_eq!(reply["id"], json!(0));
    assert_eq!(reply["err"]["kind"], json!("backend"));
    assert!(reply["err"]["message"]
        .as_str()
        .expect("message")
        .contains("bad request"));

    send_raw(
        &mut stream,
        br#"{"id": 9, "call": {"method": "drop_tables"}}"#,
    )
    .await;
    let reply: Value = read_frame(&mut stream).await.expect("error frame");
    assert_eq!(
        reply["id"],
        json!(9),
        "the id is echoed when it can be read"
    );
    assert!(reply["err"]["message"]
        .as_str()
        .expect("message")
        .contains("drop_tables"));

    let too_deep = format!(
        r#"{{"call": {{"method": "get_process", "process_id": {}1{}}}, "id": 11}}"#,
        "[".repeat(500),
        "]".repeat(500)
    );
    send_raw(&mut stream, too_deep.as_bytes()).await;
    let reply: Value = read_frame(&mut stream).await.expect("error frame");
    assert_eq!(
        reply["id"],
        json!(11),
        "a frame too deep to parse keeps its id"
    );
    assert_eq!(reply["err"]["kind"], json!("backend"));

    send_raw(
        &mut stream,
        br#"{"id": 12, "call": {"method": "list_non_terminal"}, "priority": 1}"#,
    )
    .await;
    let reply: Value = read_frame(&mut stream).await.expect("error frame");
    assert_eq!(reply["id"], json!(12));
    assert!(
        reply["err"]["message"]
            .as_str()
            .expect("message")
            .contains("priority"),
        "an unknown frame field is refused: {reply}"
    );

    write_frame(
        &mut stream,
        &json!({"id": 10, "call": {"method": "hello", "protocol": 1}}),
    )
    .await
    .expect("write");
    let reply: Value = read_frame(&mut stream).await.expect("hello reply");
    assert_eq!(
        reply,
        json!({"id": 10, "ok": {"protocol": 1, "namespace": "default", "durability_tier": "inline", "client_clock": false}})
    );
}

#[tokio::test]
async fn a_wrong_protocol_revision_is_unsupported() {
    let address = served_address().await;
    let mut stream = TcpStream::connect(&address).await.expect("connect");
    write_frame(
        &mut stream,
        &json!({"id": 1, "call": {"method": "hello", "protocol": 99}}),
    )
    .await
    .expect("write");
    let reply: Value = read_frame(&mut stream).await.expect("reply");
    assert_eq!(reply["err"]["kind"], json!("unsupported"));
}

#[tokio::test]
async fn an_oversized_frame_is_answered_then_the_connection_closes() {
    let address = served_address().await;
    let mut stream = TcpStream::connect(&address).await.expect("connect");
    stream
        .write_all(&u32::MAX.to_be_bytes())
        .await
        .expect("write");
    let reply: Value = read_frame(&mut stream).await.expect("error frame");
    assert!(reply["err"]["message"]
        .as_str()
        .expect("message")
        .contains("exceeds"));
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut rest))
        .await
        .expect("the server closes the connection");
    assert_eq!(read.expect("clean close"), 0);
}

#[tokio::test]
async fn a_peer_leaving_during_a_wait_ends_the_connection() {
    let (mut client, server) = tokio::io::duplex(1024);
    let serving = tokio::spawn(serve_connection(server, Arc::new(SingleRegistry(memory()))));
    let registration = ProcessRegistration::new("p", ProcessInput::external(json!(null)));
    let registration =
        json!({"id": 1, "call": {"method": "register_process", "registration": registration}});
    write_frame(&mut client, &registration)
        .await
        .expect("write");
    let reply: Value = read_frame(&mut client).await.expect("registered");
    assert!(reply.get("ok").is_some(), "{reply}");
    write_frame(
        &mut client,
        &json!({"id": 2, "call": {"method": "await_process", "process_id": "p"}}),
    )
    .await
    .expect("write");
    drop(client);
    let end = tokio::time::timeout(Duration::from_secs(5), serving)
        .await
        .expect("the server notices")
        .expect("no panic");
    assert!(matches!(end, ConnectionEnd::PeerLeftDuringCall), "{end:?}");
}

#[tokio::test]
async fn a_silent_server_gives_a_bounded_backend_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address").to_string();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let error = RemoteRegistry::connect(TcpConnector::new(&address), short())
        .await
        .err()
        .expect("no hello from a silent server");
    assert_eq!(error.kind, ErrorKind::Backend);
    assert!(error.message.contains("no reply within 300 ms"), "{error}");
    assert!(error.message.contains(&address), "{error}");
}

#[tokio::test]
async fn a_server_speaking_garbage_gives_a_backend_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address").to_string();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let _ = stream.write_all(b"\x00\x00\x00\x05hello").await;
        }
    });
    let error = RemoteRegistry::connect(TcpConnector::new(&address), short())
        .await
        .err()
        .expect("garbage is not a hello");
    assert_eq!(error.kind, ErrorKind::Backend);
    assert!(error.message.contains("malformed frame"), "{error}");
}

#[tokio::test]
async fn a_refused_connection_gives_a_backend_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address").to_string();
    drop(listener);
    let error = RemoteRegistry::connect(TcpConnector::new(&address), short())
        .await
        .err()
        .expect("nobody listens");
    assert_eq!(error.kind, ErrorKind::Backend);
    assert!(error.message.contains("cannot connect"), "{error}");
}

#[tokio::test]
async fn calls_over_tcp_keep_their_error_kinds() {
    let address = served_address().await;
    let remote = RemoteRegistry::connect(TcpConnector::new(&address), short())
        .await
        .expect("connected");
    let error = remote
        .claim_process_lease("ghost", "w", 100)
        .await
        .expect_err("unknown process");
    assert_eq!(error.kind, ErrorKind::NotFound);
    assert!(remote.get_process("ghost").await.is_none());
    assert!(remote.list_non_terminal().await.expect("listed").is_empty());
}

#[tokio::test]
async fn a_client_that_half_closes_after_its_request_still_gets_the_reply() {
    let address = served_address().await;
    let mut stream = TcpStream::connect(&address).await.expect("connect");
    write_frame(
        &mut stream,
        &json!({"id": 5, "call": {"method": "list_non_terminal"}}),
    )
    .await
    .expect("write");
    stream.shutdown().await.expect("half-close");
    let reply: Value = tokio::time::timeout(Duration::from_secs(5), read_frame(&mut stream))
        .await
        .expect("a reply, not a hang")
        .expect("a reply frame");
    assert_eq!(reply, json!({"id": 5, "ok": []}));
}
