//! The client side: `RemoteRegistry` is a `ProcessRegistry` (through the
//! contract's `CallHandler`) that sends each call as a request frame and
//! waits, bounded, for its reply.

use crate::frame::{read_frame_bytes_limited, write_frame, FrameError};
use crate::known_records::KnownRecords;
use crate::protocol::{Call, Hello, RequestFrame, PROTOCOL_VERSION};
use crate::reply_budget::MAX_REPLY_BYTES;
use crate::reply_reader::{read_reply, Plain, ReadResult, Reply};
use async_trait::async_trait;
use procreg::{
    CallHandler, CallResult, Clock, DurabilityTier, RegistryCall, RegistryError, RegistryResult,
};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};

/// Opens byte streams to a server: real TCP, a simulated network, a pipe.
#[async_trait]
pub trait Connector: Send + Sync + 'static {
    /// The stream type this connector opens.
    type Stream: AsyncRead + AsyncWrite + Unpin + Send + 'static;

    /// Opens a new connection to the server.
    async fn connect(&self) -> std::io::Result<Self::Stream>;

    /// Where the connector points, for error messages (`tcp://127.0.0.1:7070`).
    fn describe(&self) -> String;
}

/// Time limits of a [`RemoteRegistry`]: every call is bounded, so a dead or
/// silent server gives a `Backend` error, never a hang.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemoteOptions {
    /// Limit for opening a connection.
    pub connect_timeout: Duration,
    /// Limit for one non-blocking call, connection included.
    pub call_timeout: Duration,
    /// Limit for `wait_event_after` and `await_process`, which block on the registry.
    pub wait_timeout: Duration,
    /// Idle connections kept for reuse; more concurrent calls open more connections.
    pub max_idle_connections: usize,
}

impl Default for RemoteOptions {
    /// 5 s to connect, 10 s per call, 60 s per wait, 8 idle connections.
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            call_timeout: Duration::from_secs(10),
            wait_timeout: Duration::from_secs(60),
            max_idle_connections: 8,
        }
    }
}

/// Which registry a [`RemoteRegistry`] addresses and whose time it reads.
#[derive(Clone, Default)]
pub struct Session {
    /// The namespace named in every connection's hello; `None` is the server's default.
    pub namespace: Option<String>,
    /// When set, every request carries this clock's reading, and a server
    /// that lets clients drive time makes the registry read it.
    pub clock: Option<Arc<dyn Clock>>,
    /// The server's shared token, sent in every hello (`PROCREG_TOKEN`).
    pub token: Option<String>,
    /// Ask, in every hello, for records without the parts (input, event
    /// types, provenance) the connection already carried; the client
    /// restores them, so answers are the same, in fewer bytes. For clients
    /// that sweep often, such as the simulation's workers. A server that
    /// does not offer it sends whole records; a server older than the
    /// option refuses the hello, so ask only servers known to offer it.
    pub known_records: bool,
}

/// A `ProcessRegistry` served by another process or host, reached through
/// a [`Connector`]. Registry errors arrive with their kind unchanged;
/// transport failures and timeouts are `Backend` errors naming the server
/// and the method. `get_process` has no error channel: a failed call reads
/// as `None`.
pub struct RemoteRegistry<C: Connector> {
    connector: C,
    options: RemoteOptions,
    session: Session,
    tier: DurabilityTier,
    client_clock: bool,
    idle: Mutex<Vec<(Connection<C::Stream>, tokio::time::Instant)>>,
    next_id: AtomicU64,
}

/// One open connection: its stream, and its memory of the records it carried when
/// its hello agreed to `known_records`.
struct Connection<S> {
    stream: S,
    known: Option<KnownRecords>,
}

/// A pooled connection idle longer than this is closed rather than reused:
/// well under a server's idle timeout, so a call never meets a connection
/// the server has already closed.
pub const MAX_IDLE_REUSE: Duration = Duration::from_secs(60);

impl<C: Connector> RemoteRegistry<C> {
    /// Connects and shakes hands (`hello`): fails with `Backend` when the
    /// server is unreachable or silent, `Unsupported` when it speaks another
    /// protocol revision.
    pub async fn connect(connector: C, options: RemoteOptions) -> RegistryResult<Self> {
        Self::connect_session(connector, options, Session::default()).await
    }

    /// [`connect`](Self::connect) addressing `session`'s namespace and clock.
    pub async fn connect_session(
        connector: C,
        options: RemoteOptions,
        session: Session,
    ) -> RegistryResult<Self> {
        let mut registry = Self {
            connector,
            options,
            session,
            tier: DurabilityTier::Inline,
            client_clock: false,
            idle: Mutex::new(Vec::new()),
            next_id: AtomicU64::new(1),
        };
        let limit = registry.options.call_timeout;
        let (connection, hello) = match tokio::time::timeout(limit, registry.open_new("hello"))
            .await
        {
            Ok(opened) => opened?,
            Err(_) => {
                return Err(registry
                    .transport_error("hello", format!("no reply within {} ms", limit.as_millis())))
            }
        };
        registry.tier = hello.durability_tier;
        registry.client_clock = hello.client_clock;
        registry.put_idle(connection);
        Ok(registry)
    }

    /// Whether the served registry reads this client's clock.
    pub fn client_clock(&self) -> bool {
        self.client_clock
    }

    /// Where this registry's server is.
    pub fn server(&self) -> String {
        self.connector.describe()
    }

