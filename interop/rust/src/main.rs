//! A plain rust-libp2p node for p2pboot's interop tests, controlled over stdin/stdout with the
//! same JSON line protocol as ../peer.mjs (the js peer), so that one Java harness drives all:
//!
//! ```text
//! rustpeer [--seed HEX64] [--quic-port N] [--tcp-port N] [--no-tcp] [--kad] [--kad-protocol ID]
//!          [--quic-idle-ms N] [--quic-keepalive-ms N] [--kad-query-timeout-ms N]
//!          [--kad-replication N] [--bootstrap MULTIADDR]...
//! ```
//!
//! stdout carries only JSON lines: first {"event":"ready",...}, then events and command replies.
//! Commands arrive on stdin as {"id":1,"cmd":"dial","addr":"..."}; each gets exactly one reply
//! {"id":1,"ok":true,"result":...} or {"id":1,"ok":false,"error":"..."}. Logs go to stderr. The
//! node listens on loopback only. Every event carries "mono": CLOCK_MONOTONIC in nanoseconds, a
//! decimal string, the clock the JVM's System.nanoTime() reads on Linux.
//!
//! With `--bootstrap` it does what the seed's rust nodes do at start: dial every bootstrap address,
//! then `kademlia.bootstrap()` (which needs --kad).

use std::collections::HashMap;
use std::io::Write;
use std::num::NonZeroUsize;
use std::time::{Duration, Instant};

use base64::Engine;
use futures::{AsyncReadExt, AsyncWriteExt, StreamExt};
use libp2p::identity::Keypair;
use libp2p::kad::{self, store::MemoryStore};
use libp2p::multiaddr::Protocol;
use libp2p::swarm::behaviour::toggle::Toggle;
use libp2p::swarm::dial_opts::DialOpts;
use libp2p::swarm::{ConnectionId, NetworkBehaviour, SwarmEvent};
use libp2p::{identify, noise, ping, tcp, yamux, Multiaddr, PeerId, StreamProtocol, Swarm};
use serde_json::{json, Value};
use tokio::sync::{mpsc, oneshot};

const ECHO_PROTOCOL: StreamProtocol = StreamProtocol::new("/p2pboot/echo/1.0.0");
const PING_PROTOCOL: StreamProtocol = StreamProtocol::new("/ipfs/ping/1.0.0");
const COMMAND_TIMEOUT: Duration = Duration::from_secs(20);
const MAX_COMMAND_TIMEOUT: Duration = Duration::from_secs(600);
const MAX_ECHO_BYTES: u64 = 64 << 20;

type Reply = oneshot::Sender<Result<Value, String>>;

#[derive(NetworkBehaviour)]
struct Behaviour {
    identify: identify::Behaviour,
    ping: ping::Behaviour,
    kad: Toggle<kad::Behaviour<MemoryStore>>,
    stream: libp2p_stream::Behaviour,
}

struct Options {
    seed: Option<String>,
    quic_port: u16,
    tcp_port: u16,
    tcp: bool,
    kad: bool,
    kad_protocol: String,
    quic_idle_ms: Option<u32>,
    quic_keepalive_ms: Option<u64>,
    kad_query_timeout_ms: Option<u64>,
    kad_replication: Option<usize>,
    bootstrap: Vec<Multiaddr>,
}

fn parse_args() -> Result<Options, String> {
    let mut o = Options {
        seed: None,
        quic_port: 0,
        tcp_port: 0,
        tcp: true,
        kad: false,
        kad_protocol: "/ipfs/kad/1.0.0".into(),
        quic_idle_ms: None,
        quic_keepalive_ms: None,
        kad_query_timeout_ms: None,
        kad_replication: None,
        bootstrap: Vec::new(),
    };
    let mut args = std::env::args().skip(1);
    fn value<T: std::str::FromStr>(name: &str, v: Option<String>) -> Result<T, String> {
        v.and_then(|v| v.parse().ok()).ok_or_else(|| format!("{name} needs a valid value"))
    }
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seed" => o.seed = Some(value("--seed", args.next())?),
            "--quic-port" => o.quic_port = value("--quic-port", args.next())?,
            "--tcp-port" => o.tcp_port = value("--tcp-port", args.next())?,
            "--no-tcp" => o.tcp = false,
            "--kad" => o.kad = true,
            "--kad-protocol" => o.kad_protocol = value("--kad-protocol", args.next())?,
            "--quic-idle-ms" => o.quic_idle_ms = Some(value("--quic-idle-ms", args.next())?),
            "--quic-keepalive-ms" => o.quic_keepalive_ms = Some(value("--quic-keepalive-ms", args.next())?),
            "--kad-query-timeout-ms" => o.kad_query_timeout_ms = Some(value("--kad-query-timeout-ms", args.next())?),
            "--kad-replication" => o.kad_replication = Some(value("--kad-replication", args.next())?),
            "--bootstrap" => o.bootstrap.push(value("--bootstrap", args.next())?),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(o)
}

