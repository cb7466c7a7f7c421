//! Where notifications come in: the HTTP endpoint, the MQTT topic, and the gate that
//! admits only the viewer's own subscriptions' notifications.

use super::*;
use serde_json::Value;
use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// What the transports hand to the feed.
#[derive(Debug)]
pub(super) enum Inbound {
    /// A notification body (or MQTT envelope), already checked to be ours, and its arrival.
    Notification(Value, Instant),
    /// The MQTT connection is (again) up.
    Connected,
    /// The MQTT connection was lost.
    Disconnected(String),
}

/// Counters and the subscription ids the endpoints accept, shared with them.
#[derive(Debug, Default)]
pub(super) struct Gate {
    pub(super) ours: Mutex<HashSet<String>>,
    pub(super) refused: AtomicU64,
    pub(super) malformed: AtomicU64,
    pub(super) too_large: AtomicU64,
}

impl Gate {
    /// Reads a notification body; `Ok(Some)` when it answers one of our subscriptions.
    fn admit(&self, bytes: &[u8]) -> Result<Value, Refusal> {
        let v: Value = serde_json::from_slice(bytes).map_err(|e| {
            self.malformed.fetch_add(1, Ordering::Relaxed);
            Refusal::Malformed(format!("not JSON: {e}"))
        })?;
        let body = notification_body(&v);
        let Some(id) = body.get("subscriptionId").and_then(Value::as_str) else {
            self.malformed.fetch_add(1, Ordering::Relaxed);
            return Err(Refusal::Malformed(
                "not an NGSI-LD notification (no subscriptionId)".to_owned(),
            ));
        };
        let known = self.ours.lock().map(|o| o.contains(id)).unwrap_or(false);
        if !known {
            self.refused.fetch_add(1, Ordering::Relaxed);
            return Err(Refusal::Foreign(id.to_owned()));
        }
        Ok(v)
    }
}

#[derive(Debug)]
pub(super) enum Refusal {
    Malformed(String),
    Foreign(String),
}

/// The notification inside an MQTT envelope, or the value itself.
pub(super) fn notification_body(v: &Value) -> &Value {
    match v.get("body") {
        Some(b) if v.get("subscriptionId").is_none() => b,
        _ => v,
    }
}

/// A random token for topics and endpoint paths.
pub(super) fn token() -> String {
    crate::ngsi_ld::new_id("x")
        .rsplit(':')
        .next()
        .unwrap_or("0")
        .to_owned()
}

pub(super) fn is_loopback_url(url: &str) -> bool {
    let rest = url.split("://").nth(1).unwrap_or(url);
    let host = rest.split(['/', '?']).next().unwrap_or("");
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = if host.starts_with('[') {
        host.split(']').next().unwrap_or("").trim_start_matches('[')
    } else {
        host.split(':').next().unwrap_or("")
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Serves the HTTP notification endpoint; returns the URL to give the broker.
pub(super) async fn open_http(
    n: &NotifySettings,
    gate: Arc<Gate>,
    inbound: UnboundedSender<Inbound>,
) -> Result<String, String> {
    use axum::extract::{DefaultBodyLimit, Request, State};
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    let listener = tokio::net::TcpListener::bind(n.http_bind)
        .await
        .map_err(|e| format!("cannot listen on {} for notifications: {e}", n.http_bind))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("notification endpoint: {e}"))?;
    let token = token();
    let url = match &n.http_url {
        Some(base) => format!("{}/{token}", base.trim_end_matches('/')),
        None => {
            let ip = if addr.ip().is_unspecified() {
                std::net::IpAddr::from([127, 0, 0, 1])
            } else {
                addr.ip()
            };
            format!("http://{}/notify/{token}", SocketAddr::new(ip, addr.port()))
        }
    };
    #[derive(Clone)]
    struct Endpoint {
        gate: Arc<Gate>,
        inbound: UnboundedSender<Inbound>,
        token: String,
        max: usize,
    }
    async fn receive(State(ep): State<Endpoint>, req: Request) -> axum::response::Response {
        let arrived = Instant::now();
        // Any path that ends with the token: a proxy in front may add a prefix.
        if req.method() != axum::http::Method::POST
            || req.uri().path().rsplit('/').next() != Some(ep.token.as_str())
        {
            ep.gate.refused.fetch_add(1, Ordering::Relaxed);
            return (StatusCode::NOT_FOUND, "no such notification endpoint").into_response();
        }
        let bytes = match axum::body::to_bytes(req.into_body(), ep.max).await {
            Ok(b) => b,
            Err(_) => {
                ep.gate.too_large.fetch_add(1, Ordering::Relaxed);
                return (
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("notifications are limited to {} bytes", ep.max),
                )
                    .into_response();
            }
        };
        match ep.gate.admit(&bytes) {
            Ok(v) => {
                let _ = ep.inbound.send(Inbound::Notification(v, arrived));
                StatusCode::NO_CONTENT.into_response()
            }
            Err(Refusal::Malformed(why)) => (StatusCode::BAD_REQUEST, why).into_response(),
            Err(Refusal::Foreign(id)) => (
                StatusCode::FORBIDDEN,
                format!("this viewer did not create subscription {id}"),
            )
                .into_response(),
        }
    }
    let router = axum::Router::new()
        .fallback(receive)
        .layer(DefaultBodyLimit::max(n.max_bytes))
        .with_state(Endpoint {
            gate,
            inbound,
            token,
            max: n.max_bytes,
        });
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            tracing::warn!("notification endpoint stopped: {e}");
        }
    });
    Ok(url)
}

