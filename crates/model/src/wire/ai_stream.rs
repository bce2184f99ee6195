//! `ai-stream` (`connect360-api.md` §4.3): the request body, the three event shapes, and an
//! incremental decoder of the `text/event-stream` framing for a streamed `fetch` body.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AiStreamInput {
    pub agent_id: String,
    pub conversation_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_id: Option<String>,
}

/// One event; `text` is cumulative, so a client may render it and ignore `delta`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum AiStreamEvent {
    Delta {
        delta: String,
        text: String,
    },
    #[serde(rename_all = "camelCase")]
    Done {
        message_id: String,
        text: String,
    },
    Error {
        error: String,
    },
}

impl AiStreamEvent {
    /// The `data:` line that carries this event, with its blank-line terminator.
    pub fn to_frame(&self) -> String {
        let json = serde_json::to_string(self).unwrap_or_default();
        format!("data: {json}\n\n")
    }
}

/// One complete server-sent event: its `event:` name (none for the default, `message`) and
/// its `data:` lines joined with `\n`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    pub event: Option<String>,
    pub data: String,
}

/// Splits a byte stream into complete events. Comments (`: ping`), `id:` and `retry:` lines
/// are ignored; several `data:` lines of one event are joined with `\n`; an event without
/// data is not dispatched. Bytes may arrive split anywhere, even inside a character.
#[derive(Debug, Default)]
pub struct SseDecoder {
    pending: Vec<u8>,
    event: Option<String>,
    data: Option<String>,
}

impl SseDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds a chunk; returns the payloads of the events it completed.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<String> {
        self.feed_events(chunk)
            .into_iter()
            .map(|e| e.data)
            .collect()
    }

    /// Feeds a chunk; returns the events it completed, with their names.
    pub fn feed_events(&mut self, chunk: &[u8]) -> Vec<SseEvent> {
        self.pending.extend_from_slice(chunk);
        let mut events = Vec::new();
        while let Some(end) = self.pending.iter().position(|&b| b == b'\n') {
            let mut line: Vec<u8> = self.pending.drain(..=end).collect();
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            let line = String::from_utf8_lossy(&line);
            if line.is_empty() {
                let event = self.event.take();
                if let Some(data) = self.data.take() {
                    events.push(SseEvent { event, data });
                }
            } else if let Some(value) = field(&line, "data") {
                match &mut self.data {
                    Some(data) => {
                        data.push('\n');
                        data.push_str(value);
                    }
                    None => self.data = Some(value.to_owned()),
                }
            } else if let Some(value) = field(&line, "event") {
                self.event = Some(value.to_owned());
            }
        }
        events
    }

    /// Ends the stream: an event without its blank line is dispatched anyway.
    pub fn finish(&mut self) -> Option<String> {
        let rest = std::mem::take(&mut self.pending);
        if !rest.is_empty() {
            let mut events = self.feed(&rest);
            events.extend(self.feed(b"\n\n"));
            return events.pop();
        }
        self.event = None;
        self.data.take()
    }
}

/// The value of a `name: value` line (one space after the colon is not part of it).
fn field<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let value = line.strip_prefix(name)?.strip_prefix(':')?;
    Some(value.strip_prefix(' ').unwrap_or(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip_through_frames() {
        let events = [
            AiStreamEvent::Delta {
                delta: "Hello".into(),
                text: "Hello".into(),
            },
            AiStreamEvent::Done {
                message_id: "msg_D8f0".into(),
                text: "Hello".into(),
            },
            AiStreamEvent::Error {
                error: "Conversation not found.".into(),
            },
        ];
        let mut decoder = SseDecoder::new();
        let stream: String = events.iter().map(AiStreamEvent::to_frame).collect();
        let payloads = decoder.feed(stream.as_bytes());
        let decoded: Vec<AiStreamEvent> = payloads
            .iter()
            .map(|p| serde_json::from_str(p).unwrap())
            .collect();
        assert_eq!(decoded, events);
        assert_eq!(
            events[1].to_frame(),
            "data: {\"type\":\"done\",\"messageId\":\"msg_D8f0\",\"text\":\"Hello\"}\n\n"
        );
    }

    #[test]
    fn named_events_keep_their_names_and_comments_are_not_events() {
        let stream =
            ": connected\n\nid: msg_1\nevent: message\ndata: {}\n\n: ping\n\ndata: plain\n\n";
        let mut decoder = SseDecoder::new();
        assert_eq!(
            decoder.feed_events(stream.as_bytes()),
            [
                SseEvent {
                    event: Some("message".into()),
                    data: "{}".into()
                },
                SseEvent {
                    event: None,
                    data: "plain".into()
                },
            ]
        );
    }

    #[test]
    fn chunks_split_anywhere_including_inside_a_character() {
        let stream = ": ping\r\ndata: {\"type\":\"delta\",\"delta\":\"é\",\"text\":\"é\"}\r\n\r\nevent: x\ndata: a\ndata: b\n\n";
        let bytes = stream.as_bytes();
        for split in 0..bytes.len() {
            let mut decoder = SseDecoder::new();
            let mut payloads = decoder.feed(&bytes[..split]);
            payloads.extend(decoder.feed(&bytes[split..]));
            assert_eq!(
                payloads,
                [
                    "{\"type\":\"delta\",\"delta\":\"é\",\"text\":\"é\"}".to_owned(),
                    "a\nb".to_owned()
                ],
                "split at {split}"
            );
        }
    }

    #[test]
    fn an_unterminated_last_event_is_flushed_on_finish() {
        let mut decoder = SseDecoder::new();
        assert!(decoder.feed(b"data: tail").is_empty());
        assert_eq!(decoder.finish().as_deref(), Some("tail"));
        assert_eq!(decoder.finish(), None);
    }
}
