//! The server's stdio: JSON-RPC messages framed by `Content-Length` headers.
//!
//! lsp-server's own stdio transport (`Connection::stdio`) sizes its buffer by the header before
//! reading the body, so `Content-Length: 99999999999999` aborted the process on allocation; and
//! it ends its reader on a body that is not a JSON-RPC message, which the server then took for
//! the client going away: exit 0, nothing said. Here the reader answers a body that is not JSON
//! with a `ParseError` (-32700) and one that is not a message with an `InvalidRequest` (-32600),
//! as JSON-RPC 2.0 asks, and goes on with the next frame. A frame it cannot find the end of (a
//! broken header, a length over [`MAX_FRAME`], a stream that stops inside a frame) leaves no way
//! to find the next one: the reader stops and says why, and `cloudpact lsp` exits 2.

use std::io::{self, BufRead, Read, Write};
use std::sync::{Arc, Mutex, PoisonError};

use lsp_server::{Connection, Message};
use serde_json::{Value, json};

/// The largest frame body read: far above any document an editor sends (the whole text of a
/// file on `didOpen`), far below what would exhaust memory.
pub(crate) const MAX_FRAME: u64 = 64 << 20;

/// The longest header line read: headers are a name and a number.
const MAX_HEADER_LINE: u64 = 1024;

/// What a frame's body was.
#[derive(Debug)]
pub enum Body {
    Message(Message),
    /// Not a JSON-RPC message: the error response it gets.
    Refused(Value),
}

/// The next frame's body, `None` at the end of the stream between frames, or why the stream
/// cannot be read on.
pub(crate) fn read_frame(r: &mut impl BufRead) -> Result<Option<Vec<u8>>, String> {
    let mut length: Option<u64> = None;
    let mut first = true;
    loop {
        let mut line = Vec::new();
        r.by_ref()
            .take(MAX_HEADER_LINE)
            .read_until(b'\n', &mut line)
            .map_err(|e| format!("cannot read a frame header: {e}"))?;
        if line.is_empty() {
            return if first {
                Ok(None)
            } else {
                Err("the stream ended inside a frame header".into())
            };
        }
        first = false;
        let Some(line) = line.strip_suffix(b"\n") else {
            return Err(if line.len() as u64 >= MAX_HEADER_LINE {
                format!("a frame header line is longer than {MAX_HEADER_LINE} bytes")
            } else {
                "the stream ended inside a frame header".into()
            });
        };
        // The protocol ends header lines with CRLF; a bare LF is taken too.
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            break;
        }
        let line = String::from_utf8_lossy(line);
        let Some((name, value)) = line.split_once(':') else {
            return Err(format!("malformed frame header {:?}", truncated(&line)));
        };
        if name.trim().eq_ignore_ascii_case("Content-Length") {
            let value = value.trim();
            let n: u64 = value.parse().map_err(|_| {
                format!("Content-Length {:?} is not a byte count", truncated(value))
            })?;
            if n > MAX_FRAME {
                return Err(format!(
                    "a frame of {n} bytes is over the limit of {MAX_FRAME} bytes (64 MiB)"
                ));
            }
            length = Some(n);
        }
    }
    let length = length.ok_or("a frame header has no Content-Length")?;
    // Read what arrives rather than allocate what the header claims.
    let mut body = Vec::new();
    r.by_ref()
        .take(length)
        .read_to_end(&mut body)
        .map_err(|e| format!("cannot read a frame body: {e}"))?;
    if (body.len() as u64) < length {
        return Err(format!(
            "the stream ended inside a frame body ({} of {length} bytes)",
            body.len()
        ));
    }
    Ok(Some(body))
}

/// Every frame of `input` as the server's reader takes them: each body as a message or its
/// error response, and last, if the stream broke, why. The fuzz target
/// `fuzz/fuzz_targets/lsp_frames.rs` feeds it arbitrary bytes.
pub fn read_stream(input: &[u8]) -> (Vec<Body>, Option<String>) {
    let mut r = io::Cursor::new(input);
    let mut bodies = Vec::new();
    loop {
        match read_frame(&mut r) {
            Ok(Some(body)) => bodies.push(parse(&body)),
            Ok(None) => return (bodies, None),
            Err(why) => return (bodies, Some(why)),
        }
    }
}

/// At most 80 chars of a header, for a message about it.
fn truncated(s: &str) -> String {
    s.chars().take(80).collect()
}

/// A frame's body as a message, or the error response JSON-RPC 2.0 gives for it.
pub(crate) fn parse(body: &[u8]) -> Body {
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => return refusal(-32700, format!("Parse error: {e}"), Value::Null),
    };
    // lsp-server's `Message` takes any object with an `id` for a response, even a request
    // whose `method` is not a string: only what has the shape of a call or of an answer is
    // handed to it.
    let call = value.get("method").is_some_and(Value::is_string);
    let answer = value.get("method").is_none()
        && (value.get("result").is_some() || value.get("error").is_some());
    // The request's id if it has a valid one, so the client can match the answer.
    let id = value
        .get("id")
        .filter(|id| id.is_i64() || id.is_string())
        .cloned()
        .unwrap_or(Value::Null);
    if (call || answer)
        && let Ok(msg) = serde_json::from_value::<Message>(value)
    {
        return Body::Message(msg);
    }
    refusal(
        -32600,
        "Invalid Request: not a JSON-RPC request, notification or response".into(),
        id,
    )
}

