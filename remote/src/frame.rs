//! Framing: a 4-byte big-endian length, then that many bytes of UTF-8 JSON.

use serde::{de::DeserializeOwned, Serialize};
use std::fmt;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The largest frame body either side accepts (16 MiB); a longer length
/// prefix is a protocol error, not an allocation.
pub const MAX_FRAME_BYTES: u32 = 16 * 1024 * 1024;

/// Why a frame could not be read or written.
#[derive(Debug)]
pub enum FrameError {
    /// The peer closed the stream cleanly between frames.
    Closed,
    /// The stream failed or closed in the middle of a frame.
    Io(std::io::Error),
    /// The length prefix exceeds [`MAX_FRAME_BYTES`].
    TooLarge(u32),
    /// The body is not the JSON this side expects.
    Malformed(String),
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::Closed => f.write_str("the peer closed the connection"),
            FrameError::Io(error) => write!(f, "connection failed: {error}"),
            FrameError::TooLarge(length) => write!(
                f,
                "frame of {length} bytes exceeds the {MAX_FRAME_BYTES}-byte limit"
            ),
            FrameError::Malformed(detail) => write!(f, "malformed frame: {detail}"),
        }
    }
}

impl std::error::Error for FrameError {}

/// Reads one frame's raw body. A clean end of stream before the first length
/// byte is [`FrameError::Closed`]. The body buffer grows with the bytes that
/// actually arrive (starting at [`INITIAL_BODY_BYTES`]), never with what the
/// length prefix declares, so a peer that declares 16 MiB and stalls holds
/// only what it sent.
pub async fn read_frame_bytes<R: AsyncRead + Unpin>(reader: &mut R) -> Result<Vec<u8>, FrameError> {
    read_frame_bytes_limited(reader, MAX_FRAME_BYTES).await
}

/// [`read_frame_bytes`] with another limit than [`MAX_FRAME_BYTES`] (replies).
pub async fn read_frame_bytes_limited<R: AsyncRead + Unpin>(
    reader: &mut R,
    limit: u32,
) -> Result<Vec<u8>, FrameError> {
    let mut prefix = [0u8; 4];
    let mut filled = 0;
    while filled < prefix.len() {
        let read = reader
            .read(&mut prefix[filled..])
            .await
            .map_err(FrameError::Io)?;
        if read == 0 {
            return Err(if filled == 0 {
                FrameError::Closed
            } else {
                FrameError::Io(std::io::ErrorKind::UnexpectedEof.into())
            });
        }
        filled += read;
    }
    let length = u32::from_be_bytes(prefix);
    if length > limit {
        return Err(FrameError::TooLarge(length));
    }
    let expected = length as usize;
    let mut body = Vec::with_capacity(expected.min(INITIAL_BODY_BYTES));
    (&mut *reader)
        .take(u64::from(length))
        .read_to_end(&mut body)
        .await
        .map_err(FrameError::Io)?;
    if body.len() < expected {
        return Err(FrameError::Io(std::io::ErrorKind::UnexpectedEof.into()));
    }
    Ok(body)
}

/// The body buffer a frame read starts with; it grows as bytes arrive.
pub const INITIAL_BODY_BYTES: usize = 64 * 1024;

/// The buffer a frame write starts with: most requests and replies fit.
const INITIAL_WRITE_BYTES: usize = 512;

/// Decodes a frame body as `T`.
pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, FrameError> {
    serde_json::from_slice(body).map_err(|error| FrameError::Malformed(error.to_string()))
}

/// Reads and decodes one frame.
pub async fn read_frame<T: DeserializeOwned, R: AsyncRead + Unpin>(
    reader: &mut R,
) -> Result<T, FrameError> {
    let body = read_frame_bytes(reader).await?;
    decode(&body)
}

/// Encodes `value` and writes it as one frame, flushing the stream.
pub async fn write_frame<T: Serialize, W: AsyncWrite + Unpin>(
    writer: &mut W,
    value: &T,
) -> Result<(), FrameError> {
    write_frame_limited(writer, value, MAX_FRAME_BYTES).await
}

/// [`write_frame`] with another limit than [`MAX_FRAME_BYTES`] (replies).
pub async fn write_frame_limited<T: Serialize, W: AsyncWrite + Unpin>(
    writer: &mut W,
    value: &T,
    limit: u32,
) -> Result<(), FrameError> {
    // The body is encoded after a placeholder for its length prefix, so the
    // frame is built in one buffer and written with one call.
    let mut bytes = Vec::with_capacity(INITIAL_WRITE_BYTES);
    bytes.extend_from_slice(&[0; 4]);
    serde_json::to_writer(&mut bytes, value)
        .map_err(|error| FrameError::Malformed(error.to_string()))?;
    let length = u32::try_from(bytes.len() - 4)
        .ok()
        .filter(|length| *length <= limit)
        .ok_or(FrameError::TooLarge(u32::MAX))?;
    bytes[..4].copy_from_slice(&length.to_be_bytes());
    writer.write_all(&bytes).await.map_err(FrameError::Io)?;
    writer.flush().await.map_err(FrameError::Io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_frame_round_trips_and_a_clean_end_reads_as_closed() {
        let (mut client, mut server) = tokio::io::duplex(1024);
        write_frame(&mut client, &serde_json::json!({"id": 1}))
            .await
            .expect("written");
        drop(client);
        let value: serde_json::Value = read_frame(&mut server).await.expect("read");
        assert_eq!(value, serde_json::json!({"id": 1}));
        assert!(matches!(
            read_frame::<serde_json::Value, _>(&mut server).await,
            Err(FrameError::Closed)
        ));
    }

    #[tokio::test]
    async fn a_body_cut_short_is_an_io_error_and_a_long_one_arrives_whole() {
        let (mut client, mut server) = tokio::io::duplex(1024);
        client
            .write_all(&MAX_FRAME_BYTES.to_be_bytes())
            .await
            .expect("written");
        client.write_all(b"{\"id\"").await.expect("written");
        drop(client);
        assert!(matches!(
            read_frame_bytes(&mut server).await,
            Err(FrameError::Io(error)) if error.kind() == std::io::ErrorKind::UnexpectedEof
        ));
        let large = "x".repeat(INITIAL_BODY_BYTES * 3);
        let (mut client, mut server) = tokio::io::duplex(1 << 16);
        let writer = tokio::spawn(async move {
            write_frame(&mut client, &large).await.expect("written");
        });
        let body: String = read_frame(&mut server).await.expect("read whole");
        assert_eq!(body.len(), INITIAL_BODY_BYTES * 3);
        writer.await.expect("writer");
    }

    #[tokio::test]
    async fn an_oversized_prefix_is_refused_before_allocating() {
        let (mut client, mut server) = tokio::io::duplex(64);
        client
            .write_all(&u32::MAX.to_be_bytes())
            .await
            .expect("written");
        assert!(matches!(
            read_frame_bytes(&mut server).await,
            Err(FrameError::TooLarge(u32::MAX))
        ));
    }

    #[tokio::test]
    async fn a_stream_cut_inside_a_frame_is_an_io_error() {
        let (mut client, mut server) = tokio::io::duplex(64);
        client
            .write_all(&[0, 0, 0, 9, b'{'])
            .await
            .expect("written");
        drop(client);
        assert!(matches!(
            read_frame_bytes(&mut server).await,
            Err(FrameError::Io(_))
        ));
    }
}