fn mono() -> String {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes into the timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    (ts.tv_sec as i128 * 1_000_000_000 + ts.tv_nsec as i128).to_string()
}

fn emit(v: &Value) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{v}");
    let _ = out.flush();
}

fn emit_event(mut v: Value) {
    v["mono"] = Value::String(mono());
    emit(&v);
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn from_b64(text: &str) -> Result<Vec<u8>, String> {
    base64::engine::general_purpose::STANDARD.decode(text).map_err(|e| e.to_string())
}

fn keypair(seed: &Option<String>) -> Result<Keypair, String> {
    match seed {
        None => Ok(Keypair::generate_ed25519()),
        Some(hex_seed) => {
            let bytes = hex::decode(hex_seed).ok().filter(|b| b.len() == 32).ok_or("--seed needs 64 hex characters")?;
            Keypair::ed25519_from_bytes(bytes).map_err(|e| e.to_string())
        }
    }
}

/// A dial target: a multiaddr (its /p2p id checked) or a bare peer id.
fn peer_of(value: &str) -> Result<(PeerId, Option<Multiaddr>), String> {
    if value.starts_with('/') {
        let addr: Multiaddr = value.parse().map_err(|e| format!("bad multiaddr {value}: {e}"))?;
        match addr.iter().last() {
            Some(Protocol::P2p(peer)) => Ok((peer, Some(addr))),
            _ => Err(format!("{value} does not end in /p2p/<peer id>")),
        }
    } else {
        Ok((value.parse().map_err(|e| format!("bad peer id {value}: {e}"))?, None))
    }
}

fn str_arg<'a>(req: &'a Value, name: &str) -> Option<&'a str> {
    req.get(name).and_then(Value::as_str)
}

struct Node {
    swarm: Swarm<Behaviour>,
    kad_protocol: StreamProtocol,
    dials: HashMap<ConnectionId, Reply>,
    queries: HashMap<kad::QueryId, (Reply, Vec<u8>)>,
    connections: HashMap<ConnectionId, Value>,
    identified: HashMap<PeerId, (Vec<String>, Vec<String>)>,
}

/// What a command asks of the swarm loop.
struct Op {
    req: Value,
    reply: Reply,
}

#[tokio::main]
async fn main() {
    let options = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("rustpeer: {e}");
            std::process::exit(2);
        }
    };
    if let Err(e) = run(options).await {
        eprintln!("rustpeer: {e}");
        std::process::exit(1);
    }
}

fn build_swarm(o: &Options) -> Result<Swarm<Behaviour>, Box<dyn std::error::Error>> {
    let kad_protocol = StreamProtocol::try_from_owned(o.kad_protocol.clone())?;
    let with_kad = o.kad;
    let query_timeout = o.kad_query_timeout_ms.map(Duration::from_millis);
    let replication = o.kad_replication;
    let idle = o.quic_idle_ms;
    let keep_alive = o.quic_keepalive_ms.map(Duration::from_millis);
    let swarm = libp2p::SwarmBuilder::with_existing_identity(keypair(&o.seed)?)
        .with_tokio()
        .with_tcp(tcp::Config::default().nodelay(true), noise::Config::new, yamux::Config::default)?
        .with_quic_config(|mut config| {
            if let Some(idle) = idle {
                config.max_idle_timeout = idle;
            }
            if let Some(keep_alive) = keep_alive {
                config.keep_alive_interval = keep_alive;
            }
            config
        })
        .with_behaviour(|key| {
            let peer_id = key.public().to_peer_id();
            let kad = with_kad.then(|| {
                let mut config = kad::Config::new(kad_protocol.clone());
                if let Some(timeout) = query_timeout {
                    config.set_query_timeout(timeout);
                }
                if let Some(n) = replication.and_then(NonZeroUsize::new) {
                    config.set_replication_factor(n);
                }
                let mut kad = kad::Behaviour::with_config(peer_id, MemoryStore::new(peer_id), config);
                // Loopback addresses are never confirmed external, so the automatic mode would
                // stay a client; the tests need a server.
                kad.set_mode(Some(kad::Mode::Server));
                kad
            });
            Behaviour {
                identify: identify::Behaviour::new(
                    identify::Config::new("/ipfs/id/1.0.0".into(), key.public()).with_agent_version("p2pboot-interop-rust".into()),
                ),
                ping: ping::Behaviour::default(),
                kad: Toggle::from(kad),
                stream: libp2p_stream::Behaviour::new(),
            }
        })?
        // rust-libp2p closes a connection as soon as nothing keeps it alive; the tests open and
        // use connections in steps, so keep idle ones a minute.
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(60)))
        .build();
    Ok(swarm)
}

