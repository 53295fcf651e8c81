//! The serving side: answers request frames on one connection, in order.

use crate::dispatch::RawResult;
use crate::dispatch::{dispatch, hello};
use crate::frame::{decode, read_frame_bytes, write_frame, FrameError};
use crate::protocol::{Call, Outcome, ReplyFrame, RequestFrame, DEFAULT_NAMESPACE};
use crate::registries::{Registries, Served};
use crate::request_id::request_id;
use procreg::RegistryError;
use std::sync::Arc;
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

/// Runs one request on the connection's registry: `hello` (re)binds the
/// connection to a namespace; other calls go to the bound registry (the
/// default namespace's until a hello), after setting its clock to the
/// request's `now_ms` when the client drives time.
async fn answer(
    registries: &dyn Registries,
    bound: &mut Option<(String, Served)>,
    request: RequestFrame,
) -> RawResult {
    if let Call::Hello {
        protocol,
        namespace,
    } = &request.call
    {
        let namespace = namespace
            .clone()
            .unwrap_or_else(|| DEFAULT_NAMESPACE.to_owned());
        let served = registries.open(&namespace).await?;
        let answer = hello(
            *protocol,
            &namespace,
            served.registry.as_ref(),
            served.clock.is_some(),
        )?;
        *bound = Some((namespace, served));
        return Ok(answer);
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
    dispatch(served.registry.as_ref(), request.call).await
}

/// Serves one connection until the peer closes it or breaks the framing.
///
/// Requests are answered one at a time, in order. A frame that is not a
/// valid request gets an error reply and the connection stays usable; a
/// frame too large to read gets an error reply and the connection closes.
/// Never panics on peer input. If the peer disconnects while a call (such
/// as a wait) is running, the call is dropped.
pub async fn serve_connection<S>(stream: S, registries: Arc<dyn Registries>) -> ConnectionEnd
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let (reader, mut writer) = tokio::io::split(stream);
    let mut reader = BufReader::new(reader);
    let mut bound: Option<(String, Served)> = None;
    loop {
        let body = match read_frame_bytes(&mut reader).await {
            Ok(body) => body,
            Err(FrameError::Closed) => return ConnectionEnd::Closed,
            Err(error @ FrameError::TooLarge(_)) => {
                let _ = write_frame(&mut writer, &malformed_reply(&[], &error)).await;
                return ConnectionEnd::Broken(error);
            }
            Err(error) => return ConnectionEnd::Broken(error),
        };
        let reply = match decode::<RequestFrame>(&body) {
            Err(error) => malformed_reply(&body, &error),
            Ok(request) => {
                let id = request.id;
                let may_block = request.call.may_block();
                let call = answer(registries.as_ref(), &mut bound, request);
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
                ReplyFrame {
                    id,
                    outcome: match result {
                        Ok(value) => Outcome::Ok(value),
                        Err(error) => Outcome::Err(error),
                    },
                }
            }
        };
        if let Err(error) = write_frame(&mut writer, &reply).await {
            return ConnectionEnd::Broken(error);
        }
    }
}
