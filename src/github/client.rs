//! A small GitHub REST client over octocrab's raw requests, so that status codes, `Link`
//! pagination and `retry-after` are ours to handle. Async stays inside this module: the
//! public functions block on a current-thread runtime. The token is never formatted into
//! any message.

use std::time::Duration;

use http::StatusCode;
use octocrab::Octocrab;
use serde::Deserialize;

/// What GitHub answered, when it refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub message: String,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.status == 0 {
            // No answer at all: the request did not reach GitHub (network, DNS, TLS).
            write!(f, "GitHub could not be reached: {}", self.message)
        } else {
            write!(f, "GitHub answered {}: {}", self.status, self.message)
        }
    }
}

impl std::error::Error for ApiError {}

impl ApiError {
    /// A token that may read but not write (fork pull requests, `permissions: read`).
    pub fn is_read_only(&self) -> bool {
        self.status == 403 && self.message.contains("Resource not accessible by integration")
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct User {
    pub login: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Comment {
    pub id: u64,
    pub body: Option<String>,
    pub user: Option<User>,
    pub created_at: Option<String>,
}

pub struct Client {
    crab: Octocrab,
    runtime: tokio::runtime::Runtime,
    /// How long to wait at most for one `retry-after` (tests keep it short).
    pub max_wait: Duration,
    pub retries: u32,
}

impl Client {
    pub fn new(api_url: &str, token: &str) -> anyhow::Result<Client> {
        // An HTTP header takes visible ASCII only; anything else would panic deep in the
        // client. Say so without showing the token.
        if let Some(bad) = token.chars().find(|c| !c.is_ascii_graphic()) {
            let what = if bad.is_whitespace() {
                "whitespace".to_string()
            } else {
                format!("the character U+{:04X}", bad as u32)
            };
            anyhow::bail!(
                "GITHUB_TOKEN holds {what} inside it ({} characters in all); a token is one word of visible ASCII",
                token.chars().count()
            );
        }
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let crab = runtime.block_on(async {
            Octocrab::builder()
                .personal_token(token.to_owned())
                .base_uri(api_url)
                .map_err(|e| anyhow::anyhow!("GITHUB_API_URL `{api_url}` is not a URL: {e}"))?
                .set_connect_timeout(Some(Duration::from_secs(10)))
                .set_read_timeout(Some(Duration::from_secs(30)))
                .build()
                .map_err(|e| anyhow::anyhow!("setting up the GitHub client: {e}"))
        })?;
        Ok(Client { crab, runtime, max_wait: Duration::from_secs(60), retries: 3 })
    }

    /// Sends a request, retrying 5xx answers and rate limits (honouring `retry-after`).
    fn send(
        &self,
        method: &str,
        uri: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<(u16, http::HeaderMap, String), ApiError> {
        let mut attempt = 0;
        loop {
            let result = self.runtime.block_on(async {
                match method {
                    "GET" => self.crab._get(uri).await,
                    "POST" => self.crab._post(uri, body).await,
                    "PATCH" => self.crab._patch(uri, body).await,
                    _ => self.crab._delete(uri, body).await,
                }
            });
            let (status, headers, text) = match result {
                Ok(resp) => {
                    let status = resp.status();
                    let headers = resp.headers().clone();
                    let text = self.runtime.block_on(self.crab.body_to_string(resp)).unwrap_or_default();
                    (status, headers, text)
                }
                Err(e) => {
                    if attempt < self.retries {
                        attempt += 1;
                        std::thread::sleep(Duration::from_millis(200 * u64::from(attempt)));
                        continue;
                    }
                    return Err(ApiError {
                        status: 0,
                        message: format!("no answer from GitHub: {}", first_line(&e.to_string())),
                    });
                }
            };
            if status.is_success() {
                return Ok((status.as_u16(), headers, text));
            }
            let message = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(str::to_owned))
                .unwrap_or_else(|| first_line(&text));
            if let Some(wait) = retry_wait(status, &headers, &message, attempt)
                && attempt < self.retries
            {
                attempt += 1;
                std::thread::sleep(wait.min(self.max_wait));
                continue;
            }
            return Err(ApiError { status: status.as_u16(), message });
        }
    }

    pub fn get_json<T: for<'de> Deserialize<'de>>(&self, uri: &str) -> Result<T, ApiError> {
        let (_, _, text) = self.send("GET", uri, None)?;
        serde_json::from_str(&text).map_err(|e| ApiError { status: 200, message: format!("unexpected answer: {e}") })
    }

    /// Every page of a list, following `Link: <…>; rel="next"`.
    pub fn get_all<T: for<'de> Deserialize<'de>>(&self, first: &str) -> Result<Vec<T>, ApiError> {
        let mut out = Vec::new();
        let mut next = Some(first.to_owned());
        let mut pages = 0;
        while let Some(uri) = next.take() {
            pages += 1;
            if pages > 200 {
                return Err(ApiError { status: 0, message: "more than 200 pages of comments".into() });
            }
            let (_, headers, text) = self.send("GET", &uri, None)?;
            let page: Vec<T> = serde_json::from_str(&text)
                .map_err(|e| ApiError { status: 200, message: format!("unexpected answer: {e}") })?;
            out.extend(page);
            next = headers.get("link").and_then(|l| l.to_str().ok()).and_then(next_link);
        }
        Ok(out)
    }

    pub fn post(&self, uri: &str, body: &serde_json::Value) -> Result<String, ApiError> {
        self.send("POST", uri, Some(body)).map(|(_, _, t)| t)
    }

    pub fn patch(&self, uri: &str, body: &serde_json::Value) -> Result<String, ApiError> {
        self.send("PATCH", uri, Some(body)).map(|(_, _, t)| t)
    }

    pub fn delete(&self, uri: &str) -> Result<(), ApiError> {
        self.send("DELETE", uri, None).map(|_| ())
    }
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").chars().take(300).collect()
}

/// How long to wait before retrying, or `None` when the answer is final.
fn retry_wait(status: StatusCode, headers: &http::HeaderMap, message: &str, attempt: u32) -> Option<Duration> {
    let header = |k: &str| headers.get(k).and_then(|v| v.to_str().ok()).map(str::to_owned);
    if let Some(secs) = header("retry-after").and_then(|v| v.trim().parse::<u64>().ok())
        && (status.as_u16() == 403 || status.as_u16() == 429 || status.is_server_error())
    {
        return Some(Duration::from_secs(secs));
    }
    let secondary = message.to_lowercase().contains("secondary rate limit");
    let exhausted = header("x-ratelimit-remaining").as_deref() == Some("0");
    if status.as_u16() == 429 || ((status.as_u16() == 403) && (secondary || exhausted)) {
        if let Some(reset) = header("x-ratelimit-reset").and_then(|v| v.parse::<u64>().ok()) {
            let now =
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
            return Some(Duration::from_secs(reset.saturating_sub(now).max(1)));
        }
        return Some(Duration::from_secs(60 * u64::from(attempt + 1)));
    }
    if status.is_server_error() {
        return Some(Duration::from_millis(500 * (1u64 << attempt.min(4))));
    }
    None
}

/// The `rel="next"` URL of a `Link` header.
pub fn next_link(link: &str) -> Option<String> {
    link.split(',').find(|part| part.contains("rel=\"next\"")).and_then(|part| {
        let start = part.find('<')? + 1;
        let end = part.find('>')?;
        Some(part[start..end].to_owned())
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn link_headers() {
        let l = r#"<https://api.github.com/repositories/1/issues/2/comments?page=2>; rel="next", <https://api.github.com/repositories/1/issues/2/comments?page=5>; rel="last""#;
        assert_eq!(
            super::next_link(l).as_deref(),
            Some("https://api.github.com/repositories/1/issues/2/comments?page=2")
        );
        assert_eq!(super::next_link(r#"<https://x/?page=1>; rel="prev""#), None);
    }
}
