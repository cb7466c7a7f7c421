//! Secrets and exposure: a broker behind HTTPS with a certificate of a private CA
//! (`broker.ca_file`), reached with OAuth2 client credentials or a bearer token, with every
//! log line on (`RUST_LOG=trace`): neither the client secret nor a token may appear in any
//! line citytwin writes.
//!
//! The HTTPS front is a small rustls server in this test that passes each request on to a
//! `citytwin broker` process over loopback; its certificate (`tests/fixtures/tls/`) is for
//! 127.0.0.1, signed by a test CA made for this test only.

use crate::broker::{free_port, start};
use crate::{citytwin, fixture, pass_on, read_request, run, temp_dir};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::io::{BufReader, Write};
use std::net::TcpListener;
use std::sync::Arc;

const ACCESS_TOKEN: &str = "access-9f2c4e1b7a5d";
const CLIENT_SECRET: &str = "client-secret-3e8d0a6c";

/// An HTTPS front on a free loopback port passing requests to `backend` (one per connection).
fn https_front(backend: u16) -> u16 {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let certs: Vec<CertificateDer> = CertificateDer::pem_file_iter(fixture("tls/server.pem"))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(fixture("tls/server.key")).unwrap();
    let config = Arc::new(
        rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap(),
    );
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for tcp in listener.incoming().flatten() {
            let config = config.clone();
            std::thread::spawn(move || {
                let Ok(conn) = rustls::ServerConnection::new(config) else {
                    return;
                };
                let mut tls = BufReader::new(rustls::StreamOwned::new(conn, tcp));
                let Ok(Some((head, body))) = read_request(&mut tls) else {
                    return;
                };
                let answer = pass_on(&head, &body, backend);
                let tls = tls.get_mut();
                let _ = tls.write_all(&answer);
                tls.conn.send_close_notify();
                let _ = tls.flush();
            });
        }
    });
    port
}

/// An OAuth2 token endpoint on a free loopback port that gives [`ACCESS_TOKEN`] to a request
/// carrying [`CLIENT_SECRET`] (in the form or as HTTP Basic credentials).
fn token_endpoint() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for tcp in listener.incoming().flatten() {
            let mut r = BufReader::new(tcp);
            let Ok(Some((head, body))) = read_request(&mut r) else {
                continue;
            };
            let basic = head
                .iter()
                .any(|l| l.to_ascii_lowercase().starts_with("authorization: basic"));
            let in_form = String::from_utf8_lossy(&body).contains(CLIENT_SECRET);
            let answer = if in_form || basic {
                format!(
                    r#"{{"access_token":"{ACCESS_TOKEN}","token_type":"Bearer","expires_in":3600}}"#
                )
            } else {
                r#"{"error":"invalid_client"}"#.to_owned()
            };
            let status = if in_form || basic {
                "200 OK"
            } else {
                "401 Unauthorized"
            };
            let _ = write!(
                r.get_mut(),
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                answer.len()
            );
        }
    });
    port
}

#[test]
fn no_secret_reaches_a_log_line_and_a_private_ca_is_trusted_when_configured() {
    let dir = temp_dir("secrets");
    let token_file = dir.join("token");
    std::fs::write(&token_file, format!("{ACCESS_TOKEN}\n")).unwrap();
    let secret_file = dir.join("secret");
    std::fs::write(&secret_file, CLIENT_SECRET).unwrap();
    let seed = fixture("delft_3dbag_buildings.ngsild.json.gz");
    let broker = start(
        &[
            "--db",
            ":memory:",
            "--seed",
            seed.to_str().unwrap(),
            "--token-file",
            token_file.to_str().unwrap(),
        ],
        free_port(),
    );
    let backend: u16 = broker.url.rsplit(':').next().unwrap().parse().unwrap();
    let https = https_front(backend);
    let token_port = token_endpoint();
    let ca = fixture("tls/ca.pem");
    let write_config = |name: &str, auth: &str, ca_file: &str| {
        let path = dir.join(name);
        std::fs::write(
            &path,
            format!(
                "[data]\nsource = \"broker\"\n[broker]\nurl = \"https://127.0.0.1:{https}\"\n\
                 ca_file = \"{ca_file}\"\nretries = 0\ntimeout_s = 20\n{auth}"
            ),
        )
        .unwrap();
        path
    };
    let oauth = format!(
        "token_url = \"http://127.0.0.1:{token_port}/token\"\nclient_id = \"citytwin-test\"\n\
         client_secret_file = \"{}\"\n",
        secret_file.display()
    );
    let bearer = format!("token_file = \"{}\"\n", token_file.display());
    for (name, auth) in [("oauth.toml", &oauth), ("bearer.toml", &bearer)] {
        let config = write_config(name, auth, ca.to_str().unwrap());
        let out = run(citytwin()
            .args(["check", "--json", "--config"])
            .arg(&config)
            .env("RUST_LOG", "trace"));
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{name}: {stderr}");
        let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(report["buildings"], 1115, "{name}");
        // Trace logging is on: the log is long, and holds no secret.
        assert!(
            stderr.lines().count() > 100,
            "{name}: trace logs were written"
        );
        for secret in [ACCESS_TOKEN, CLIENT_SECRET] {
            assert!(!stdout.contains(secret), "{name}: a secret on stdout");
            let leaked: Vec<&str> = stderr.lines().filter(|l| l.contains(secret)).collect();
            assert!(leaked.is_empty(), "{name}: a secret in the log: {leaked:?}");
        }
    }
    // Without the CA, the certificate is refused, and the user is told.
    let config = write_config("no-ca.toml", &bearer, "");
    let out = run(citytwin()
        .args(["check", "--json", "--config"])
        .arg(&config));
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr).to_lowercase();
    assert!(stderr.contains("certificate"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
