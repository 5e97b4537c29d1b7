//! The scheduler: reads targets on a thread and deals them to one single-threaded tokio runtime
//! per core, which dispatch them at the allowed rate as tasks under a global limit and a
//! per-IP limit; bounds each by its deadlines, retries timeouts with backoff, and hands every
//! record to one writer thread that flushes it at once.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};
use tokio::time::{Instant, sleep, sleep_until, timeout_at};

use super::assess::Judge;
use super::conn::{self, Attempt, AttemptLimits, Client, Dial, Reach};
use super::record::{ScanRecord, StarttlsSummary, Status};
use super::summary::Summary;
use super::targets::{Item, ScanTarget, Shard, key_hash};
use super::{Limits, ScanError};
use crate::handshake::{EngineName, HandshakeError, InspectOptions, Timings};

/// Targets whose route (proxy, STARTTLS) runs on a blocking thread, at once: the net layer's
/// exchanges are blocking code, and a thread each is the price.
const BLOCKING_ROUTES: usize = 1024;

/// Most records one write carries (bounds the line buffer).
const WRITE_BATCH: usize = 256;

/// The writer's pause after a write that emptied the queue: records finishing meanwhile leave
/// together in the next write. Without it every record woke the writer thread (a futex wake,
/// two context switches and a write each, about 5% of the scan's CPU); with it a line reaches
/// the file at most this long after its target finished.
const WRITE_PAUSE: Duration = Duration::from_millis(5);

/// What to scan with.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Concurrency, rate, timeouts, retries.
    pub limits: Limits,
    /// Versions, ALPN, groups and extra anchors (the target and SNI fields are ignored).
    pub tls: InspectOptions,
    /// Run the full audit on each reachable target with these settings.
    pub audit: Option<crate::probe::Settings>,
    /// Only the targets of this shard.
    pub shard: Option<Shard>,
    /// Keys ([`key_hash`]) already in the output (`--resume`).
    pub skip: HashSet<u64>,
    /// Proxy and STARTTLS (`--proxy`, `--starttls`).
    pub reach: Reach,
    /// Memoise chain verdicts within the run.
    pub verdict_cache: bool,
    /// Compute JA4S (FoxIO License 1.1).
    pub ja4s: bool,
}

/// Live counters, for a progress display.
#[derive(Debug, Default)]
pub struct Progress {
    /// Targets known so far in this shard (input still being read: a lower bound).
    pub queued: AtomicU64,
    /// Whether the whole input has been read (then `queued` is the total).
    pub input_done: AtomicBool,
    /// Records written.
    pub done: AtomicU64,
    /// Targets being worked on.
    pub in_flight: AtomicU64,
    /// Records with status `ok`.
    pub ok: AtomicU64,
}

struct Ctx {
    opts: ScanOptions,
    client: Client,
    judge: Judge,
    per_ip: PerIp,
    /// Connections whose route runs on a blocking thread (proxy, STARTTLS) at once.
    threads: Arc<Semaphore>,
    rate: Option<Mutex<Instant>>,
    shard: Option<String>,
}

/// One semaphore per IP address in use, dropped when its last user leaves.
struct PerIp {
    limit: usize,
    map: Mutex<HashMap<Peer, Arc<Semaphore>>>,
}

/// What the per-IP limit counts: the address, or the name when a proxy resolves it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Peer {
    Ip(IpAddr),
    Name(String),
}

struct IpSlot<'a> {
    owner: &'a PerIp,
    ip: Peer,
    sem: Arc<Semaphore>,
    permit: Option<OwnedSemaphorePermit>,
}

impl PerIp {
    async fn acquire(&self, ip: Peer) -> IpSlot<'_> {
        let sem = {
            let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
            map.entry(ip.clone())
                .or_insert_with(|| Arc::new(Semaphore::new(self.limit)))
                .clone()
        };
        let permit = sem.clone().acquire_owned().await.ok();
        IpSlot {
            owner: self,
            ip,
            sem,
            permit,
        }
    }
}

impl Drop for IpSlot<'_> {
    fn drop(&mut self) {
        self.permit.take();
        let mut map = self.owner.map.lock().unwrap_or_else(|p| p.into_inner());
        // Only the map and this slot hold it: nobody waits, forget the address.
        if Arc::strong_count(&self.sem) == 2 {
            map.remove(&self.ip);
        }
    }
}