    fn take_idle(&self) -> Option<Connection<C::Stream>> {
        let mut idle = self
            .idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        while let Some((connection, since)) = idle.pop() {
            if since.elapsed() < MAX_IDLE_REUSE {
                return Some(connection);
            }
        }
        None
    }

    fn put_idle(&self, connection: Connection<C::Stream>) {
        let mut idle = self
            .idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if idle.len() < self.options.max_idle_connections {
            idle.push((connection, tokio::time::Instant::now()));
        }
    }

    fn transport_error(&self, method: &str, detail: impl std::fmt::Display) -> RegistryError {
        RegistryError::backend(format!(
            "procreg-remote: {method} on {}: {detail}",
            self.connector.describe()
        ))
    }

    /// A new connection, bound to the session's namespace by a hello.
    async fn open_new(&self, method: &str) -> RegistryResult<(Connection<C::Stream>, Hello)> {
        let mut stream = match tokio::time::timeout(
            self.options.connect_timeout,
            self.connector.connect(),
        )
        .await
        {
            Ok(Ok(stream)) => stream,
            Ok(Err(error)) => {
                return Err(self.transport_error(method, format!("cannot connect: {error}")))
            }
            Err(_) => {
                return Err(self.transport_error(
                    method,
                    format!(
                        "no connection within {} ms",
                        self.options.connect_timeout.as_millis()
                    ),
                ))
            }
        };
        let request = RequestFrame {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            now_ms: None,
            call: Call::Hello {
                protocol: PROTOCOL_VERSION,
                namespace: self.session.namespace.clone(),
                token: self.session.token.clone(),
                known_records: self.session.known_records,
            },
        };
        let reply = self
            .exchange(&mut stream, &request, Plain::<Hello>::new(), None)
            .await
            .map_err(|error| self.transport_error("hello", error))?;
        // A server that refuses the connection (too many, no token) answers id 0.
        if let (0, Err(error)) = (reply.id, &reply.outcome) {
            return Err(error.clone());
        }
        if reply.id != request.id {
            return Err(self.transport_error(
                "hello",
                format!(
                    "reply id {} does not answer request {}",
                    reply.id, request.id
                ),
            ));
        }
        let hello = reply.outcome?;
        let known = (self.session.known_records && hello.known_records).then(KnownRecords::default);
        Ok((Connection { stream, known }, hello))
    }

    async fn open(&self, method: &str) -> RegistryResult<Connection<C::Stream>> {
        match self.take_idle() {
            Some(connection) => Ok(connection),
            None => Ok(self.open_new(method).await?.0),
        }
    }

    /// Sends `request` and reads its reply, the result with `reader`.
    async fn exchange<R: ReadResult>(
        &self,
        stream: &mut C::Stream,
        request: &RequestFrame,
        reader: R,
        known: Option<&mut KnownRecords>,
    ) -> Result<Reply<R::Output>, FrameError> {
        write_frame(stream, request).await?;
        let body = read_frame_bytes_limited(stream, MAX_REPLY_BYTES).await?;
        read_reply(&body, reader, known)
    }

    /// Frees `namespace` on the server (`close_namespace`); `true` when it existed.
    pub async fn close_namespace(&self, namespace: &str) -> RegistryResult<bool> {
        let method = "close_namespace";
        let request = RequestFrame {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            now_ms: None,
            call: Call::CloseNamespace {
                namespace: namespace.to_owned(),
            },
        };
        self.send(
            method,
            &request,
            self.options.call_timeout,
            Plain::<bool>::new(),
        )
        .await
    }

    /// Sends `call` and decodes its result as the answer the method returns.
    async fn call(&self, call: RegistryCall) -> CallResult {
        let method = call.method();
        let limit = if call.may_block() {
            self.options.wait_timeout
        } else {
            self.options.call_timeout
        };
        let now_ms = match (&self.session.clock, self.client_clock) {
            (Some(clock), true) => Some(clock.now_ms()),
            _ => None,
        };
        let request = RequestFrame {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            now_ms,
            call: Call::Registry(call),
        };
        let Call::Registry(call) = &request.call else {
            return Err(self.transport_error(method, "not a registry call"));
        };
        self.send(method, &request, limit, call).await
    }

    /// Sends `request` on a pooled or new connection and reads its result
    /// with `reader`; a reply to another id, a transport failure, a result
    /// `reader` refuses, or no reply within `limit` is a `Backend` error
    /// naming `method`. A connection whose reply could not be read is closed.
    async fn send<R: ReadResult>(
        &self,
        method: &str,
        request: &RequestFrame,
        limit: Duration,
        reader: R,
    ) -> RegistryResult<R::Output> {
        let attempt = async {
            let mut connection = self.open(method).await?;
            let Connection { stream, known } = &mut connection;
            let reply = self
                .exchange(stream, request, reader, known.as_mut())
                .await
                .map_err(|error| self.transport_error(method, error))?;
            if reply.id != request.id {
                return Err(self.transport_error(
                    method,
                    format!(
                        "reply id {} does not answer request {}",
                        reply.id, request.id
                    ),
                ));
            }
            self.put_idle(connection);
            reply.outcome
        };
        match tokio::time::timeout(limit, attempt).await {
            Ok(result) => result,
            Err(_) => {
                Err(self
                    .transport_error(method, format!("no reply within {} ms", limit.as_millis())))
            }
        }
    }
}

#[async_trait]
impl<C: Connector> CallHandler for RemoteRegistry<C> {
    fn durability_tier(&self) -> DurabilityTier {
        self.tier
    }

    async fn handle(&self, call: RegistryCall) -> CallResult {
        self.call(call).await
    }
}