fn refusal(code: i64, message: String, id: Value) -> Body {
    Body::Refused(json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": { "code": code, "message": message },
    }))
}

/// Writes one frame and flushes it.
fn write_frame(out: &mut impl Write, body: &str) -> io::Result<()> {
    write!(out, "Content-Length: {}\r\n\r\n{body}", body.len())?;
    out.flush()
}

/// Why the reader stopped, if the stream broke.
#[derive(Debug, Clone, Default)]
pub struct Failure(Arc<Mutex<Option<String>>>);

impl Failure {
    fn set(&self, why: String) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(why);
    }

    pub(crate) fn get(&self) -> Option<String> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// A connection over stdin and stdout, and where the reader tells why it stopped. The reader
/// and writer threads are not joined: the process ending is what ends them.
pub(crate) fn stdio() -> (Connection, Failure) {
    let (server, client) = Connection::memory();
    let Connection {
        sender: to_server,
        receiver: from_server,
    } = client;
    let failure = Failure::default();
    let stopped = failure.clone();
    std::thread::Builder::new()
        .name("cloudpact-lsp-reader".into())
        .spawn(move || {
            let mut stdin = io::stdin().lock();
            loop {
                let body = match read_frame(&mut stdin) {
                    Ok(Some(body)) => body,
                    Ok(None) => break,
                    Err(why) => {
                        // Set before the sender is dropped: the server sees the channel close
                        // after this, and `run` reads it then.
                        stopped.set(why);
                        break;
                    }
                };
                match parse(&body) {
                    Body::Message(msg) => {
                        let exit = matches!(&msg, Message::Notification(n) if n.method == "exit");
                        if to_server.send(msg).is_err() || exit {
                            break;
                        }
                    }
                    Body::Refused(response) => {
                        eprintln!(
                            "cloudpact lsp: refused a frame: {}",
                            response["error"]["message"]
                        );
                        let _ = write_frame(&mut io::stdout().lock(), &response.to_string());
                    }
                }
            }
        })
        .expect("spawning the stdin reader");
    std::thread::Builder::new()
        .name("cloudpact-lsp-writer".into())
        .spawn(move || {
            for msg in from_server {
                // One frame under one lock, so the reader's refusals never interleave with it.
                if msg.write(&mut io::stdout().lock()).is_err() {
                    break;
                }
            }
        })
        .expect("spawning the stdout writer");
    (server, failure)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &[u8]) -> Vec<Result<Option<Vec<u8>>, String>> {
        let mut r = io::Cursor::new(input.to_vec());
        let mut out = Vec::new();
        loop {
            let f = read_frame(&mut r);
            let done = !matches!(f, Ok(Some(_)));
            out.push(f);
            if done {
                return out;
            }
        }
    }

    #[test]
    fn frames_are_read_by_their_length_with_crlf_or_lf_headers() {
        let got = frames(b"Content-Length: 2\r\n\r\n{}Content-Type: x\nContent-Length: 4\n\nnull");
        assert_eq!(
            got,
            [
                Ok(Some(b"{}".to_vec())),
                Ok(Some(b"null".to_vec())),
                Ok(None)
            ]
        );
    }

    #[test]
    fn an_oversized_length_is_refused_without_reading_or_allocating_it() {
        let got = frames(b"Content-Length: 99999999999999\r\n\r\n{}");
        assert!(
            matches!(&got[..], [Err(e)] if e.contains("over the limit")),
            "{got:?}"
        );
    }

    #[test]
    fn a_frame_without_an_end_stops_the_stream() {
        for (input, why) in [
            (&b"Content-Length: 10\r\n\r\n{}"[..], "inside a frame body"),
            (b"Content-Length: 2\r\n", "inside a frame header"),
            (b"hello\r\n\r\n", "malformed frame header"),
            (b"Content-Length: -1\r\n\r\n", "not a byte count"),
            (b"Content-Type: x\r\n\r\n{}", "no Content-Length"),
        ] {
            let got = frames(input);
            assert!(
                matches!(got.last(), Some(Err(e)) if e.contains(why)),
                "{input:?}: {got:?}"
            );
        }
        let long = format!("X-Padding: {}\r\n", "x".repeat(2000));
        assert!(matches!(&frames(long.as_bytes())[..], [Err(e)] if e.contains("longer than")));
    }

    #[test]
    fn bodies_that_are_not_messages_get_json_rpc_errors() {
        let Body::Refused(r) = parse(b"{not json") else {
            panic!("accepted")
        };
        assert_eq!(
            (r["error"]["code"].as_i64(), &r["id"]),
            (Some(-32700), &Value::Null)
        );
        let Body::Refused(r) = parse(br#"{"jsonrpc":"2.0","id":7,"method":5}"#) else {
            panic!("accepted")
        };
        assert_eq!(
            (r["error"]["code"].as_i64(), &r["id"]),
            (Some(-32600), &json!(7))
        );
        assert!(matches!(
            parse(br#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#),
            Body::Message(Message::Notification(_))
        ));
    }
}
