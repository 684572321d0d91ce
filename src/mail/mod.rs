//! Outgoing mail through lettre: SMTP when `VOUCH_SMTP_URL` is set (lettre's URL form:
//! `smtp://host:25`, `smtp://user:pass@host:587?tls=required`, `smtps://host:465`), else a
//! development transport that writes each message as an `.eml` file under
//! `<data dir>/outbox/`. The sender is `VOUCH_MAIL_FROM` (default `Vouch <noreply@localhost>`).
//!
//! Invariants: the SMTP URL carries credentials and is never logged (`Debug` shows the host
//! only); every message has a `List-Unsubscribe` header (RFC 2369) with one-click unsubscribe
//! (RFC 8058); a send is bounded by a timeout, so a slow mail server holds one request, not a
//! worker thread.
use std::path::PathBuf;
use std::time::Duration;

use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::error::{AppError, Result};

/// How long one SMTP conversation may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(15);

enum Transport {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        /// For logs: the host and port, never the credentials.
        host: String,
    },
    Outbox(PathBuf),
}

/// The server's mailer.
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.transport {
            Transport::Smtp { host, .. } => write!(f, "Mailer(smtp {host})"),
            Transport::Outbox(dir) => write!(f, "Mailer(outbox {})", dir.display()),
        }
    }
}

/// `s` safe inside HTML text and attribute values (the mails' HTML parts).
pub fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One message to send.
pub struct Outgoing {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The message's unsubscribe link.
    pub unsubscribe_url: String,
}

impl Mailer {
    /// SMTP from `smtp_url`, else the outbox under `data_dir`.
    pub fn new(
        smtp_url: Option<&str>,
        from: Option<&str>,
        data_dir: &std::path::Path,
    ) -> Result<Mailer> {
        let from = from
            .unwrap_or("Vouch <noreply@localhost>")
            .parse::<Mailbox>()
            .map_err(|e| AppError::Internal(format!("VOUCH_MAIL_FROM is not a mailbox: {e}")))?;
        let transport = match smtp_url.map(str::trim).filter(|u| !u.is_empty()) {
            Some(url) => {
                let host = url::Url::parse(url)
                    .ok()
                    .map(|u| format!("{}:{}", u.host_str().unwrap_or("?"), u.port().unwrap_or(0)))
                    .unwrap_or_else(|| "?".into());
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|_| {
                        AppError::Internal(format!(
                            "VOUCH_SMTP_URL is not an SMTP URL (host {host})"
                        ))
                    })?
                    .timeout(Some(SMTP_TIMEOUT))
                    .build();
                Transport::Smtp { transport, host }
            }
            None => Transport::Outbox(data_dir.join("outbox")),
        };
        Ok(Mailer { transport, from })
    }

    /// Where mail goes, for the start-up banner: `smtp host:port` or the outbox directory.
    pub fn describe(&self) -> String {
        format!("{self:?}")
    }

    fn message(&self, out: &Outgoing) -> Result<Message> {
        let to = out
            .to
            .parse::<Mailbox>()
            .map_err(|e| AppError::invalid("email", format!("cannot be mailed: {e}")))?;
        let header = |name: &'static str, value: String| {
            HeaderValue::new(HeaderName::new_from_ascii_str(name), value)
        };
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(out.subject.clone())
            .raw_header(header(
                "List-Unsubscribe",
                format!("<{}>", out.unsubscribe_url),
            ))
            .raw_header(header(
                "List-Unsubscribe-Post",
                "List-Unsubscribe=One-Click".into(),
            ))
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(out.text.clone()),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(out.html.clone()),
                    ),
            )
            .map_err(|e| AppError::Internal(format!("building mail: {e}")))
    }

    /// Sends one message; a mail server that refuses or does not answer is an upstream error.
    pub async fn send(&self, out: &Outgoing) -> Result<()> {
        let message = self.message(out)?;
        match &self.transport {
            Transport::Smtp { transport, host } => {
                // lettre's timeout bounds each socket operation; this bounds the conversation.
                let refused = || {
                    AppError::Upstream(
                        "the mail server did not accept the message; nothing was sent".into(),
                    )
                };
                match tokio::time::timeout(SMTP_TIMEOUT, transport.send(message)).await {
                    Ok(Ok(_)) => Ok(()),
                    Ok(Err(e)) => {
                        tracing::warn!(smtp = %host, error = %e, "mail not sent");
                        Err(refused())
                    }
                    Err(_) => {
                        tracing::warn!(smtp = %host, "mail not sent: no answer in time");
                        Err(refused())
                    }
                }
            }
            Transport::Outbox(dir) => {
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|e| AppError::Internal(format!("creating outbox: {e}")))?;
                let name = format!(
                    "{}-{}.eml",
                    crate::domain::clock::now().format("%Y%m%dT%H%M%S%.6fZ"),
                    crate::domain::ids::new_public_id("mail")
                );
                tokio::fs::write(dir.join(name), message.formatted())
                    .await
                    .map_err(|e| AppError::Internal(format!("writing outbox: {e}")))?;
                Ok(())
            }
        }
    }
}
