//! The RabbitMQ topology, declared in one place, and the connection every process uses.
//!
//! With prefix `P` (default `harvest.`):
//! - exchange `P` + `x` (direct, durable) routes `gather`, `item`, `finalize` to the quorum queues
//!   `P gather`, `P item`, `P finalize` (durable, `x-delivery-limit`, dead-lettered to `P dlx`);
//! - exchange `P dlx` (fanout) feeds the quorum queue `P dead`: poison messages, with the reason;
//! - delay queues `P retry.<role>.<ms>` (classic, durable, `x-message-ttl`) dead-letter back to `P x`
//!   with the role's routing key: a retry waits there without holding a consumer slot;
//! - the quorum queue `P notify` carries webhook deliveries to source owners (consumed beside
//!   `finalize`); its delay queues `P retry.notify.<ms>` follow `amqp.notify_retry_delays_ms`
//!   (minutes, not seconds: a receiver that is down gets time to come back).
//!
//! Messages are persistent and published with confirms; consumers ack manually.

use std::sync::Arc;
use std::time::Duration;

use lapin::options::{
    BasicConsumeOptions, BasicPublishOptions, BasicQosOptions, ConfirmSelectOptions,
    ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::publisher_confirm::Confirmation;
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, Consumer, ExchangeKind};
use tokio::sync::Mutex;

use crate::error::{Error, Result};
use crate::settings::AmqpSettings;

/// What the broker answered to a publish that reached it.
enum Sent {
    Confirmed,
    /// A negative confirm, with what was refused.
    Refused(String),
}

pub use crate::settings::Role;

/// Header carrying the retry attempt number of a message.
pub const ATTEMPT_HEADER: &str = "x-harvest-attempt";
/// Header carrying the last error of a message sent to a delay queue or dead-lettered.
pub const ERROR_HEADER: &str = "x-harvest-error";

/// Names of every exchange and queue, derived from the prefix.
#[derive(Debug, Clone)]
pub struct Topology {
    pub prefix: String,
    pub delivery_limit: u32,
    pub retry_delays_ms: Vec<u64>,
    pub notify_retry_delays_ms: Vec<u64>,
}

impl Topology {
    pub fn new(settings: &AmqpSettings) -> Self {
        Self {
            prefix: settings.prefix.clone(),
            delivery_limit: settings.delivery_limit,
            retry_delays_ms: settings.retry_delays_ms.clone(),
            notify_retry_delays_ms: settings.notify_retry_delays_ms.clone(),
        }
    }

    /// The delays of the retry queues of `role`.
    pub fn delays(&self, role: Role) -> &[u64] {
        match role {
            Role::Notify => &self.notify_retry_delays_ms,
            _ => &self.retry_delays_ms,
        }
    }

    /// The wait before attempt `attempt + 1` of a webhook delivery, after attempt `attempt`
    /// (1-based) failed.
    /// The delay before a message whose handler was interrupted by storage or the broker
    /// comes back: the role's own delay tiers (notify has its own).
    pub fn interrupted_delay(&self, role: Role, attempt: u32) -> u64 {
        match role {
            Role::Notify => self.notify_delay(1),
            _ => self.retry_delay(attempt, None),
        }
    }

    pub fn notify_delay(&self, attempt: u32) -> u64 {
        let delays = &self.notify_retry_delays_ms;
        let idx = (attempt.max(1) as usize - 1).min(delays.len().saturating_sub(1));
        delays.get(idx).copied().unwrap_or(60_000)
    }

    pub fn exchange(&self) -> String {
        format!("{}x", self.prefix)
    }
    pub fn dead_letter_exchange(&self) -> String {
        format!("{}dlx", self.prefix)
    }
    pub fn queue(&self, role: Role) -> String {
        format!("{}{}", self.prefix, role.as_str())
    }
    pub fn dead_queue(&self) -> String {
        format!("{}dead", self.prefix)
    }
    pub fn retry_queue(&self, role: Role, delay_ms: u64) -> String {
        format!("{}retry.{}.{}", self.prefix, role.as_str(), delay_ms)
    }

