//! `--starttls`, `--xmpp-host` and `--proxy`, shared by handshake, verify, audit and mitm.

use tlsight::net::{NetOptions, NoProxy, Protocol, Proxy, Starttls, Target};

/// How to reach the server: proxy and STARTTLS upgrade.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct NetArgs {
    /// Upgrade a plaintext connection first: smtp, imap, pop3, ftp, ldap, xmpp, postgres,
    /// mysql; `none` turns off the choice made from a well-known port (25, 587, 143, 110, 21,
    /// 389, 5222, 5432, 3306).
    #[arg(long, value_name = "PROTO", value_parser = parse_starttls)]
    starttls: Option<StarttlsArg>,
    /// XMPP: the domain to name in the stream header (default: the target host).
    #[arg(long, value_name = "DOMAIN")]
    xmpp_host: Option<String>,
    /// Connect through a proxy: http://[USER:PASS@]HOST:PORT (CONNECT),
    /// socks5://[USER:PASS@]HOST:PORT, socks5h://… (the proxy resolves the name), or `env`
    /// (https_proxy, then ALL_PROXY; a target in no_proxy is reached directly). The
    /// environment is never read otherwise.
    #[arg(long, value_name = "URL")]
    proxy: Option<String>,
}

#[derive(Debug, Clone, Copy)]
enum StarttlsArg {
    None,
    Proto(Protocol),
}

fn parse_starttls(s: &str) -> Result<StarttlsArg, String> {
    if s.eq_ignore_ascii_case("none") {
        return Ok(StarttlsArg::None);
    }
    Protocol::parse(s).map(StarttlsArg::Proto).ok_or_else(|| {
        format!(
            "unknown protocol '{s}'; expected one of: {}, none",
            Protocol::ALL.map(|p| p.name()).join(", ")
        )
    })
}

impl NetArgs {
    /// The settings for `target`, and the notes to print: the port chose the protocol,
    /// `no_proxy` sent the target past the environment's proxy.
    pub(crate) fn resolve(&self, target: &Target) -> Result<(NetOptions, Vec<String>), String> {
        let mut notes = Vec::new();
        let proxy = match self.proxy.as_deref() {
            None => None,
            Some("env") => {
                let proxy = Proxy::from_env().map_err(|e| e.to_string())?.ok_or(
                    "--proxy env: none of https_proxy, HTTPS_PROXY, all_proxy, ALL_PROXY is set",
                )?;
                let bypass = NoProxy::from_lookup(|k| std::env::var(k).ok())
                    .and_then(|(var, np)| np.matching(target).map(|e| (var, e.to_string())));
                match bypass {
                    // Said on stderr: a proxy the user asked for is not used, never silently.
                    Some((var, entry)) => {
                        notes.push(format!(
                            "{target} matches '{entry}' in {var}: connecting directly, not through {proxy}"
                        ));
                        None
                    }
                    None => Some(proxy),
                }
            }
            Some(p) => Some(Proxy::parse(p).map_err(|e| e.to_string())?),
        };
        let starttls = match self.starttls {
            Some(StarttlsArg::None) => None,
            Some(StarttlsArg::Proto(p)) => Some(Starttls::new(p)),
            None => Protocol::for_port(target.port).map(|p| {
                notes.push(format!(
                    "port {} is {}'s: upgrading with STARTTLS (--starttls none to start TLS at once)",
                    target.port,
                    p.name().to_uppercase()
                ));
                Starttls {
                    from_port: true,
                    ..Starttls::new(p)
                }
            }),
        };
        let starttls = starttls.map(|mut s| {
            s.xmpp_host = self.xmpp_host.clone();
            s
        });
        if self.xmpp_host.is_some() && starttls.as_ref().map(|s| s.protocol) != Some(Protocol::Xmpp)
        {
            return Err("--xmpp-host needs --starttls xmpp (or port 5222)".into());
        }
        Ok((NetOptions { proxy, starttls }, notes))
    }
}

impl NetArgs {
    /// The settings for a scan: one proxy for every target, the upgrade chosen per target (by
    /// its port unless `--starttls` says otherwise).
    pub(crate) fn reach(&self) -> Result<tlsight::scan::Reach, String> {
        use tlsight::scan::StarttlsChoice;
        let starttls = match self.starttls {
            None => StarttlsChoice::ByPort,
            Some(StarttlsArg::None) => StarttlsChoice::Off,
            Some(StarttlsArg::Proto(p)) => StarttlsChoice::Always(p),
        };
        if self.xmpp_host.is_some()
            && !matches!(
                starttls,
                StarttlsChoice::Always(Protocol::Xmpp) | StarttlsChoice::ByPort
            )
        {
            return Err("--xmpp-host needs --starttls xmpp (or port 5222)".into());
        }
        // The proxy is the same for every target: resolve it against any target.
        let (net, _) = self.resolve(&Target {
            host: "scan".into(),
            port: 443,
        })?;
        Ok(tlsight::scan::Reach {
            proxy: net.proxy,
            starttls,
            xmpp_host: self.xmpp_host.clone(),
        })
    }
}

/// Prints [`NetArgs::resolve`]'s notes on stderr (stdout stays the report, JSON or text).
pub(crate) fn announce(notes: &[String]) {
    for n in notes {
        eprintln!("tlsight: note: {n}");
    }
}

/// A connection that failed before TLS: show the plaintext exchange (text or JSON, so the
/// server's refusal is visible), then the one-line error. Exit 1 when the server does not offer
/// or refuses the upgrade (a finding), 2 otherwise.
pub(crate) fn failed_before_tls(
    target: &Target,
    e: &tlsight::handshake::HandshakeError,
    json: bool,
) -> Result<u8, String> {
    let net = match e {
        tlsight::handshake::HandshakeError::Net(n) => n,
        other => return Err(other.to_string()),
    };
    let Some(x) = net.exchange() else {
        return Err(net.to_string());
    };
    if json {
        #[derive(serde::Serialize)]
        struct Failed<'a> {
            target: String,
            starttls: &'a tlsight::net::Exchange,
            error: String,
            finding: bool,
        }
        super::print_out(&tlsight::report::to_json(&Failed {
            target: target.to_string(),
            starttls: x,
            error: net.to_string(),
            finding: net.is_finding(),
        }));
    } else {
        super::print_out(&tlsight::report::starttls::render(
            x,
            tlsight::report::Palette::detect(),
        ));
    }
    eprintln!("tlsight: {target}: {net}");
    Ok(if net.is_finding() {
        super::exit::FINDING
    } else {
        super::exit::ERROR
    })
}
