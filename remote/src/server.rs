//! The serving side: answers request frames on one connection, in order.

use crate::dispatch::dispatch;
use crate::frame::{decode, read_frame_bytes, write_frame, FrameError};
use crate::protocol::{Outcome, ReplyFrame, RequestFrame};
use procreg::{ProcessRegistry, RegistryError};
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
/// a message saying what was wrong, and the request id when it could be found.
fn malformed_reply(body: &[u8], error: &FrameError) -> ReplyFrame {
    let id = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|value| value.get("id").and_then(serde_json::Value::as_u64))
        .unwrap_or(0);
    ReplyFrame {
        id,
        outcome: Outcome::Err(RegistryError::backend(format!(
            "procreg-remote: bad request: {error}"
        ))),
    }
}

/// Serves one connection until the peer closes it or breaks the framing.
///
/// Requests are answered one at a time, in order. A frame that is not a
/// valid request gets an error reply and the connection stays usable; a
/// frame too large to read gets an error reply and the connection closes.
/// Never panics on peer input. If the peer disconnects while a call (such
/// as a wait) is running, the call is dropped.
pub async fn serve_connection<S>(stream: S, registry: Arc<dyn ProcessRegistry>) -> ConnectionEnd
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let (reader, mut writer) = tokio::io::split(stream);
    let mut reader = BufReader::new(reader);
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
                let call = dispatch(registry.as_ref(), request.call);
                tokio::pin!(call);
                let result = tokio::select! {
                    biased;
                    result = &mut call => result,
                    peer = reader.fill_buf() => match peer {
                        // More bytes before the reply: the client pipelines;
                        // finish the call and read them afterwards.
                        Ok(bytes) if !bytes.is_empty() => call.await,
                        _ => return ConnectionEnd::PeerLeftDuringCall,
                    },
                };
                ReplyFrame {
                    id: request.id,
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