async fn run(o: Options) -> Result<(), Box<dyn std::error::Error>> {
    let mut swarm = build_swarm(&o)?;
    let mut listeners = 1;
    swarm.listen_on(format!("/ip4/127.0.0.1/udp/{}/quic-v1", o.quic_port).parse()?)?;
    if o.tcp {
        swarm.listen_on(format!("/ip4/127.0.0.1/tcp/{}", o.tcp_port).parse()?)?;
        listeners += 1;
    }
    let local = *swarm.local_peer_id();
    let mut addrs = Vec::new();
    while addrs.len() < listeners {
        if let SwarmEvent::NewListenAddr { address, .. } = swarm.select_next_some().await {
            addrs.push(format!("{address}/p2p/{local}"));
        }
    }
    let mut control = swarm.behaviour().stream.new_control();
    let mut incoming = control.accept(ECHO_PROTOCOL)?;
    tokio::spawn(async move {
        while let Some((_peer, stream)) = incoming.next().await {
            tokio::spawn(async move {
                let (reader, mut writer) = stream.split();
                if futures::io::copy(reader.take(MAX_ECHO_BYTES), &mut writer).await.is_ok() {
                    let _ = writer.close().await;
                }
            });
        }
    });
    // Addresses in the order the js peer gives them: QUIC first.
    addrs.sort_by_key(|a| !a.contains("/quic-v1"));
    emit_event(json!({"event": "ready", "peerId": local.to_string(), "addrs": addrs}));

    let mut node = Node {
        kad_protocol: StreamProtocol::try_from_owned(o.kad_protocol.clone())?,
        swarm,
        dials: HashMap::new(),
        queries: HashMap::new(),
        connections: HashMap::new(),
        identified: HashMap::new(),
    };
    let (ops_tx, mut ops) = mpsc::channel::<Op>(64);
    spawn_stdin_reader(ops_tx.clone());
    seed_start(&mut node, &o.bootstrap, ops_tx.clone());

    loop {
        tokio::select! {
            event = node.swarm.select_next_some() => node.on_event(event),
            op = ops.recv() => match op {
                Some(op) => node.on_op(op, &control, &ops_tx),
                None => return Ok(()),
            },
        }
    }
}

/// The seed's start: dial every bootstrap address, then kademlia.bootstrap(). Each step is logged
/// to stderr and reported as an event, so that the tests can see when it happened.
fn seed_start(node: &mut Node, bootstrap: &[Multiaddr], ops: mpsc::Sender<Op>) {
    if bootstrap.is_empty() {
        return;
    }
    for addr in bootstrap {
        if let Ok((peer, _)) = peer_of(&addr.to_string()) {
            if let Some(kad) = node.swarm.behaviour_mut().kad.as_mut() {
                let mut plain = addr.clone();
                plain.pop();
                kad.add_address(&peer, plain);
            }
        }
        if let Err(e) = node.swarm.dial(addr.clone()) {
            eprintln!("rustpeer: bootstrap dial {addr} failed: {e}");
        }
    }
    tokio::spawn(async move {
        let (reply, answer) = oneshot::channel();
        if ops.send(Op { req: json!({"cmd": "kadBootstrap"}), reply }).await.is_ok() {
            let result = answer.await.unwrap_or_else(|_| Err("swarm gone".into()));
            emit_event(json!({"event": "seed:bootstrapped", "ok": result.is_ok(), "error": result.err()}));
        }
    });
}

