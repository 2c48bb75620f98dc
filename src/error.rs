//! Errors as data. A command that cannot do its work fails with a message for people and,
//! with `--format json`, an object for programs: `{"error": {"kind", "message", "file",
//! "line", "revision"}}`. Where an error starts, it says what kind it is; everything else is
//! classified on the way out.

use serde::Serialize;

/// What went wrong, for a JSON consumer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorInfo {
    /// `revision` (unknown, or not a commit or tag), `config` (`.support-plan/config.toml`),
    /// `plan` (no such plan, no plans), `remote` (the GitHub API), `usage` (arguments),
    /// `io` (a file could not be read or written), or `error`.
    pub kind: &'static str,
    pub message: String,
    pub file: Option<String>,
    pub line: Option<usize>,
    pub revision: Option<String>,
}

impl std::fmt::Display for ErrorInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ErrorInfo {}

impl ErrorInfo {
    pub fn new(kind: &'static str, message: impl Into<String>) -> ErrorInfo {
        ErrorInfo { kind, message: message.into(), file: None, line: None, revision: None }
    }

    pub fn file(mut self, file: impl Into<String>, line: Option<usize>) -> ErrorInfo {
        self.file = Some(file.into());
        self.line = line;
        self
    }

    pub fn revision(mut self, revision: impl Into<String>) -> ErrorInfo {
        self.revision = Some(revision.into());
        self
    }

    /// The error object, one JSON document.
    pub fn to_json(&self) -> String {
        crate::render::json::pretty(&serde_json::json!({ "error": self }))
    }
}

/// Marks an error a command has already written into its own JSON document on stdout (a
/// streamed `plan log` closed with an `error` member): it is reported on stderr only.
#[derive(Debug, Clone, Copy)]
pub struct InDocument;

impl std::fmt::Display for InDocument {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("stopped")
    }
}

/// An unknown revision, or one that names no commit.
pub fn revision(spec: &str, message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(ErrorInfo::new("revision", message).revision(spec))
}

/// Describes any error: the kind its origin gave it (or the kind of its cause), and the whole
/// message as people see it.
pub fn describe(err: &anyhow::Error) -> ErrorInfo {
    let message = format!("{err:#}");
    for cause in err.chain() {
        if let Some(info) = cause.downcast_ref::<ErrorInfo>() {
            return ErrorInfo { message, ..info.clone() };
        }
        #[cfg(feature = "github")]
        if cause.downcast_ref::<crate::github::client::ApiError>().is_some() {
            return ErrorInfo::new("remote", message);
        }
        if cause.downcast_ref::<std::io::Error>().is_some() {
            return ErrorInfo::new("io", message);
        }
    }
    ErrorInfo::new("error", message)
}
