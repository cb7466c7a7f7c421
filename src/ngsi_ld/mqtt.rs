//! MQTT endpoints of NGSI-LD subscriptions: `mqtt://[user[:password]@]host[:port]/topic`.
//!
//! ```
//! use citytwin::ngsi_ld::mqtt::MqttEndpoint;
//! let e = MqttEndpoint::parse("mqtt://twin:secret@broker.example:1884/city/aq").unwrap();
//! assert_eq!((e.host.as_str(), e.port, e.topic.as_str()), ("broker.example", 1884, "city/aq"));
//! assert_eq!(e.to_string(), "mqtt://twin:***@broker.example:1884/city/aq");
//! ```

use std::time::Duration;

/// Where an MQTT notification goes (or comes from).
#[derive(Clone, PartialEq, Eq)]
pub struct MqttEndpoint {
    /// Host name or address.
    pub host: String,
    /// Port (1883 when not given).
    pub port: u16,
    /// The topic (the URL's path without its leading `/`).
    pub topic: String,
    /// User name and password, when given.
    pub credentials: Option<(String, String)>,
}

impl std::fmt::Debug for MqttEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self}")
    }
}

/// The URL with the password masked, for logs and the status bar.
impl std::fmt::Display for MqttEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let user = match &self.credentials {
            Some((u, _)) => format!("{u}:***@"),
            None => String::new(),
        };
        write!(f, "mqtt://{user}{}:{}/{}", self.host, self.port, self.topic)
    }
}

impl MqttEndpoint {
    /// Reads an `mqtt://` URL; the error says what is wrong.
    pub fn parse(url: &str) -> Result<Self, String> {
        let rest = if let Some(r) = url.strip_prefix("mqtt://") {
            r
        } else if url.starts_with("mqtts://") {
            return Err(format!(
                "{url}: mqtts (MQTT over TLS) is not supported yet; use mqtt:// on a trusted network"
            ));
        } else {
            return Err(format!("{url} is not an mqtt:// URL"));
        };
        let (authority, topic) = rest.split_once('/').unwrap_or((rest, ""));
        let (credentials, host_port) = match authority.rsplit_once('@') {
            Some((user_pass, hp)) => {
                let (u, p) = user_pass.split_once(':').unwrap_or((user_pass, ""));
                (Some((u.to_owned(), p.to_owned())), hp)
            }
            None => (None, authority),
        };
        let (host, port) = match host_port.rsplit_once(':') {
            Some((h, p)) => (
                h,
                p.parse::<u16>()
                    .map_err(|_| format!("{url}: the port `{p}` is not a number"))?,
            ),
            None => (host_port, 1883),
        };
        if host.is_empty() {
            return Err(format!("{url}: no host"));
        }
        Ok(Self {
            host: host.to_owned(),
            port,
            topic: topic.to_owned(),
            credentials,
        })
    }

    /// The full URL, password included (for the subscription sent to the broker; never log it).
    pub fn uri(&self) -> String {
        let user = match &self.credentials {
            Some((u, p)) => format!("{u}:{p}@"),
            None => String::new(),
        };
        format!("mqtt://{user}{}:{}/{}", self.host, self.port, self.topic)
    }

    /// The same server with another topic.
    pub fn with_topic(&self, topic: &str) -> Self {
        Self {
            topic: topic.to_owned(),
            ..self.clone()
        }
    }

    /// Connection options for a client with this id; packets up to `max_bytes`.
    pub fn options(&self, client_id: &str, max_bytes: usize) -> rumqttc::MqttOptions {
        let mut o = rumqttc::MqttOptions::new(client_id, self.host.clone(), self.port);
        o.set_keep_alive(Duration::from_secs(10));
        o.set_max_packet_size(max_bytes, max_bytes);
        if let Some((u, p)) = &self.credentials {
            o.set_credentials(u.clone(), p.clone());
        }
        o
    }
}

/// The QoS named by a subscription's `notifierInfo` `MQTT-QoS` (0, 1 or 2).
pub fn qos(level: u8) -> rumqttc::QoS {
    match level {
        2 => rumqttc::QoS::ExactlyOnce,
        1 => rumqttc::QoS::AtLeastOnce,
        _ => rumqttc::QoS::AtMostOnce,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let e = MqttEndpoint::parse("mqtt://localhost/twin").unwrap();
        assert_eq!((e.port, e.topic.as_str()), (1883, "twin"));
        assert!(
            MqttEndpoint::parse("mqtts://h/t")
                .unwrap_err()
                .contains("TLS")
        );
        assert!(MqttEndpoint::parse("http://h/t").is_err());
        assert!(
            MqttEndpoint::parse("mqtt://h:x/t")
                .unwrap_err()
                .contains("port")
        );
        let e = MqttEndpoint::parse("mqtt://u:p@h:2/a/b").unwrap();
        assert_eq!(e.credentials, Some(("u".into(), "p".into())));
        assert!(!format!("{e:?}").contains(":p@"));
    }
}
