//! The serving side: answers request frames on one connection, in order.

use crate::dispatch::RawResult;
use crate::dispatch::{dispatch, hello};
use crate::frame::{
    decode, read_frame_bytes_limited, write_frame, write_frame_limited, FrameError, MAX_FRAME_BYTES,
};
use crate::known_records::KnownRecords;
use crate::protocol::{Call, Outcome, ReplyFrame, RequestFrame, DEFAULT_NAMESPACE};
use crate::registries::{Registries, Served};
use crate::reply_budget::{refuse_unreadable, MAX_REPLY_BYTES};
use crate::request_id::request_id;
use procreg::RegistryError;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, BufReader};

/// Why a connection ended.
#[derive(Debug)]
pub enum ConnectionEnd {
    /// The peer closed the connection between requests.
    Closed,
    /// The peer went away while a call was running; the call was dropped.
    PeerLeftDuringCall,
    /// The stream failed, or the peer broke the framing (an error frame was sent when possible).
    Broken(FrameError),
    /// The peer sent nothing for the idle timeout, or did not finish a frame
    /// within the frame deadline.
    TimedOut(String),
    /// The peer's hello did not carry the server's token.
    Unauthorized,
}

impl ConnectionEnd {
    /// Why the server ended the connection, when that is worth a log line
    /// (not for a peer that simply closed).
    pub fn refusal(&self) -> Option<String> {
        match self {
            Self::Closed | Self::PeerLeftDuringCall => None,
            Self::Broken(error) => Some(format!("broke the protocol: {error}")),
            Self::TimedOut(what) => Some(what.clone()),
            Self::Unauthorized => Some("sent no valid token".to_owned()),
        }
    }
}

/// How a server treats its peers: the shared token, and how long a peer
/// may keep a connection silent or a frame unfinished.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServeOptions {
    /// When set, a connection must open with a hello carrying this token;
    /// anything else is refused and the connection closed.
    pub token: Option<String>,
    /// A frame begun must be complete within this time; `None`: no deadline.
    pub frame_deadline: Option<Duration>,
    /// A connection silent between frames this long is closed; `None`: never.
    pub idle_timeout: Option<Duration>,
    /// Refuse an append that would grow a process's log past
    /// [`crate::MAX_LOG_BYTES`] (see `reply_budget`); off for in-process
    /// pipes and the simulation, whose traces must hold only the callers' calls.
    pub log_budget: bool,
    /// Offer `known_records` to clients whose hello asks for it (otherwise
    /// hello answers `false` and records go whole). Such a connection holds
    /// the parts of up to [`crate::MAX_KNOWN_REGISTRATIONS`] registrations,
    /// and for a backend that reads records from storage these are copies:
    /// offer it to trusted clients only, such as the simulation's workers.
    pub known_records: bool,
}

/// The largest frame a peer may send before it presented the token.
pub const PRE_AUTH_FRAME_BYTES: u32 = 64 * 1024;

/// Compares a presented token with the server's in time independent of
/// where they differ.
fn same_token(presented: &[u8], expected: &[u8]) -> bool {
    let mut difference = presented.len() ^ expected.len();
    for index in 0..presented.len().max(expected.len()) {
        let (a, b) = (
            presented.get(index).copied().unwrap_or(0),
            expected.get(index).copied().unwrap_or(0),
        );
        difference |= usize::from(a ^ b);
    }
    difference == 0
}

/// Reads the next frame within the options' idle timeout (before its first
/// byte) and frame deadline (for the rest).
async fn read_request<R: AsyncBufReadExt + AsyncRead + Unpin>(
    reader: &mut R,
    options: &ServeOptions,
    limit: u32,
) -> Result<Vec<u8>, ConnectionEnd> {
    if let Some(idle) = options.idle_timeout {
        match tokio::time::timeout(idle, reader.fill_buf()).await {
            Err(_) => {
                return Err(ConnectionEnd::TimedOut(format!(
                    "was idle for {} s",
                    idle.as_secs()
                )))
            }
            Ok(Err(error)) => return Err(ConnectionEnd::Broken(FrameError::Io(error))),
            Ok(Ok(_)) => {}
        }
    }
    let frame = read_frame_bytes_limited(reader, limit);
    let read = match options.frame_deadline {
        Some(deadline) => match tokio::time::timeout(deadline, frame).await {
            Ok(read) => read,
            Err(_) => {
                return Err(ConnectionEnd::TimedOut(format!(
                    "did not finish a frame within {} s",
                    deadline.as_secs()
                )))
            }
        },
        None => frame.await,
    };
    read.map_err(|error| match error {
        FrameError::Closed => ConnectionEnd::Closed,
        other => ConnectionEnd::Broken(other),
    })
}

