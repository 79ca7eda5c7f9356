//! One request and its answer: the guard and the per-host limits before it is sent, the
//! conditional headers, and the answer read whole within the body limit (after decompression).

use std::time::Instant;

use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use reqwest::header::{
    HeaderMap, HeaderValue, ACCEPT, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED,
    LOCATION, RETRY_AFTER,
};
use reqwest::StatusCode;
use url::Url;

use super::error::parse_retry_after;
use super::{FetchError, Fetched, Fetcher, PostBody, Request, Validators};

impl Fetcher {
    /// GET, or POST `post` when given, with the same guards and limits.
    pub(super) async fn send(
        &self,
        url: &str,
        req: Request<'_>,
        post: Option<&PostBody>,
    ) -> Result<Fetched, FetchError> {
        let started = Instant::now();
        let result = self.send_inner(url, req, post).await;
        if let Some(observe) = &self.observer {
            let class = match &result {
                Ok(f) if f.not_modified => "304",
                Ok(f) => status_class(f.status),
                Err(FetchError::Status { status, .. }) => status_class(*status),
                Err(FetchError::Timeout { .. } | FetchError::Idle { .. }) => "timeout",
                Err(_) => "error",
            };
            observe(class, started.elapsed());
        }
        result
    }

    async fn send_inner(
        &self,
        url: &str,
        req: Request<'_>,
        post: Option<&PostBody>,
    ) -> Result<Fetched, FetchError> {
        let parsed = self.checked(url)?;
        let host = parsed.host_str().unwrap_or_default().to_owned();
        let _permit = self.hosts.acquire(&host).await;

        let mut headers = HeaderMap::new();
        if let Some(accept) = req.accept {
            if let Ok(v) = HeaderValue::from_str(accept) {
                headers.insert(ACCEPT, v);
            }
        }
        if let Some(v) = req.validators {
            if let Some(etag) = v
                .etag
                .as_deref()
                .and_then(|e| HeaderValue::from_str(e).ok())
            {
                headers.insert(IF_NONE_MATCH, etag);
            }
            if let Some(lm) = v
                .last_modified
                .as_deref()
                .and_then(|e| HeaderValue::from_str(e).ok())
            {
                headers.insert(IF_MODIFIED_SINCE, lm);
            }
        }
        let request = match post {
            Some(p) => {
                headers.insert(
                    reqwest::header::CONTENT_TYPE,
                    HeaderValue::from_static(p.content_type),
                );
                self.client.post(parsed).body(p.body.clone())
            }
            None => self.client.get(parsed),
        };
        let sent = Instant::now();
        let response = request
            .headers(headers)
            .send()
            .await
            .map_err(|e| self.classify(url, e, sent.elapsed()))?;
        let final_url = response.url().to_string();
        let status = response.status();
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let validators = Validators {
            etag: header(ETAG),
            last_modified: header(LAST_MODIFIED),
        };
        let content_type = header(reqwest::header::CONTENT_TYPE);
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Fetched {
                url: final_url,
                status: status.as_u16(),
                content_type,
                body: Bytes::new(),
                validators,
                not_modified: true,
            });
        }
        if status.is_redirection() {
            // reqwest hands back, unfollowed, a redirect to a scheme it cannot fetch (`file:`,
            // `ftp:`…): say why instead of a bare "HTTP 302".
            if let Some(location) = header(LOCATION) {
                let refused = match Url::parse(&final_url).and_then(|base| base.join(&location)) {
                    Ok(target) => self
                        .guard
                        .check_url(&target)
                        .err()
                        .map(|r| format!("redirect to {target} refused: {r}")),
                    Err(e) => Some(format!("redirect to an invalid Location {location:?}: {e}")),
                };
                if let Some(reason) = refused {
                    return Err(FetchError::Refused {
                        url: final_url,
                        reason,
                    });
                }
            }
        }
        if !status.is_success() {
            let retry_after = header(RETRY_AFTER).and_then(|v| parse_retry_after(&v));
            return Err(FetchError::Status {
                url: final_url,
                status: status.as_u16(),
                retry_after,
            });
        }
        if let Some(len) = response.content_length() {
            if len as usize > self.max_body {
                return Err(FetchError::TooLarge {
                    url: final_url,
                    limit: self.max_body,
                });
            }
        }
        let mut body = BytesMut::new();
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| self.classify(&final_url, e, sent.elapsed()))?;
            if body.len() + chunk.len() > self.max_body {
                return Err(FetchError::TooLarge {
                    url: final_url,
                    limit: self.max_body,
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched {
            url: final_url,
            status: status.as_u16(),
            content_type,
            body: body.freeze(),
            validators,
            not_modified: false,
        })
    }
}

fn status_class(status: u16) -> &'static str {
    match status {
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}