fn spawn_stdin_reader(ops: mpsc::Sender<Op>) {
    tokio::spawn(async move {
        use tokio::io::AsyncBufReadExt;
        let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            let req: Value = match serde_json::from_str(&line) {
                Ok(v) => v,
                Err(e) => {
                    emit(&json!({"id": null, "ok": false, "error": format!("not JSON: {e}")}));
                    continue;
                }
            };
            let ops = ops.clone();
            tokio::spawn(async move {
                let id = req.get("id").cloned().unwrap_or(Value::Null);
                let cmd = str_arg(&req, "cmd").unwrap_or("").to_string();
                let timeout = req
                    .get("timeoutMs")
                    .and_then(Value::as_u64)
                    .map(Duration::from_millis)
                    .unwrap_or(COMMAND_TIMEOUT)
                    .min(MAX_COMMAND_TIMEOUT);
                let (reply, answer) = oneshot::channel();
                let result = if ops.send(Op { req, reply }).await.is_err() {
                    Err("the swarm is gone".to_string())
                } else {
                    match tokio::time::timeout(timeout, answer).await {
                        Ok(Ok(result)) => result,
                        Ok(Err(_)) => Err(format!("{cmd}: no answer")),
                        Err(_) => Err(format!("{cmd} timed out after {} ms", timeout.as_millis())),
                    }
                };
                match result {
                    Ok(value) => emit(&json!({"id": id, "ok": true, "result": value})),
                    Err(error) => emit(&json!({"id": id, "ok": false, "error": error})),
                }
                if cmd == "stop" {
                    std::process::exit(0);
                }
            });
        }
        // The harness going away closes stdin: stop rather than linger.
        std::process::exit(0);
    });
}

impl Node {
    fn kad(&mut self) -> Result<&mut kad::Behaviour<MemoryStore>, String> {
        self.swarm.behaviour_mut().kad.as_mut().ok_or_else(|| "kad-dht is not enabled (start with --kad)".to_string())
    }

    fn on_op(&mut self, op: Op, control: &libp2p_stream::Control, ops: &mpsc::Sender<Op>) {
        let Op { req, reply } = op;
        let cmd = str_arg(&req, "cmd").unwrap_or("").to_string();
        let target = str_arg(&req, "addr").or(str_arg(&req, "peerId")).unwrap_or("").to_string();
        match cmd.as_str() {
            "dial" => self.dial(&target, reply),
            "ping" | "echo" | "reach" => {
                let control = control.clone();
                let ops = ops.clone();
                tokio::spawn(async move {
                    let result = match cmd.as_str() {
                        "ping" => ping_cmd(&ops, control, &target).await,
                        "echo" => echo_cmd(&ops, control, &target, &req).await,
                        _ => reach_cmd(&ops, control, &target, &req).await,
                    };
                    let _ = reply.send(result);
                });
            }
            "kadPut" | "kadGet" | "kadClosestPeers" | "kadBootstrap" => match self.start_query(&cmd, &req) {
                Ok((id, key)) => {
                    self.queries.insert(id, (reply, key));
                }
                Err(e) => {
                    let _ = reply.send(Err(e));
                }
            },
            _ => {
                let _ = reply.send(self.immediate(&cmd, &req));
            }
        }
    }

    fn dial(&mut self, target: &str, reply: Reply) {
        let opts = match peer_of(target) {
            Ok((_, Some(addr))) => DialOpts::from(addr),
            Ok((peer, None)) => DialOpts::peer_id(peer).build(),
            Err(e) => {
                let _ = reply.send(Err(e));
                return;
            }
        };
        let connection = opts.connection_id();
        match self.swarm.dial(opts) {
            Ok(()) => {
                self.dials.insert(connection, reply);
            }
            Err(e) => {
                let _ = reply.send(Err(e.to_string()));
            }
        }
    }

    fn start_query(&mut self, cmd: &str, req: &Value) -> Result<(kad::QueryId, Vec<u8>), String> {
        let key = str_arg(req, "key").unwrap_or("").as_bytes().to_vec();
        let kad = self.kad()?;
        Ok(match cmd {
            "kadPut" => {
                let value = from_b64(str_arg(req, "value").unwrap_or(""))?;
                let record = kad::Record::new(kad::RecordKey::new(&key), value);
                (kad.put_record(record, kad::Quorum::One).map_err(|e| format!("{e:?}"))?, key)
            }
            "kadGet" => (kad.get_record(kad::RecordKey::new(&key)), key),
            "kadClosestPeers" => match str_arg(req, "peerId") {
                Some(peer) => (kad.get_closest_peers(peer.parse::<PeerId>().map_err(|e| e.to_string())?), key),
                None => (kad.get_closest_peers(key.clone()), key),
            },
            _ => (kad.bootstrap().map_err(|e| format!("{e:?}"))?, key),
        })
    }