/// The error frame for a request that could not be read: kind `backend`,
/// a message saying what was wrong, and the request id whenever the
/// top-level `id` can be read (even in a frame nested too deep to parse).
fn malformed_reply(body: &[u8], error: &FrameError) -> ReplyFrame {
    let id = request_id(body).unwrap_or(0);
    ReplyFrame {
        id,
        outcome: Outcome::Err(RegistryError::backend(format!(
            "procreg-remote: bad request: {error}"
        ))),
    }
}

/// What a connection holds between requests: the registry its hello bound
/// it to, and the records it carried when the hello asked for `known_records`.
#[derive(Default)]
struct Connection {
    bound: Option<(String, Served)>,
    known: Option<KnownRecords>,
}

/// Runs one request on the connection's registry: `hello` (re)binds the
/// connection to a namespace and starts its known records afresh; other calls
/// go to the bound registry (the default namespace's until a hello), after
/// setting its clock to the request's `now_ms` when the client drives time.
async fn answer(
    registries: &dyn Registries,
    connection: &mut Connection,
    request: RequestFrame,
    options: &ServeOptions,
) -> RawResult {
    let Connection { bound, known } = connection;
    let known_records = |asked: bool| asked && options.known_records;
    if let Call::Hello {
        protocol,
        namespace,
        known_records: asked,
        ..
    } = &request.call
    {
        let namespace = namespace
            .clone()
            .unwrap_or_else(|| DEFAULT_NAMESPACE.to_owned());
        let served = registries.open(&namespace).await?;
        let tier = served
            .durability
            .unwrap_or_else(|| served.registry.durability_tier());
        let answer = hello(
            *protocol,
            &namespace,
            tier,
            served.clock.is_some(),
            known_records(*asked),
        )?;
        *bound = Some((namespace, served));
        *known = known_records(*asked).then(KnownRecords::default);
        return Ok(answer);
    }
    if let Call::CloseNamespace { namespace } = &request.call {
        return serde_json::value::to_raw_value(&registries.close(namespace).await?).map_err(
            |error| RegistryError::backend(format!("could not encode the result: {error}")),
        );
    }
    if bound.is_none() {
        let served = registries.open(DEFAULT_NAMESPACE).await?;
        *bound = Some((DEFAULT_NAMESPACE.to_owned(), served));
    }
    let Some((_, served)) = bound.as_ref() else {
        return Err(RegistryError::backend("procreg-remote: no registry bound"));
    };
    if let (Some(clock), Some(now_ms)) = (&served.clock, request.now_ms) {
        clock.set(now_ms);
    }
    if let (true, Call::Registry(call)) = (options.log_budget, &request.call) {
        refuse_unreadable(served.registry.as_ref(), call).await?;
    }
    match (known.as_mut(), request.call) {
        (Some(parts), Call::Registry(call)) if KnownRecords::applies_to(&call) => {
            let answer = call.dispatch(served.registry.as_ref()).await?;
            parts.encode(&answer).map_err(|error| {
                // The parts it remembered never reached the client: from
                // here on the connection sends whole records, which are
                // exact whatever the client remembers.
                *known = None;
                RegistryError::backend(format!("could not encode the result: {error}"))
            })
        }
        (_, call) => dispatch(served.registry.as_ref(), call).await,
    }
}

/// Serves one connection until the peer closes it or breaks the framing,
/// with no token and no time limits (a simulated network, a pipe).
pub async fn serve_connection<S>(stream: S, registries: Arc<dyn Registries>) -> ConnectionEnd
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    serve_connection_with(stream, registries, &ServeOptions::default()).await
}

