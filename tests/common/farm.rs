//! A farm of TLS peers on many loopback addresses (127.20.x.y by default), served by one tokio
//! runtime on a background thread: rustls servers with the committed test PKI, and hostile
//! peers built here on our own bytes. Shared by tests/scan.rs and examples/scan-farm.rs (the
//! benchmark's servers).
#![allow(dead_code)]

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tlsight::handshake::VersionChoice;
use tlsight::handshake::server::{ServerSettings, TestKey, server_config};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// How a peer behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// rustls, ECDSA P-256 leaf, TLS 1.2 and 1.3.
    Tls,
    /// rustls, RSA-2048 leaf, TLS 1.2 only.
    Tls12Rsa,
    /// rustls signing with a key that is not the certificate's.
    WrongKey,
    /// rustls, but the ServerHello waits this many milliseconds after the ClientHello: keeps
    /// connections in flight (memory measurements).
    Delayed(u64),
    /// Reads the hello, never answers.
    Silent,
    /// A record header, then one byte every 150 ms.
    SlowDrip,
    /// An HTTP error page.
    Garbage,
    /// Reads the hello, then resets the connection.
    Reset,
    /// A fatal handshake_failure alert.
    Alert,
    /// Nothing listens.
    Refused,
    /// PostgreSQL's TLS upgrade on its well-known port 5432: answers the SSLRequest with 'S',
    /// then rustls (as `Tls`). Tells the scanner's port-chosen STARTTLS apart from plain TLS.
    PostgresTls,
}

/// Starts one peer per entry of `kinds` on 127.`net`.x.y (all on 127.0.0.1 when `net` is 0,
/// for clients that insist on that address) and returns their addresses.
pub fn start(kinds: Vec<Kind>, net: u8) -> Vec<(SocketAddr, Kind)> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let mut peers = Vec::new();
            for (n, kind) in kinds.into_iter().enumerate() {
                let n = n + 1;
                let ip = if net == 0 {
                    Ipv4Addr::LOCALHOST
                } else {
                    Ipv4Addr::new(127, net, (n / 250) as u8, (n % 250 + 1) as u8)
                };
                let port = if kind == Kind::PostgresTls { 5432 } else { 0 };
                let listener = TcpListener::bind((ip, port)).await.expect("bind 127.x.y.z");
                let addr = listener.local_addr().expect("addr");
                peers.push((addr, kind));
                if kind == Kind::Refused {
                    drop(listener);
                    continue;
                }
                tokio::spawn(serve(listener, kind));
            }
            tx.send(peers).expect("send");
            // Serve until the process ends.
            std::future::pending::<()>().await;
        });
    });
    rx.recv().expect("farm started")
}

async fn serve(listener: TcpListener, kind: Kind) {
    let settings = match kind {
        Kind::Tls12Rsa => ServerSettings {
            key: TestKey::Rsa2048,
            versions: VersionChoice::Tls12,
            ..ServerSettings::default()
        },
        Kind::WrongKey => ServerSettings {
            wrong_key: Some(TestKey::Rsa2048),
            ..ServerSettings::default()
        },
        _ => ServerSettings {
            tickets: 0,
            ..ServerSettings::default()
        },
    };
    let config = Arc::new(server_config(&settings).expect("server config"));
    let acceptor = tokio_rustls::TlsAcceptor::from(config.clone());
    loop {
        let Ok((mut sock, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let acceptor = acceptor.clone();
        let config = config.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 4096];
            match kind {
                Kind::PostgresTls => {
                    // SSLRequest: length 8, code 80877103.
                    let mut req = [0u8; 8];
                    let ok =
                        tokio::time::timeout(Duration::from_secs(20), sock.read_exact(&mut req))
                            .await
                            .is_ok_and(|r| r.is_ok());
                    if ok
                        && req == [0, 0, 0, 8, 4, 0xd2, 0x16, 0x2f]
                        && sock.write_all(b"S").await.is_ok()
                        && let Ok(Ok(mut tls)) =
                            tokio::time::timeout(Duration::from_secs(20), acceptor.accept(sock))
                                .await
                    {
                        let _ =
                            tokio::time::timeout(Duration::from_secs(5), tls.read(&mut buf)).await;
                    }
                }
                Kind::Tls | Kind::Tls12Rsa | Kind::WrongKey => {
                    if let Ok(Ok(mut tls)) =
                        tokio::time::timeout(Duration::from_secs(20), acceptor.accept(sock)).await
                    {
                        let _ =
                            tokio::time::timeout(Duration::from_secs(5), tls.read(&mut buf)).await;
                    }
                }
                Kind::Delayed(ms) => {
                    let lazy = tokio_rustls::LazyConfigAcceptor::new(
                        rustls::server::Acceptor::default(),
                        sock,
                    );
                    if let Ok(Ok(start)) = tokio::time::timeout(Duration::from_secs(20), lazy).await
                    {
                        tokio::time::sleep(Duration::from_millis(ms)).await;
                        if let Ok(Ok(mut tls)) =
                            tokio::time::timeout(Duration::from_secs(20), start.into_stream(config))
                                .await
                        {
                            let _ =
                                tokio::time::timeout(Duration::from_secs(5), tls.read(&mut buf))
                                    .await;
                        }
                    }
                }
                Kind::Silent => {
                    let _ = sock.read(&mut buf).await;
                    tokio::time::sleep(Duration::from_secs(60)).await;
                }
                Kind::SlowDrip => {
                    // A plausible ServerHello record header, then one byte every 150 ms: no
                    // read ever waits long, only an overall handshake deadline ends it.
                    let _ = sock.read(&mut buf).await;
                    let mut drip = vec![22u8, 3, 3, 0x40, 0];
                    drip.extend(std::iter::repeat_n(0u8, 0x4000));
                    for b in drip {
                        if sock.write_all(&[b]).await.is_err() {
                            break;
                        }
                        tokio::time::sleep(Duration::from_millis(150)).await;
                    }
                }
                Kind::Garbage => {
                    let _ = sock.read(&mut buf).await;
                    let _ = sock
                        .write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                        .await;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Kind::Reset => {
                    let _ = sock.read(&mut buf).await;
                    // Linger 0: the close sends RST instead of FIN (and never blocks, which is
                    // what tokio's deprecation warns about for non-zero lingers).
                    #[allow(deprecated)]
                    let _ = sock.set_linger(Some(Duration::ZERO));
                    drop(sock);
                }
                Kind::Alert => {
                    let _ = sock.read(&mut buf).await;
                    let _ = sock.write_all(&[21, 3, 3, 0, 2, 2, 40]).await;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Kind::Refused => {}
            }
        });
    }
}