    fn immediate(&mut self, cmd: &str, req: &Value) -> Result<Value, String> {
        match cmd {
            "clock" => Ok(json!(mono())),
            "hangUp" => {
                let peer: PeerId = str_arg(req, "peerId").unwrap_or("").parse().map_err(|e| format!("bad peer id: {e}"))?;
                let _ = self.swarm.disconnect_peer_id(peer);
                Ok(json!(true))
            }
            "peerInfo" => {
                let peer: PeerId = str_arg(req, "peerId").unwrap_or("").parse().map_err(|e| format!("bad peer id: {e}"))?;
                let (protocols, addresses) = self.identified.get(&peer).cloned().unwrap_or_default();
                Ok(json!({"protocols": protocols, "addresses": addresses}))
            }
            "connections" => Ok(Value::Array(self.connections.values().cloned().collect())),
            "routingTable" => {
                let kad = self.kad()?;
                let mut peers = Vec::new();
                for bucket in kad.kbuckets() {
                    for entry in bucket.iter() {
                        peers.push(entry.node.key.preimage().to_string());
                    }
                }
                Ok(json!(peers))
            }
            "kadAddPeer" => {
                let (peer, addr) = peer_of(str_arg(req, "addr").unwrap_or(""))?;
                let mut addr = addr.ok_or("kadAddPeer needs a multiaddr")?;
                addr.pop();
                let update = self.kad()?.add_address(&peer, addr);
                Ok(json!(matches!(update, kad::RoutingUpdate::Success)))
            }
            "stop" => Ok(json!(true)),
            "" => Err("no cmd".into()),
            // Asked by dial_for(): whether a peer is connected.
            "isConnected" => {
                let (peer, _) = peer_of(str_arg(req, "peerId").unwrap_or(""))?;
                Ok(json!(self.swarm.is_connected(&peer)))
            }
            other => Err(format!("unknown command '{other}'")),
        }
    }

    fn on_event(&mut self, event: SwarmEvent<BehaviourEvent>) {
        match event {
            SwarmEvent::ConnectionEstablished { peer_id, connection_id, endpoint, .. } => {
                let remote = endpoint.get_remote_address().to_string();
                let direction = if endpoint.is_dialer() { "outbound" } else { "inbound" };
                self.connections.insert(
                    connection_id,
                    json!({"remotePeer": peer_id.to_string(), "remoteAddr": remote, "direction": direction, "status": "open"}),
                );
                emit_event(json!({"event": "peer:connect", "peerId": peer_id.to_string(), "remoteAddr": remote}));
                if let Some(reply) = self.dials.remove(&connection_id) {
                    let _ = reply.send(Ok(json!({"peerId": peer_id.to_string(), "remoteAddr": remote})));
                }
            }
            SwarmEvent::ConnectionClosed { peer_id, connection_id, endpoint, cause, .. } => {
                self.connections.remove(&connection_id);
                emit_event(json!({"event": "connection:close", "peerId": peer_id.to_string(),
                    "remoteAddr": endpoint.get_remote_address().to_string(), "cause": cause.map(|c| c.to_string())}));
            }
            SwarmEvent::OutgoingConnectionError { connection_id, error, .. } => {
                if let Some(reply) = self.dials.remove(&connection_id) {
                    let _ = reply.send(Err(error.to_string()));
                }
            }
            SwarmEvent::IncomingConnectionError { error, send_back_addr, .. } => {
                eprintln!("rustpeer: incoming connection from {send_back_addr} failed: {error}");
            }
            SwarmEvent::Behaviour(BehaviourEvent::Identify(identify::Event::Received { peer_id, info, .. })) => {
                let protocols: Vec<String> = info.protocols.iter().map(|p| p.to_string()).collect();
                let listen: Vec<String> = info.listen_addrs.iter().map(|a| a.to_string()).collect();
                if info.protocols.contains(&self.kad_protocol) {
                    if let Some(kad) = self.swarm.behaviour_mut().kad.as_mut() {
                        for addr in &info.listen_addrs {
                            kad.add_address(&peer_id, addr.clone());
                        }
                    }
                }
                self.identified.insert(peer_id, (protocols.clone(), listen.clone()));
                emit_event(json!({"event": "peer:identify", "peerId": peer_id.to_string(), "protocols": protocols,
                    "listenAddrs": listen, "observedAddr": info.observed_addr.to_string(),
                    "agentVersion": info.agent_version, "protocolVersion": info.protocol_version}));
            }
            SwarmEvent::Behaviour(BehaviourEvent::Kad(kad::Event::OutboundQueryProgressed { id, result, step, .. })) => {
                self.on_query(id, result, step.last);
            }
            _ => {}
        }
    }