/// Connects to the MQTT broker and listens on a topic of the viewer's own; returns the URL to
/// give the NGSI-LD broker.
pub(super) async fn open_mqtt(
    endpoint: &MqttEndpoint,
    max_bytes: usize,
    gate: Arc<Gate>,
    inbound: UnboundedSender<Inbound>,
) -> Result<String, String> {
    use rumqttc::{Event, Packet, QoS};
    let token = token();
    let topic = format!("citytwin/{token}");
    let (client, mut events) = rumqttc::AsyncClient::new(
        endpoint.options(&format!("citytwin-{token}"), max_bytes),
        100,
    );
    let shown = endpoint.to_string();
    client
        .try_subscribe(topic.clone(), QoS::AtLeastOnce)
        .map_err(|e| format!("MQTT {shown}: {e}"))?;
    // Wait for the connection and the subscription to be acknowledged.
    let ready = tokio::time::timeout(Duration::from_secs(3), async {
        loop {
            match events.poll().await {
                Ok(Event::Incoming(Packet::SubAck(_))) => return Ok(()),
                Ok(_) => {}
                Err(e) => return Err(e.to_string()),
            }
        }
    })
    .await;
    match ready {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(format!("the MQTT broker {shown} cannot be reached: {e}")),
        Err(_) => return Err(format!("the MQTT broker {shown} did not answer within 3 s")),
    }
    let uri = endpoint.with_topic(&topic).uri();
    tokio::spawn(async move {
        let mut up = true;
        loop {
            match events.poll().await {
                Ok(Event::Incoming(Packet::Publish(p))) => {
                    let arrived = Instant::now();
                    if p.payload.len() > max_bytes {
                        gate.too_large.fetch_add(1, Ordering::Relaxed);
                        continue;
                    }
                    if let Ok(v) = gate.admit(&p.payload) {
                        let _ = inbound.send(Inbound::Notification(v, arrived));
                    }
                }
                Ok(Event::Incoming(Packet::ConnAck(_))) => {
                    // A new session: listen again, then tell the feed to resynchronise.
                    let _ = client.try_subscribe(topic.clone(), QoS::AtLeastOnce);
                }
                Ok(Event::Incoming(Packet::SubAck(_))) if !up => {
                    up = true;
                    let _ = inbound.send(Inbound::Connected);
                }
                Ok(_) => {}
                Err(rumqttc::ConnectionError::RequestsDone) => return,
                Err(e) => {
                    if up {
                        up = false;
                        let _ = inbound.send(Inbound::Disconnected(format!("{shown}: {e}")));
                    }
                    if inbound.is_closed() {
                        return;
                    }
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    });
    Ok(uri)
}

/// Opens the notification channel the settings ask for; the endpoint URL and its mode, or
/// why there is none.
pub(super) async fn open_channel(
    settings: &LiveSettings,
    gate: &Arc<Gate>,
    inbound: &UnboundedSender<Inbound>,
) -> Result<(LiveMode, String), String> {
    let n = &settings.notify;
    let mut why = Vec::new();
    if matches!(n.transport, NotifyTransport::Auto | NotifyTransport::Mqtt) {
        match &n.mqtt {
            Some(m) => match open_mqtt(m, n.max_bytes, gate.clone(), inbound.clone()).await {
                Ok(uri) => return Ok((LiveMode::Mqtt, uri)),
                Err(e) => why.push(e),
            },
            None if n.transport == NotifyTransport::Mqtt => {
                why.push("live.mqtt_url is not set".to_owned());
            }
            None => {}
        }
    }
    if matches!(n.transport, NotifyTransport::Auto | NotifyTransport::Http) {
        let reachable = n.transport == NotifyTransport::Http
            || n.http_url.is_some()
            || is_loopback_url(&settings.client.url);
        if reachable {
            match open_http(n, gate.clone(), inbound.clone()).await {
                Ok(uri) => return Ok((LiveMode::Http, uri)),
                Err(e) => why.push(e),
            }
        } else {
            why.push(
                "the broker is on another machine and cannot call this viewer: set live.mqtt_url, or live.http_url to an address the broker can reach"
                    .to_owned(),
            );
        }
    }
    if n.transport == NotifyTransport::Poll {
        why.push("live.mode is \"poll\"".to_owned());
    }
    Err(why.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_urls() {
        assert!(is_loopback_url("http://127.0.0.1:1026"));
        assert!(is_loopback_url("http://localhost:1026/x"));
        assert!(is_loopback_url("http://u:p@[::1]:1026"));
        assert!(!is_loopback_url("https://broker.example.org"));
        assert!(!is_loopback_url("http://10.0.0.2:1026"));
    }

    #[test]
    fn the_gate_refuses_foreign_and_malformed_notifications() {
        let gate = Gate::default();
        gate.ours.lock().unwrap().insert("urn:mine".to_owned());
        let mine = br#"{"subscriptionId": "urn:mine", "data": []}"#;
        assert!(gate.admit(mine).is_ok());
        let wrapped = br#"{"metadata": {}, "body": {"subscriptionId": "urn:mine", "data": []}}"#;
        assert!(gate.admit(wrapped).is_ok(), "the Orion-LD MQTT envelope");
        assert!(matches!(
            gate.admit(br#"{"subscriptionId": "urn:other", "data": []}"#),
            Err(Refusal::Foreign(_))
        ));
        assert!(matches!(gate.admit(b"{"), Err(Refusal::Malformed(_))));
        assert!(matches!(gate.admit(b"[1,2]"), Err(Refusal::Malformed(_))));
        assert_eq!(gate.refused.load(Ordering::Relaxed), 1);
        assert_eq!(gate.malformed.load(Ordering::Relaxed), 2);
    }
}