impl Ctx {
    /// Waits for this connection's turn under `--rate`.
    async fn rate_turn(&self) {
        let Some(next) = &self.rate else { return };
        let Some(interval) = self.opts.limits.rate_interval() else {
            return;
        };
        let at = {
            let mut n = next.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            let at = (*n).max(now);
            *n = at + interval;
            at
        };
        sleep_until(at).await;
    }
}

/// Scans every item of `items` (read on a separate thread, so a slow pipe never blocks the
/// runtime) and writes one JSON line per target to `out`, flushed at once. Returns the summary.
pub fn run<I>(
    items: I,
    opts: ScanOptions,
    out: Box<dyn Write + Send>,
    progress: Arc<Progress>,
) -> Result<Summary, ScanError>
where
    I: Iterator<Item = std::io::Result<Item>> + Send + 'static,
{
    // One single-threaded runtime per core, each with its own dispatch loop: a target's task
    // stays on the thread that started it, so no task is stolen or woken across threads. The
    // work-stealing runtime took 6% (two cores) to 12% (one core) more CPU per handshake.
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    let runtimes = (0..workers)
        .map(|_| {
            tokio::runtime::Builder::new_current_thread()
                .max_blocking_threads(BLOCKING_ROUTES + 16)
                .enable_all()
                .build()
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ScanError::Setup(format!("cannot start the async runtime: {e}")))?;
    let start = std::time::Instant::now();
    let client = Client::new(&opts.tls).map_err(|e| ScanError::Setup(e.to_string()))?;
    let judge = Judge::new(opts.tls.extra_roots.clone(), opts.verdict_cache, opts.ja4s)
        .map_err(ScanError::Setup)?;
    let limits = opts.limits;
    let ctx = Arc::new(Ctx {
        client,
        judge,
        per_ip: PerIp {
            limit: limits.per_ip.max(1),
            map: Mutex::new(HashMap::new()),
        },
        threads: Arc::new(Semaphore::new(BLOCKING_ROUTES)),
        rate: limits.rate_interval().map(|_| Mutex::new(Instant::now())),
        shard: opts.shard.map(|s| s.to_string()),
        opts,
    });

    // Reader thread: parse, shard, skip; a small bounded channel to each worker, so a huge list
    // is never in memory. Each item goes to the next worker whose channel has room: a worker
    // that falls behind gets fewer.
    let per_worker = (limits.concurrency / workers).clamp(16, 1024);
    let (item_txs, item_rxs): (Vec<_>, Vec<_>) = (0..workers)
        .map(|_| mpsc::channel::<Item>(per_worker))
        .unzip();
    let counts = Arc::new((AtomicU64::new(0), AtomicU64::new(0)));
    let read_error: Arc<Mutex<Option<String>>> = Arc::default();
    let reader = {
        let shard = ctx.opts.shard;
        let skip = ctx.opts.skip.clone();
        let counts = counts.clone();
        let progress = progress.clone();
        let read_error = read_error.clone();
        std::thread::spawn(move || {
            let mut next = 0;
            for item in items {
                let item = match item {
                    Ok(i) => i,
                    Err(e) => {
                        *read_error.lock().unwrap_or_else(|p| p.into_inner()) =
                            Some(format!("cannot read the target list: {e}"));
                        break;
                    }
                };
                let key = item.key();
                if shard.is_some_and(|s| !s.owns(&key)) {
                    counts.1.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                if !skip.is_empty() && skip.contains(&key_hash(&key)) {
                    counts.0.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                progress.queued.fetch_add(1, Ordering::Relaxed);
                if send_to_a_worker(&item_txs, &mut next, item).is_err() {
                    break;
                }
            }
            progress.input_done.store(true, Ordering::Relaxed);
        })
    };

    // Writer thread: one line per record, flushed; the summary counts exactly what was written.
    let (rec_tx, mut rec_rx) = mpsc::channel::<ScanRecord>(limits.concurrency.clamp(64, 4096));
    let failed = Arc::new(AtomicBool::new(false));
    let writer = {
        let progress = progress.clone();
        let failed = failed.clone();
        std::thread::spawn(move || -> Result<Summary, ScanError> {
            let mut out = out;
            let mut summary = Summary::default();
            let mut line = Vec::with_capacity(4096);
            let mut batch: Vec<ScanRecord> = Vec::new();
            while let Some(first) = rec_rx.blocking_recv() {
                // Records that finished while the last write (or the pause after it) was under
                // way leave in the same write; every write is flushed.
                batch.push(first);
                while batch.len() < WRITE_BATCH {
                    match rec_rx.try_recv() {
                        Ok(rec) => batch.push(rec),
                        Err(_) => break,
                    }
                }
                line.clear();
                let written = batch
                    .iter()
                    .try_for_each(|rec| {
                        serde_json::to_writer(&mut line, rec)?;
                        line.push(b'\n');
                        Ok::<_, serde_json::Error>(())
                    })
                    .map_err(|e| std::io::Error::other(e.to_string()))
                    .and_then(|_| out.write_all(&line))
                    .and_then(|_| out.flush());
                if let Err(e) = written {
                    failed.store(true, Ordering::Relaxed);
                    return Err(if e.kind() == std::io::ErrorKind::BrokenPipe {
                        ScanError::BrokenPipe
                    } else {
                        ScanError::Output(e.to_string())
                    });
                }
                let full = batch.len() == WRITE_BATCH;
                for rec in batch.drain(..) {
                    summary.add(&rec);
                    progress.done.fetch_add(1, Ordering::Relaxed);
                    if rec.status == Status::Ok {
                        progress.ok.fetch_add(1, Ordering::Relaxed);
                    }
                }
                if !full {
                    std::thread::sleep(WRITE_PAUSE);
                }
            }
            Ok(summary)
        })
    };

    let concurrency = limits.concurrency.max(1);
    let slots = Arc::new(Semaphore::new(concurrency));
    // Each worker's dispatch loop runs on its own runtime's thread: a finishing target hands
    // its slot to the loop without waking another OS thread.
    let dispatchers: Vec<_> = runtimes
        .into_iter()
        .zip(item_rxs)
        .enumerate()
        .map(|(i, (rt, item_rx))| {
            let dispatch = dispatch(
                ctx.clone(),
                item_rx,
                slots.clone(),
                concurrency,
                rec_tx.clone(),
                failed.clone(),
                progress.clone(),
            );
            std::thread::Builder::new()
                .name(format!("tlsight-scan-{i}"))
                .spawn(move || {
                    let r = rt.block_on(rt.spawn(dispatch));
                    rt.shutdown_timeout(Duration::from_millis(100));
                    r
                })
        })
        .collect();
    // The record channel closes when every dispatcher has dropped its sender.
    drop(rec_tx);
    let mut dispatched = Ok(());
    for d in dispatchers {
        let r = match d {
            Err(e) => Err(format!("cannot start a scan thread: {e}")),
            Ok(handle) => match handle.join() {
                Err(_) => Err("a scan thread panicked".to_string()),
                Ok(Err(e)) => Err(e.to_string()),
                Ok(Ok(())) => Ok(()),
            },
        };
        if dispatched.is_ok() {
            dispatched = r;
        }
    }
    let _ = reader.join();
    let mut summary = writer
        .join()
        .map_err(|_| ScanError::Output("the writer thread panicked".into()))??;
    if let Err(e) = dispatched {
        return Err(ScanError::Setup(format!(
            "internal error: the scan's dispatcher stopped: {e}"
        )));
    }
    if let Some(e) = read_error.lock().unwrap_or_else(|p| p.into_inner()).take() {
        return Err(ScanError::Input(e));
    }
    summary.skipped_resume = counts.0.load(Ordering::Relaxed);
    summary.other_shards = counts.1.load(Ordering::Relaxed);
    summary.chains_validated = ctx.judge.validations.load(Ordering::Relaxed);
    summary.shard = ctx.shard.clone();
    summary.elapsed_s = start.elapsed().as_secs_f64();
    summary.targets_per_second = if summary.elapsed_s > 0.0 {
        summary.targets as f64 / summary.elapsed_s
    } else {
        0.0
    };
    Ok(summary)
}

/// Hands `item` to the next worker, from `next` on, whose channel has room; when every channel
/// is full, waits on the next one. `Err` when the workers have stopped.
fn send_to_a_worker(
    txs: &[mpsc::Sender<Item>],
    next: &mut usize,
    mut item: Item,
) -> Result<(), ()> {
    for k in 0..txs.len() {
        let i = (*next + k) % txs.len();
        match txs[i].try_send(item) {
            Ok(()) => {
                *next = (i + 1) % txs.len();
                return Ok(());
            }
            Err(mpsc::error::TrySendError::Full(back)) => item = back,
            Err(mpsc::error::TrySendError::Closed(_)) => return Err(()),
        }
    }
    let i = *next % txs.len();
    *next = (i + 1) % txs.len();
    txs[i].blocking_send(item).map_err(|_| ())
}

/// One worker's dispatch loop: takes its items as slots of the global limit free up, and runs
/// each target as a task on this runtime. Returns once its items are done.
async fn dispatch(
    ctx: Arc<Ctx>,
    mut item_rx: mpsc::Receiver<Item>,
    slots: Arc<Semaphore>,
    concurrency: usize,
    rec_tx: mpsc::Sender<ScanRecord>,
    failed: Arc<AtomicBool>,
    progress: Arc<Progress>,
) {
    // This worker's own targets in flight, to wait for them at the end.
    let mine = Arc::new(Semaphore::new(concurrency));
    while let Some(item) = item_rx.recv().await {
        if failed.load(Ordering::Relaxed) {
            break;
        }
        let (Ok(permit), Ok(own)) = (
            slots.clone().acquire_owned().await,
            mine.clone().acquire_owned().await,
        ) else {
            break;
        };
        if matches!(item, Item::Target(_)) {
            ctx.rate_turn().await;
        }
        let ctx = ctx.clone();
        let tx = rec_tx.clone();
        let progress = progress.clone();
        progress.in_flight.fetch_add(1, Ordering::Relaxed);
        tokio::spawn(async move {
            let fallback_record = placeholder(&item, ctx.shard.clone());
            // A panic in one target must still leave its line.
            let rec = match tokio::spawn(scan_item(ctx, item)).await {
                Ok(r) => r,
                Err(e) => {
                    let mut r = fallback_record;
                    r.status = Status::Error;
                    r.error = Some(format!("internal error: {e}"));
                    r
                }
            };
            let _ = tx.send(rec).await;
            progress.in_flight.fetch_sub(1, Ordering::Relaxed);
            drop(permit);
            drop(own);
        });
    }
    // Every slot of this worker back = every target it started has finished. The item
    // channel closes here (the reader stops when the scan failed).
    let _ = mine.acquire_many(concurrency as u32).await;
    drop(item_rx);
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// A record with the target's identity and nothing else yet.
fn placeholder(item: &Item, shard: Option<String>) -> ScanRecord {
    let (key, target, host, port, sni, line) = match item {
        Item::Target(t) => (
            t.key(),
            t.target.to_string(),
            t.target.host.clone(),
            t.target.port,
            t.sni.clone(),
            t.line,
        ),
        Item::Invalid { line, text, .. } => {
            (text.clone(), text.clone(), String::new(), 0, None, *line)
        }
    };
    ScanRecord {
        key,
        target,
        host,
        port,
        sni,
        line,
        status: Status::Error,
        error: None,
        address: None,
        attempts: 0,
        elapsed_ms: 0.0,
        timings_ms: None,
        starttls: None,
        engine: None,
        engine_fallback: None,
        negotiated: None,
        handshake_signature_valid: None,
        certificate: None,
        verification: None,
        fingerprints: None,
        interception: None,
        audit: None,
        shard,
        finished_at: String::new(),
    }
}

async fn scan_item(ctx: Arc<Ctx>, item: Item) -> ScanRecord {
    let mut rec = placeholder(&item, ctx.shard.clone());
    let t0 = Instant::now();
    match item {
        Item::Invalid { reason, .. } => {
            rec.status = Status::InvalidTarget;
            rec.error = Some(reason);
        }
        Item::Target(t) => scan_target(&ctx, &t, &mut rec).await,
    }
    rec.elapsed_ms = (t0.elapsed().as_secs_f64() * 1e6).round() / 1e3;
    rec.finished_at = now_rfc3339();
    rec
}

/// Resolves the target to one address (IP literals need no lookup).
async fn resolve(t: &ScanTarget, limit: Duration) -> Result<SocketAddr, HandshakeError> {
    if let Some(ip) = t.target.ip() {
        return Ok(SocketAddr::new(ip, t.target.port));
    }
    let host = t.target.host.clone();
    let lookup = tokio::net::lookup_host((t.target.host.clone(), t.target.port));
    match tokio::time::timeout(limit, lookup).await {
        Err(_) => Err(HandshakeError::Net(crate::net::NetError::DnsTimeout {
            host,
            secs: limit.as_secs_f64(),
        })),
        Ok(Err(e)) => Err(HandshakeError::Net(crate::net::NetError::Dns {
            host,
            reason: e.to_string(),
        })),
        Ok(Ok(mut addrs)) => addrs
            .next()
            .ok_or(HandshakeError::Net(crate::net::NetError::Dns {
                host,
                reason: "no addresses".into(),
            })),
    }
}

async fn scan_target(ctx: &Ctx, t: &ScanTarget, rec: &mut ScanRecord) {
    let limits = ctx.opts.limits;
    // SNI: as given on the line, else the host name; none for IP addresses (RFC 6066).
    let sni = t
        .sni
        .clone()
        .or_else(|| t.target.ip().is_none().then(|| t.target.host.clone()));
    rec.sni = sni.clone();
    let name = sni.clone().unwrap_or_else(|| t.target.host.clone());
    let net = ctx.opts.reach.for_target(t.target.port, &name);

    // Through a proxy, a name is the proxy's to resolve (socks5h, CONNECT).
    let addr = if net.proxy.is_some() && t.target.ip().is_none() {
        None
    } else {
        match resolve(t, limits.dns_timeout).await {
            Ok(a) => Some(a),
            Err(e) => {
                rec.status = Status::of(&e);
                rec.error = Some(e.to_string());
                return;
            }
        }
    };
    rec.address = addr.map(|a| a.to_string());
    // Waiting for the per-IP slot (and a thread for a proxied or upgraded route) is not the
    // target's fault: its deadline starts once it has them.
    let _ip_slot = ctx
        .per_ip
        .acquire(match addr {
            Some(a) => Peer::Ip(a.ip()),
            None => Peer::Name(t.target.host.to_ascii_lowercase()),
        })
        .await;
    let _thread = if net == crate::net::NetOptions::default() && ctx.client.rustls_first() {
        None
    } else {
        ctx.threads.clone().acquire_owned().await.ok()
    };
    let deadline = Instant::now() + limits.target_timeout;
    let dial = Dial {
        target: &t.target,
        addr,
        net: &net,
    };

    let outcome = timeout_at(
        deadline,
        attempts(ctx, dial, &name, sni.is_some(), deadline, rec),
    )
    .await;
    let attempt = match outcome {
        Err(_) => {
            rec.status = Status::TargetTimeout;
            rec.error = Some(format!(
                "no result within the per-target deadline of {:.1}s",
                limits.target_timeout.as_secs_f64()
            ));
            return;
        }
        Ok(Err(e)) => {
            rec.status = Status::of(&e);
            rec.error = Some(e.to_string());
            if let HandshakeError::Net(n) = &e {
                rec.starttls = n.exchange().map(StarttlsSummary::of);
            }
            return;
        }
        Ok(Ok(a)) => a,
    };
    let mut attempt = attempt;
    rec.address = Some(attempt.address.to_string());
    rec.starttls = attempt.exchange.as_ref().map(StarttlsSummary::of);
    // rustls could not negotiate: tlsight's own engine tries, as `handshake --engine auto`
    // does, on a new connection along the same route.
    if attempt.engine == EngineName::Rustls
        && ctx.client.engine_fallback()
        && let Some(reason) =
            crate::handshake::fallback_reason_for(attempt.failure.as_ref(), &attempt.negotiated)
    {
        let lim = attempt_limits(ctx, deadline);
        // Boxed like the audit: only the few targets that need the engine pay for its future.
        let second = timeout_at(
            deadline,
            Box::pin(async {
                let _thread = match &_thread {
                    Some(_) => None,
                    None => ctx.threads.clone().acquire_owned().await.ok(),
                };
                conn::engine_attempt(&ctx.client, dial, &name, sni.is_some(), lim).await
            }),
        )
        .await;
        rec.attempts += 1;
        // The engine's attempt is the answer when it got at least as far as rustls did.
        if let Ok(Ok(second)) = second
            && (second.negotiated.version.is_some() || !second.seen.certificates.is_empty())
        {
            attempt = Attempt {
                engine_fallback: Some(reason),
                ..second
            };
        }
    }
    rec.engine = Some(attempt.engine);
    rec.engine_fallback = attempt.engine_fallback.clone();
    rec.status = match &attempt.failure {
        None => Status::Ok,
        Some(f) => Status::of(f),
    };
    rec.error = attempt.failure.as_ref().map(|f| f.to_string());
    rec.timings_ms = Some(Timings {
        dns: attempt.open.dns,
        tcp_connect: attempt.open.tcp_connect,
        tls_handshake: attempt.tls_ms,
        proxy: attempt.open.proxy,
        starttls: attempt.open.starttls,
    });
    rec.handshake_signature_valid = attempt.seen.signature_valid;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let j = ctx.judge.judge(&attempt, &t.target.to_string(), &name, now);
    rec.negotiated = j.negotiated;
    rec.certificate = j.certificate;
    rec.verification = j.verification;
    rec.fingerprints = j.fingerprints;
    rec.interception = j.interception;

    if let Some(settings) = ctx.opts.audit {
        let opts = crate::probe::scan::AuditOptions {
            sni: sni.clone(),
            settings,
            at: None,
            verify: crate::x509::VerifyOptions {
                host: Some(name.clone()),
                extra_anchors: ctx.opts.tls.extra_roots.clone(),
                ..Default::default()
            },
            // The audit's connections go the way the handshake went.
            route: (net != crate::net::NetOptions::default()).then(|| crate::net::Route {
                target: t.target.clone(),
                net: net.clone(),
            }),
        };
        // Boxed: the audit's state machine is tens of KiB, and inline it would sit in every
        // target's task, audited or not.
        let audit = timeout_at(
            deadline,
            Box::pin(crate::probe::scan::audit_addr(
                attempt.address,
                t.target.to_string(),
                opts,
            )),
        )
        .await;
        rec.audit = Some(match audit {
            Ok(Ok(report)) => serde_json::to_value(&report)
                .unwrap_or_else(|e| serde_json::json!({ "error": e.to_string() })),
            Ok(Err(e)) => serde_json::json!({ "error": e.to_string() }),
            Err(_) => {
                serde_json::json!({ "error": "the audit did not finish before the per-target deadline" })
            }
        });
    }
}

fn attempt_limits(ctx: &Ctx, deadline: Instant) -> AttemptLimits {
    let limits = ctx.opts.limits;
    AttemptLimits {
        dns: limits.dns_timeout,
        connect: limits.connect_timeout,
        handshake: limits.handshake_timeout,
        deadline,
    }
}

/// Connection attempts: the first, then retries after timeouts only, with doubling backoff.
async fn attempts(
    ctx: &Ctx,
    dial: Dial<'_>,
    name: &str,
    send_sni: bool,
    deadline: Instant,
    rec: &mut ScanRecord,
) -> Result<Attempt, HandshakeError> {
    let limits = ctx.opts.limits;
    let lim = attempt_limits(ctx, deadline);
    let mut backoff = limits.backoff;
    let mut n = 0;
    loop {
        n += 1;
        rec.attempts = n;
        let r = if ctx.client.rustls_first() {
            conn::attempt(&ctx.client, dial, name, send_sni, lim).await
        } else {
            conn::engine_attempt(&ctx.client, dial, name, send_sni, lim).await
        };
        let status = match &r {
            Ok(a) => a.failure.as_ref().map(Status::of),
            Err(e) => Some(Status::of(e)),
        };
        let retry = status.is_some_and(Status::is_timeout)
            && n <= limits.retries
            && Instant::now() + backoff < deadline;
        if !retry {
            return r;
        }
        sleep(backoff).await;
        backoff = backoff.saturating_mul(2);
        ctx.rate_turn().await;
    }
}