    fn on_query(&mut self, id: kad::QueryId, result: kad::QueryResult, last: bool) {
        let answer: Option<Result<Value, String>> = match result {
            kad::QueryResult::PutRecord(r) => Some(r.map(|_| json!(true)).map_err(|e| format!("{e:?}"))),
            kad::QueryResult::GetRecord(Ok(kad::GetRecordOk::FoundRecord(found))) => Some(Ok(json!(b64(&found.record.value)))),
            kad::QueryResult::GetRecord(Ok(_)) if last => {
                let key = self.queries.get(&id).map(|(_, k)| String::from_utf8_lossy(k).to_string()).unwrap_or_default();
                Some(Err(format!("no value found for {key}")))
            }
            kad::QueryResult::GetRecord(Err(e)) => Some(Err(format!("no value found: {e:?}"))),
            kad::QueryResult::GetClosestPeers(Ok(ok)) => {
                Some(Ok(json!(ok.peers.iter().map(|p| p.peer_id.to_string()).collect::<Vec<_>>())))
            }
            kad::QueryResult::GetClosestPeers(Err(e)) => Some(Err(format!("{e:?}"))),
            kad::QueryResult::Bootstrap(r) if last || r.is_err() => Some(r.map(|_| json!(true)).map_err(|e| format!("{e:?}"))),
            _ => None,
        };
        if let Some(answer) = answer {
            if let Some((reply, _)) = self.queries.remove(&id) {
                let _ = reply.send(answer);
            }
            if !last {
                if let Some(mut query) = self.swarm.behaviour_mut().kad.as_mut().and_then(|k| k.query_mut(&id)) {
                    query.finish();
                }
            }
        }
    }
}

async fn ask(ops: &mpsc::Sender<Op>, req: Value) -> Result<Value, String> {
    let (reply, answer) = oneshot::channel();
    ops.send(Op { req, reply }).await.map_err(|_| "the swarm is gone".to_string())?;
    answer.await.map_err(|_| "the swarm is gone".to_string())?
}

/// Resolves a target to a peer id, dialing first when it is an address and not yet connected.
async fn connect(ops: &mpsc::Sender<Op>, target: &str) -> Result<PeerId, String> {
    let (peer, addr) = peer_of(target)?;
    if addr.is_some() && ask(ops, json!({"cmd": "isConnected", "peerId": peer.to_string()})).await? != json!(true) {
        ask(ops, json!({"cmd": "dial", "addr": target})).await?;
    }
    Ok(peer)
}

/// One ping (the libp2p ping protocol: 32 random bytes echoed), timed here; milliseconds.
async fn ping_once(control: &mut libp2p_stream::Control, peer: PeerId) -> Result<f64, String> {
    let mut stream = control.open_stream(peer, PING_PROTOCOL).await.map_err(|e| e.to_string())?;
    let payload: [u8; 32] = rand_bytes();
    let start = Instant::now();
    stream.write_all(&payload).await.map_err(|e| e.to_string())?;
    stream.flush().await.map_err(|e| e.to_string())?;
    let mut back = [0u8; 32];
    stream.read_exact(&mut back).await.map_err(|e| e.to_string())?;
    let rtt = start.elapsed();
    let _ = stream.close().await;
    if back != payload {
        return Err("ping payload came back different".into());
    }
    Ok(rtt.as_secs_f64() * 1000.0)
}

/// A ping payload. It need not be unpredictable, only differ from ping to ping: each
/// `RandomState` is keyed afresh (std seeds it at random per thread and steps it per instance).
fn rand_bytes() -> [u8; 32] {
    use std::hash::{BuildHasher, Hasher};
    let mut bytes = [0u8; 32];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_usize(i);
        chunk.copy_from_slice(&hasher.finish().to_le_bytes());
    }
    bytes
}