    /// The delay queue for retry `attempt` (1-based), waiting at least `at_least` if given
    /// (a remote's Retry-After).
    pub fn retry_delay(&self, attempt: u32, at_least: Option<Duration>) -> u64 {
        let idx = (attempt.max(1) as usize - 1).min(self.retry_delays_ms.len() - 1);
        let mut delay = self.retry_delays_ms[idx];
        if let Some(min) = at_least {
            let min = min.as_millis() as u64;
            if let Some(d) = self.retry_delays_ms.iter().copied().find(|d| *d >= min) {
                delay = delay.max(d);
            } else {
                delay = *self.retry_delays_ms.iter().max().unwrap_or(&delay);
            }
        }
        delay
    }

    /// Every queue name, for declaration, polling and cleanup.
    pub fn all_queues(&self) -> Vec<String> {
        let mut names: Vec<String> = Role::ALL.iter().map(|r| self.queue(*r)).collect();
        names.push(self.dead_queue());
        for role in Role::ALL {
            for d in self.delays(role) {
                names.push(self.retry_queue(role, *d));
            }
        }
        names
    }

    /// Declare everything (idempotent: the same arguments every time).
    pub async fn declare(&self, ch: &Channel) -> Result<()> {
        let durable_exchange = ExchangeDeclareOptions {
            durable: true,
            ..Default::default()
        };
        ch.exchange_declare(
            &self.exchange(),
            ExchangeKind::Direct,
            durable_exchange,
            FieldTable::default(),
        )
        .await?;
        ch.exchange_declare(
            &self.dead_letter_exchange(),
            ExchangeKind::Fanout,
            durable_exchange,
            FieldTable::default(),
        )
        .await?;
        let durable = QueueDeclareOptions {
            durable: true,
            ..Default::default()
        };
        let mut dead_args = FieldTable::default();
        dead_args.insert(
            "x-queue-type".into(),
            AMQPValue::LongString("quorum".into()),
        );
        ch.queue_declare(&self.dead_queue(), durable, dead_args)
            .await?;
        ch.queue_bind(
            &self.dead_queue(),
            &self.dead_letter_exchange(),
            "",
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await?;
        for role in Role::ALL {
            let mut args = FieldTable::default();
            args.insert(
                "x-queue-type".into(),
                AMQPValue::LongString("quorum".into()),
            );
            args.insert(
                "x-delivery-limit".into(),
                AMQPValue::LongInt(self.delivery_limit as i32),
            );
            args.insert(
                "x-dead-letter-exchange".into(),
                AMQPValue::LongString(self.dead_letter_exchange().into()),
            );
            ch.queue_declare(&self.queue(role), durable, args).await?;
            ch.queue_bind(
                &self.queue(role),
                &self.exchange(),
                role.as_str(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await?;
            for delay in self.delays(role) {
                let mut args = FieldTable::default();
                args.insert(
                    "x-message-ttl".into(),
                    AMQPValue::LongLongInt(*delay as i64),
                );
                args.insert(
                    "x-dead-letter-exchange".into(),
                    AMQPValue::LongString(self.exchange().into()),
                );
                args.insert(
                    "x-dead-letter-routing-key".into(),
                    AMQPValue::LongString(role.as_str().into()),
                );
                ch.queue_declare(&self.retry_queue(role, *delay), durable, args)
                    .await?;
            }
        }
        Ok(())
    }

    /// Delete every queue and exchange of this prefix (tests clean up after themselves).
    pub async fn delete_all(&self, ch: &Channel) -> Result<()> {
        for q in self.all_queues() {
            ch.queue_delete(&q, QueueDeleteOptions::default()).await?;
        }
        for x in [self.exchange(), self.dead_letter_exchange()] {
            ch.exchange_delete(&x, Default::default()).await?;
        }
        Ok(())
    }
}

/// A RabbitMQ connection that re-opens itself after the broker restarts, with one publishing
/// channel in confirm mode shared by the whole process.
pub struct Broker {
    settings: AmqpSettings,
    topology: Topology,
    state: Mutex<Option<(Connection, Channel)>>,
}

impl Broker {
    pub fn new(settings: &AmqpSettings) -> Arc<Self> {
        Arc::new(Self {
            settings: settings.clone(),
            topology: Topology::new(settings),
            state: Mutex::new(None),
        })
    }

    pub fn topology(&self) -> &Topology {
        &self.topology
    }

    /// The AMQP URL this broker connects to.
    pub fn url(&self) -> &str {
        &self.settings.url
    }

    async fn connect(&self) -> Result<Connection> {
        let props = ConnectionProperties::default()
            .with_connection_name(LongString::from(format!("harvest-{}", std::process::id())))
            .with_executor(tokio_executor_trait::Tokio::current())
            .with_reactor(tokio_reactor_trait::Tokio);
        Ok(Connection::connect(&self.settings.url, props).await?)
    }

    /// The shared publishing channel, reconnecting (and re-declaring the topology) if needed.
    pub async fn publisher(&self) -> Result<Channel> {
        let mut state = self.state.lock().await;
        if let Some((conn, ch)) = state.as_ref() {
            if conn.status().connected() && ch.status().connected() {
                return Ok(ch.clone());
            }
        }
        let conn = self.connect().await?;
        let ch = conn.create_channel().await?;
        ch.confirm_select(ConfirmSelectOptions::default()).await?;
        self.topology.declare(&ch).await?;
        *state = Some((conn, ch.clone()));
        Ok(ch)
    }

    /// Close the connection cleanly (before a process exits).
    pub async fn close(&self) {
        self.reset().await;
    }

    /// Forget the current connection (after an error), so the next call reconnects.
    pub async fn reset(&self) {
        let mut state = self.state.lock().await;
        if let Some((conn, _)) = state.take() {
            let _ = conn.close(200, "reset").await;
        }
    }

    /// A new connection and channel for a consumer, with the topology declared and `prefetch` set.
    pub async fn consumer(
        &self,
        role: Role,
        prefetch: u16,
        tag: &str,
    ) -> Result<(Connection, Channel, Consumer)> {
        let conn = self.connect().await?;
        let ch = conn.create_channel().await?;
        self.topology.declare(&ch).await?;
        ch.basic_qos(prefetch, BasicQosOptions::default()).await?;
        let consumer = ch
            .basic_consume(
                &self.topology.queue(role),
                tag,
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await?;
        Ok((conn, ch, consumer))
    }

    /// Publish a persistent message to a work queue and wait for the broker's confirm.
    pub async fn publish(&self, role: Role, body: &[u8]) -> Result<()> {
        self.publish_raw(
            &self.topology.exchange(),
            role.as_str(),
            body,
            FieldTable::default(),
        )
        .await
    }

    /// Publish many messages to a work queue, waiting for all confirms at once (pipelined: one
    /// round trip to the broker's disk instead of one per message).
    pub async fn publish_many(&self, role: Role, bodies: &[Vec<u8>]) -> Result<()> {
        if bodies.is_empty() {
            return Ok(());
        }
        self.with_publisher(|ch| async move { self.publish_batch(&ch, role, bodies).await })
            .await
    }

    async fn publish_batch(&self, ch: &Channel, role: Role, bodies: &[Vec<u8>]) -> Result<Sent> {
        let exchange = self.topology.exchange();
        let props = BasicProperties::default()
            .with_delivery_mode(2)
            .with_content_type(ShortString::from("application/json"));
        let mut confirms = Vec::with_capacity(bodies.len());
        for body in bodies {
            confirms.push(
                ch.basic_publish(
                    &exchange,
                    role.as_str(),
                    BasicPublishOptions::default(),
                    body,
                    props.clone(),
                )
                .await?,
            );
        }
        for confirm in confirms {
            if let Confirmation::Nack(_) = confirm.await? {
                return Ok(Sent::Refused(format!(
                    "broker refused a message for {}",
                    role.as_str()
                )));
            }
        }
        Ok(Sent::Confirmed)
    }

    /// Publish to the delay queue of `role`, to come back after `delay_ms` with `attempt` set.
    pub async fn publish_retry(
        &self,
        role: Role,
        body: &[u8],
        attempt: u32,
        delay_ms: u64,
        error: &str,
    ) -> Result<()> {
        let mut headers = FieldTable::default();
        headers.insert(ATTEMPT_HEADER.into(), AMQPValue::LongUInt(attempt));
        headers.insert(
            ERROR_HEADER.into(),
            AMQPValue::LongString(truncate(error, 1000).into()),
        );
        self.publish_raw(
            "",
            &self.topology.retry_queue(role, delay_ms),
            body,
            headers,
        )
        .await
    }

    /// Publish with confirm; on a broken connection, reconnect once and try again.
    pub async fn publish_raw(
        &self,
        exchange: &str,
        routing_key: &str,
        body: &[u8],
        headers: FieldTable,
    ) -> Result<()> {
        if body.len() > self.settings.max_message_bytes {
            return Err(Error::Message(format!(
                "message of {} bytes exceeds amqp.max_message_bytes ({})",
                body.len(),
                self.settings.max_message_bytes
            )));
        }
        self.with_publisher(|ch| {
            let headers = headers.clone();
            async move {
                let props = BasicProperties::default()
                    .with_delivery_mode(2)
                    .with_content_type(ShortString::from("application/json"))
                    .with_headers(headers);
                let confirm = ch
                    .basic_publish(
                        exchange,
                        routing_key,
                        BasicPublishOptions::default(),
                        body,
                        props,
                    )
                    .await?
                    .await?;
                Ok(match confirm {
                    Confirmation::Nack(_) => {
                        Sent::Refused(format!("broker refused message for {routing_key}"))
                    }
                    Confirmation::Ack(_) | Confirmation::NotRequested => Sent::Confirmed,
                })
            }
        })
        .await
    }

    /// Run `send` on the publishing channel. A broken channel or connection (an error) is reset
    /// and `send` runs once more on a new one; a refusal by the broker is tried once more as is.
    async fn with_publisher<'a, F, Fut>(&'a self, send: F) -> Result<()>
    where
        F: Fn(Channel) -> Fut,
        Fut: std::future::Future<Output = Result<Sent>> + 'a,
    {
        let mut last = None;
        for _ in 0..2 {
            let sent = match self.publisher().await {
                Ok(ch) => send(ch).await,
                Err(e) => Err(e),
            };
            match sent {
                Ok(Sent::Confirmed) => return Ok(()),
                Ok(Sent::Refused(why)) => last = Some(Error::Message(why)),
                Err(e) => {
                    self.reset().await;
                    last = Some(e);
                }
            }
        }
        Err(last.unwrap_or_else(|| Error::Message("publish failed".into())))
    }

    /// Ready messages and consumers of a queue (passive declare).
    pub async fn queue_stats(&self, queue: &str) -> Result<(u32, u32)> {
        let ch = self.publisher().await?;
        let q = ch
            .queue_declare(
                queue,
                QueueDeclareOptions {
                    passive: true,
                    ..Default::default()
                },
                FieldTable::default(),
            )
            .await;
        match q {
            Ok(q) => Ok((q.message_count(), q.consumer_count())),
            Err(e) => {
                // A failed passive declare closes the channel.
                self.reset().await;
                Err(e.into())
            }
        }
    }
}

/// Attempt number of a delivery (1 for the first publication).
pub fn attempt_of(props: &BasicProperties) -> u32 {
    props
        .headers()
        .as_ref()
        .and_then(|h| h.inner().get(ATTEMPT_HEADER).cloned())
        .and_then(|v| match v {
            AMQPValue::LongUInt(n) => Some(n),
            AMQPValue::LongInt(n) => Some(n.max(0) as u32),
            AMQPValue::LongLongInt(n) => Some(n.max(0) as u32),
            AMQPValue::ShortUInt(n) => Some(n as u32),
            _ => None,
        })
        .unwrap_or(1)
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_delay_tiers_and_retry_after() {
        let t = Topology::new(&AmqpSettings {
            retry_delays_ms: vec![1000, 5000, 30000],
            ..Default::default()
        });
        assert_eq!(t.retry_delay(1, None), 1000);
        assert_eq!(t.retry_delay(2, None), 5000);
        assert_eq!(t.retry_delay(9, None), 30000);
        assert_eq!(t.retry_delay(1, Some(Duration::from_secs(3))), 5000);
        assert_eq!(t.retry_delay(1, Some(Duration::from_secs(3600))), 30000);
    }

    #[test]
    fn names_carry_the_prefix() {
        let t = Topology::new(&AmqpSettings {
            prefix: "t1.".into(),
            ..Default::default()
        });
        assert_eq!(t.queue(Role::Item), "t1.item");
        assert!(t.all_queues().iter().all(|q| q.starts_with("t1.")));
        assert!(t.all_queues().contains(&"t1.retry.notify.30000".to_owned()));
        assert!(!t.all_queues().contains(&"t1.retry.notify.2000".to_owned()));
    }

    #[test]
    fn notify_backoff_follows_its_own_delays() {
        let t = Topology::new(&AmqpSettings {
            notify_retry_delays_ms: vec![1000, 5000],
            ..Default::default()
        });
        assert_eq!(t.notify_delay(1), 1000);
        assert_eq!(t.notify_delay(2), 5000);
        assert_eq!(t.notify_delay(7), 5000);
    }
}
