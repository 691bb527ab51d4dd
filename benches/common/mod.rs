//! The in-process client of the language-server benchmarks (`benches/lsp.rs`,
//! `benches/lsp_editor.rs`): the server over `Connection::memory()`, initialised with the
//! debounce off and contracts evaluated at 2026-01-01.

use std::path::Path;
use std::sync::Arc;

use lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::{Value, json};

use cloudpact::lsp::{Options, Pipeline};

pub struct Lsp {
    pub conn: Connection,
    next: i32,
}

impl Lsp {
    /// A server for the workspace at `root`, after `initialize` and `initialized`.
    pub fn start(root: &Path, pipeline: Arc<dyn Pipeline>) -> Lsp {
        let (server, conn) = Connection::memory();
        std::thread::spawn(move || {
            let _ = cloudpact::lsp::serve(&server, Options::default(), pipeline);
        });
        let mut c = Lsp { conn, next: 0 };
        c.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": format!("file://{}", root.display()),
                "capabilities": {},
                "initializationOptions": { "debounceMs": 0, "asOf": "2026-01-01" },
            }),
        );
        c.notify("initialized", json!({}));
        c
    }

    pub fn notify(&self, method: &str, params: Value) {
        let n = Notification::new(method.to_string(), params);
        self.conn.sender.send(Message::Notification(n)).unwrap();
    }

    /// Sends a request and waits for its result (`null` for an error).
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = RequestId::from(self.next);
        let req = Request::new(id.clone(), method.to_string(), params);
        self.conn.sender.send(Message::Request(req)).unwrap();
        loop {
            if let Message::Response(r) = self.conn.receiver.recv().unwrap()
                && r.id == id
            {
                return r.response_result.unwrap_or(Value::Null);
            }
        }
    }
}