async fn ping_cmd(ops: &mpsc::Sender<Op>, mut control: libp2p_stream::Control, target: &str) -> Result<Value, String> {
    let peer = connect(ops, target).await?;
    Ok(json!(ping_once(&mut control, peer).await?))
}

async fn echo_cmd(ops: &mpsc::Sender<Op>, mut control: libp2p_stream::Control, target: &str, req: &Value) -> Result<Value, String> {
    let payload = from_b64(str_arg(req, "data").unwrap_or(""))?;
    let protocol = StreamProtocol::try_from_owned(str_arg(req, "protocol").unwrap_or("/p2pboot/echo/1.0.0").to_string())
        .map_err(|e| e.to_string())?;
    let peer = connect(ops, target).await?;
    let stream = control.open_stream(peer, protocol).await.map_err(|e| e.to_string())?;
    let (mut reader, mut writer) = stream.split();
    let write = async {
        writer.write_all(&payload).await?;
        writer.close().await
    };
    let read = async {
        let mut echoed = Vec::with_capacity(payload.len());
        let mut buf = vec![0u8; 64 << 10];
        while echoed.len() < payload.len() {
            let n = reader.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            echoed.extend_from_slice(&buf[..n]);
        }
        Ok::<_, std::io::Error>(echoed)
    };
    let (written, echoed) = futures::join!(write, read);
    written.map_err(|e| format!("writing: {e}"))?;
    Ok(json!(b64(&echoed.map_err(|e| format!("reading: {e}"))?)))
}

/// As the js peer's reach: pings every intervalMs, attempts overlapping, until one succeeds or
/// deadlineMs passes; for bench/.
async fn reach_cmd(ops: &mpsc::Sender<Op>, control: libp2p_stream::Control, target: &str, req: &Value) -> Result<Value, String> {
    let (peer, addr) = peer_of(target)?;
    let num = |name: &str, default: u64| req.get(name).and_then(Value::as_u64).unwrap_or(default);
    let interval = Duration::from_millis(num("intervalMs", 20).max(1));
    let attempt_timeout = Duration::from_millis(num("attemptTimeoutMs", 250));
    let deadline = Duration::from_millis(num("deadlineMs", 30_000)).min(MAX_COMMAND_TIMEOUT);
    let max_in_flight = num("maxInFlight", 16) as usize;
    let start_mono = mono();
    let (done_tx, mut done_rx) = mpsc::channel::<(String, f64)>(1);
    let (err_tx, mut err_rx) = mpsc::unbounded_channel::<String>();
    let in_flight = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut attempts = 0u64;
    let mut last_error: Option<String> = None;
    let mut ticker = tokio::time::interval(interval);
    let end = tokio::time::sleep(deadline);
    tokio::pin!(end);
    loop {
        tokio::select! {
            _ = ticker.tick() => {
                if in_flight.load(std::sync::atomic::Ordering::SeqCst) >= max_in_flight {
                    continue;
                }
                attempts += 1;
                in_flight.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let (ops, mut control, done_tx, err_tx, in_flight) = (ops.clone(), control.clone(), done_tx.clone(), err_tx.clone(), in_flight.clone());
                let target = addr.as_ref().map(|a| a.to_string()).unwrap_or_else(|| peer.to_string());
                tokio::spawn(async move {
                    let attempt = async {
                        if ask(&ops, json!({"cmd": "isConnected", "peerId": peer.to_string()})).await? != json!(true) {
                            ask(&ops, json!({"cmd": "dial", "addr": target})).await?;
                        }
                        ping_once(&mut control, peer).await
                    };
                    match tokio::time::timeout(attempt_timeout, attempt).await {
                        Ok(Ok(rtt)) => { let _ = done_tx.try_send((mono(), rtt)); }
                        Ok(Err(e)) => { let _ = err_tx.send(e); }
                        Err(_) => { let _ = err_tx.send("attempt timed out".into()); }
                    }
                    in_flight.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                });
            }
            Some(e) = err_rx.recv() => last_error = Some(e),
            Some((done, rtt)) = done_rx.recv() => {
                return Ok(json!({"reached": true, "startMono": start_mono, "doneMono": done, "rtt": rtt, "attempts": attempts, "lastError": last_error}));
            }
            _ = &mut end => {
                return Ok(json!({"reached": false, "startMono": start_mono, "attempts": attempts, "lastError": last_error}));
            }
        }
    }
}