/// Serves one connection until the peer closes it, breaks the framing, or
/// falls foul of `options`.
///
/// Requests are answered one at a time, in order. A frame that is not a
/// valid request gets an error reply and the connection stays usable; a
/// frame too large to read gets an error reply and the connection closes.
/// With a token, the first request must be a hello carrying it; any other
/// first request gets an error reply and the connection closes. Never
/// panics on peer input. If the peer disconnects while a call (such as a
/// wait) is running, the call is dropped.
pub async fn serve_connection_with<S>(
    stream: S,
    registries: Arc<dyn Registries>,
    options: &ServeOptions,
) -> ConnectionEnd
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let (reader, mut writer) = tokio::io::split(stream);
    let mut reader = BufReader::new(reader);
    let mut connection = Connection::default();
    let mut authenticated = options.token.is_none();
    loop {
        // Before the token, a peer may send only a hello: a small frame.
        let limit = if authenticated {
            MAX_FRAME_BYTES
        } else {
            PRE_AUTH_FRAME_BYTES
        };
        let body = match read_request(&mut reader, options, limit).await {
            Ok(body) => body,
            Err(ConnectionEnd::Broken(error @ FrameError::TooLarge(_))) => {
                let _ = write_frame(&mut writer, &malformed_reply(&[], &error)).await;
                return ConnectionEnd::Broken(error);
            }
            Err(end) => return end,
        };
        let reply = match decode::<RequestFrame>(&body) {
            Err(error) if !authenticated => {
                let _ = write_frame(&mut writer, &malformed_reply(&body, &error)).await;
                return ConnectionEnd::Unauthorized;
            }
            Err(error) => malformed_reply(&body, &error),
            Ok(request) if !authenticated => {
                if let Err(refusal) = authenticate(&request, options) {
                    let _ = write_frame(&mut writer, &refusal).await;
                    return ConnectionEnd::Unauthorized;
                }
                authenticated = true;
                let id = request.id;
                let result = answer(registries.as_ref(), &mut connection, request, options).await;
                reply_to(id, result)
            }
            Ok(request) => {
                let id = request.id;
                let may_block = request.call.may_block();
                let call = answer(registries.as_ref(), &mut connection, request, options);
                tokio::pin!(call);
                // Only a wait may outlive its caller: a peer that hangs up
                // during one drops it (WAIT-7). Every other call completes,
                // so a client that half-closes still gets its reply.
                let result = if may_block {
                    tokio::select! {
                        biased;
                        result = &mut call => result,
                        peer = reader.fill_buf() => match peer {
                            // More bytes before the reply: the client
                            // pipelines; finish the call, read them after.
                            Ok(bytes) if !bytes.is_empty() => call.await,
                            _ => return ConnectionEnd::PeerLeftDuringCall,
                        },
                    }
                } else {
                    call.await
                };
                reply_to(id, result)
            }
        };
        if let Err(end) = write_reply(&mut writer, &reply, options).await {
            return end;
        }
    }
}

/// Checks the first request of a token server: a hello carrying the
/// token; the refusal to send otherwise.
fn authenticate(request: &RequestFrame, options: &ServeOptions) -> Result<(), ReplyFrame> {
    let presented = match &request.call {
        Call::Hello { token, .. } => token.as_deref(),
        _ => None,
    };
    let expected = options.token.as_deref().unwrap_or_default();
    if presented.is_some_and(|token| same_token(token.as_bytes(), expected.as_bytes())) {
        return Ok(());
    }
    Err(ReplyFrame {
        id: request.id,
        outcome: Outcome::Err(RegistryError::backend(
            "procreg-remote: this server needs a token: open with a hello carrying it (PROCREG_TOKEN)",
        )),
    })
}

/// The reply frame of request `id`.
fn reply_to(id: u64, result: RawResult) -> ReplyFrame {
    ReplyFrame {
        id,
        outcome: match result {
            Ok(value) => Outcome::Ok(value),
            Err(error) => Outcome::Err(error),
        },
    }
}

/// Writes `reply`, within the frame deadline when there is one.
async fn write_reply<W: AsyncWrite + Unpin>(
    writer: &mut W,
    reply: &ReplyFrame,
    options: &ServeOptions,
) -> Result<(), ConnectionEnd> {
    let written = write_frame_limited(writer, reply, MAX_REPLY_BYTES);
    let written = match options.frame_deadline {
        Some(deadline) => tokio::time::timeout(deadline, written).await.map_err(|_| {
            ConnectionEnd::TimedOut(format!(
                "did not read a reply within {} s",
                deadline.as_secs()
            ))
        })?,
        None => written.await,
    };
    written.map_err(ConnectionEnd::Broken)
}
