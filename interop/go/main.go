// A plain go-libp2p node for p2pboot's interop tests, controlled over stdin/stdout with the same
// JSON line protocol as ../peer.mjs (the js peer), so that one Java harness drives both:
//
//	gopeer [--seed HEX64] [--quic-port N] [--tcp-port N] [--no-tcp] [--kad] [--kad-protocol ID]
//	       [--quic-keepalive-ms N]
//
// stdout carries only JSON lines: first {"event":"ready",...}, then events and command replies.
// Commands arrive on stdin as {"id":1,"cmd":"dial","addr":"..."}; each gets exactly one reply
// {"id":1,"ok":true,"result":...} or {"id":1,"ok":false,"error":"..."}. Logs go to stderr. The node
// listens on loopback only. Every event carries "mono": CLOCK_MONOTONIC in nanoseconds, a decimal
// string, the clock the JVM's System.nanoTime() reads on Linux.
package main

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p"
	dht "github.com/libp2p/go-libp2p-kad-dht"
	record "github.com/libp2p/go-libp2p-record"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/event"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/p2p/muxer/yamux"
	"github.com/libp2p/go-libp2p/p2p/protocol/ping"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	libp2pquic "github.com/libp2p/go-libp2p/p2p/transport/quic"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	ma "github.com/multiformats/go-multiaddr"
	"golang.org/x/sys/unix"
)

const (
	echoProtocol        = "/p2pboot/echo/1.0.0"
	commandTimeout      = 20 * time.Second
	maxCommandTimeout   = 600 * time.Second
	maxEchoBytes        = 64 << 20
	maxCommandLineBytes = 16 << 20
)

var (
	outMu sync.Mutex
	out   = bufio.NewWriter(os.Stdout)
)

func emit(v map[string]any) {
	line, err := json.Marshal(v)
	if err != nil {
		line, _ = json.Marshal(map[string]any{"id": v["id"], "ok": false, "error": err.Error()})
	}
	outMu.Lock()
	defer outMu.Unlock()
	out.Write(line)
	out.WriteByte('\n')
	out.Flush()
}

func mono() string {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return "0"
	}
	return strconv.FormatInt(ts.Nano(), 10)
}

func emitEvent(v map[string]any) {
	v["mono"] = mono()
	emit(v)
}

// testValidator accepts any value in the /test/ namespace, as the js peer's does.
type testValidator struct{}

func (testValidator) Validate(string, []byte) error        { return nil }
func (testValidator) Select(string, [][]byte) (int, error) { return 0, nil }

type node struct {
	host host.Host
	dht  *dht.IpfsDHT
	ping *ping.PingService
}

func main() {
	seed := flag.String("seed", "", "64 hex characters: a fixed Ed25519 identity")
	quicPort := flag.Int("quic-port", 0, "QUIC port")
	tcpPort := flag.Int("tcp-port", 0, "TCP port")
	noTCP := flag.Bool("no-tcp", false, "no TCP listener")
	kad := flag.Bool("kad", false, "run the Kademlia DHT in server mode")
	kadProtocol := flag.String("kad-protocol", "/ipfs/kad/1.0.0", "Kademlia protocol id")
	// Accepted for the js peer's sake and ignored: go-libp2p's QUIC transport exposes neither
	// (its keep-alive period is 15 s; quic-go raises any idle timeout below 5 s).
	flag.Int("quic-keepalive-ms", 0, "ignored")
	flag.Int("quic-idle-ms", 0, "ignored")
	flag.Parse()

	n, err := start(*seed, *quicPort, *tcpPort, !*noTCP, *kad, *kadProtocol)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gopeer:", err)
		os.Exit(1)
	}
	addrs := []string{}
	for _, a := range n.host.Addrs() {
		addrs = append(addrs, a.String()+"/p2p/"+n.host.ID().String())
	}
	emitEvent(map[string]any{"event": "ready", "peerId": n.host.ID().String(), "addrs": addrs})
	serve(n)
	n.host.Close()
}

func start(seed string, quicPort, tcpPort int, withTCP, kad bool, kadProtocol string) (*node, error) {
	listen := []string{fmt.Sprintf("/ip4/127.0.0.1/udp/%d/quic-v1", quicPort)}
	if withTCP {
		listen = append(listen, fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", tcpPort))
	}
	opts := []libp2p.Option{
		libp2p.ListenAddrStrings(listen...),
		libp2p.Transport(libp2pquic.NewTransport),
		libp2p.Security(noise.ID, noise.New),
		libp2p.Muxer(yamux.ID, yamux.DefaultTransport),
		libp2p.UserAgent("p2pboot-interop-go"),
	}
	if withTCP {
		opts = append(opts, libp2p.Transport(tcp.NewTCPTransport))
	}
	if seed != "" {
		raw, err := hex.DecodeString(seed)
		if err != nil || len(raw) != ed25519.SeedSize {
			return nil, errors.New("--seed needs 64 hex characters")
		}
		key, err := crypto.UnmarshalEd25519PrivateKey(ed25519.NewKeyFromSeed(raw))
		if err != nil {
			return nil, err
		}
		opts = append(opts, libp2p.Identity(key))
	}
	h, err := libp2p.New(opts...)
	if err != nil {
		return nil, err
	}
	n := &node{host: h, ping: ping.NewPingService(h)}
	h.SetStreamHandler(echoProtocol, func(s network.Stream) {
		defer s.Close()
		if _, err := io.Copy(s, io.LimitReader(s, maxEchoBytes)); err != nil {
			s.Reset()
		}
	})
	if kad {
		n.dht, err = dht.New(h,
			dht.Mode(dht.ModeServer),
			dht.V1ProtocolOverride(protocol.ID(kadProtocol)),
			// Under the /ipfs prefix kad-dht insists on exactly the pk and ipns validators; another
			// prefix frees the validators, and the override keeps the wire protocol id.
			dht.ProtocolPrefix("/p2pboot-interop"),
			dht.Validator(record.NamespacedValidator{"test": testValidator{}, "pk": record.PublicKeyValidator{}}),
			// Loopback peers must count: no address filter.
			dht.AddressFilter(nil),
			dht.DisableAutoRefresh())
		if err != nil {
			return nil, err
		}
	}
	watch(n)
	return n, nil
}

func watch(n *node) {
	n.host.Network().Notify(&network.NotifyBundle{
		ConnectedF: func(_ network.Network, c network.Conn) {
			emitEvent(map[string]any{"event": "peer:connect", "peerId": c.RemotePeer().String(), "remoteAddr": c.RemoteMultiaddr().String()})
		},
		DisconnectedF: func(_ network.Network, c network.Conn) {
			emitEvent(map[string]any{"event": "connection:close", "peerId": c.RemotePeer().String(), "remoteAddr": c.RemoteMultiaddr().String()})
		},
	})
	sub, err := n.host.EventBus().Subscribe(new(event.EvtPeerIdentificationCompleted))
	if err != nil {
		fmt.Fprintln(os.Stderr, "gopeer: no identify events:", err)
		return
	}
	go func() {
		for e := range sub.Out() {
			done := e.(event.EvtPeerIdentificationCompleted)
			protocols := []string{}
			for _, p := range done.Protocols {
				protocols = append(protocols, string(p))
			}
			listen := []string{}
			for _, a := range done.ListenAddrs {
				listen = append(listen, a.String())
			}
			observed := ""
			if done.ObservedAddr != nil {
				observed = done.ObservedAddr.String()
			}
			emitEvent(map[string]any{"event": "peer:identify", "peerId": done.Peer.String(), "protocols": protocols,
				"listenAddrs": listen, "observedAddr": observed, "agentVersion": done.AgentVersion, "protocolVersion": done.ProtocolVersion})
		}
	}()
}

type request struct {
	ID        *int64 `json:"id"`
	Cmd       string `json:"cmd"`
	Addr      string `json:"addr"`
	PeerID    string `json:"peerId"`
	Protocol  string `json:"protocol"`
	Data      string `json:"data"`
	Key       string `json:"key"`
	Value     string `json:"value"`
	Size      int    `json:"size"`
	TimeoutMs int64  `json:"timeoutMs"`
	// reach
	IntervalMs       int64 `json:"intervalMs"`
	AttemptTimeoutMs int64 `json:"attemptTimeoutMs"`
	DeadlineMs       int64 `json:"deadlineMs"`
	MaxInFlight      int   `json:"maxInFlight"`
}

func serve(n *node) {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 64<<10), maxCommandLineBytes)
	var running sync.WaitGroup
	for in.Scan() {
		var r request
		if err := json.Unmarshal(in.Bytes(), &r); err != nil {
			emit(map[string]any{"id": nil, "ok": false, "error": "not JSON: " + err.Error()})
			continue
		}
		running.Add(1)
		go func() {
			defer running.Done()
			timeout := commandTimeout
			if r.TimeoutMs > 0 {
				timeout = min(time.Duration(r.TimeoutMs)*time.Millisecond, maxCommandTimeout)
			}
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			result, err := n.run(ctx, &r)
			if err == nil && ctx.Err() != nil {
				err = fmt.Errorf("%s timed out after %d ms", r.Cmd, timeout.Milliseconds())
			}
			if err != nil {
				emit(map[string]any{"id": r.ID, "ok": false, "error": err.Error()})
			} else {
				emit(map[string]any{"id": r.ID, "ok": true, "result": result})
			}
			if r.Cmd == "stop" {
				n.host.Close()
				os.Exit(0)
			}
		}()
	}
	// The harness going away closes stdin: stop rather than linger.
}

// target resolves a multiaddr (ending in /p2p/ID) or a bare peer id, connecting first when an
// address is given.
func (n *node) target(ctx context.Context, value string) (peer.ID, error) {
	if !strings.HasPrefix(value, "/") {
		return peer.Decode(value)
	}
	addr, err := ma.NewMultiaddr(value)
	if err != nil {
		return "", err
	}
	info, err := peer.AddrInfoFromP2pAddr(addr)
	if err != nil {
		return "", err
	}
	// Exactly this address, as the js peer dials: go-libp2p would otherwise dial every address it
	// knows of the peer, QUIC first, and a test of TCP would run over QUIC.
	if n.host.Network().Connectedness(info.ID) != network.Connected {
		n.host.Peerstore().ClearAddrs(info.ID)
	}
	if err := n.host.Connect(ctx, *info); err != nil {
		return "", err
	}
	return info.ID, nil
}

func (n *node) needDHT() (*dht.IpfsDHT, error) {
	if n.dht == nil {
		return nil, errors.New("kad-dht is not enabled (start with --kad)")
	}
	return n.dht, nil
}

func (n *node) run(ctx context.Context, r *request) (any, error) {
	switch r.Cmd {
	case "dial":
		id, err := n.target(ctx, r.Addr)
		if err != nil {
			return nil, err
		}
		if !strings.HasPrefix(r.Addr, "/") {
			if err := n.host.Connect(ctx, peer.AddrInfo{ID: id}); err != nil {
				return nil, err
			}
		}
		remote := ""
		if conns := n.host.Network().ConnsToPeer(id); len(conns) > 0 {
			remote = conns[0].RemoteMultiaddr().String()
		}
		return map[string]any{"peerId": id.String(), "remoteAddr": remote}, nil
	case "ping":
		id, err := n.target(ctx, or(r.Addr, r.PeerID))
		if err != nil {
			return nil, err
		}
		return n.pingOnce(ctx, id)
	case "reach":
		return n.reach(r)
	case "clock":
		return mono(), nil
	case "hangUp":
		id, err := peer.Decode(r.PeerID)
		if err != nil {
			return nil, err
		}
		return true, n.host.Network().ClosePeer(id)
	case "peerInfo":
		id, err := peer.Decode(r.PeerID)
		if err != nil {
			return nil, err
		}
		protocols, err := n.host.Peerstore().GetProtocols(id)
		if err != nil {
			return nil, err
		}
		ps := []string{}
		for _, p := range protocols {
			ps = append(ps, string(p))
		}
		as := []string{}
		for _, a := range n.host.Peerstore().Addrs(id) {
			as = append(as, a.String())
		}
		return map[string]any{"protocols": ps, "addresses": as}, nil
	case "connections":
		cs := []map[string]any{}
		for _, c := range n.host.Network().Conns() {
			cs = append(cs, map[string]any{"remotePeer": c.RemotePeer().String(), "remoteAddr": c.RemoteMultiaddr().String(),
				"direction": strings.ToLower(c.Stat().Direction.String()), "status": "open"})
		}
		return cs, nil
	case "echo":
		payload, err := base64.StdEncoding.DecodeString(r.Data)
		if err != nil {
			return nil, err
		}
		id, err := n.target(ctx, or(r.Addr, r.PeerID))
		if err != nil {
			return nil, err
		}
		echoed, err := n.echo(ctx, id, protocol.ID(or(r.Protocol, echoProtocol)), payload)
		if err != nil {
			return nil, err
		}
		return base64.StdEncoding.EncodeToString(echoed), nil
	case "kadPut":
		d, err := n.needDHT()
		if err != nil {
			return nil, err
		}
		value, err := base64.StdEncoding.DecodeString(r.Value)
		if err != nil {
			return nil, err
		}
		return true, d.PutValue(ctx, r.Key, value)
	case "kadGet":
		d, err := n.needDHT()
		if err != nil {
			return nil, err
		}
		value, err := d.GetValue(ctx, r.Key)
		if err != nil {
			return nil, fmt.Errorf("no value found for %s: %w", r.Key, err)
		}
		return base64.StdEncoding.EncodeToString(value), nil
	case "kadClosestPeers":
		d, err := n.needDHT()
		if err != nil {
			return nil, err
		}
		key := r.Key
		if r.PeerID != "" {
			id, err := peer.Decode(r.PeerID)
			if err != nil {
				return nil, err
			}
			key = string(id)
		}
		peers, err := d.GetClosestPeers(ctx, key)
		if err != nil {
			return nil, err
		}
		ids := []string{}
		for _, p := range peers {
			ids = append(ids, p.String())
		}
		return ids, nil
	case "kadBootstrap":
		d, err := n.needDHT()
		if err != nil {
			return nil, err
		}
		select {
		case err := <-d.ForceRefresh():
			return true, err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	case "kadAddPeer":
		d, err := n.needDHT()
		if err != nil {
			return nil, err
		}
		id, err := n.target(ctx, r.Addr)
		if err != nil {
			return nil, err
		}
		added, err := d.RoutingTable().TryAddPeer(id, true, false)
		return added, err
	case "routingTable":
		d, err := n.needDHT()
		if err != nil {
			return nil, err
		}
		ids := []string{}
		for _, p := range d.RoutingTable().ListPeers() {
			ids = append(ids, p.String())
		}
		return ids, nil
	case "stop":
		return true, nil
	}
	return nil, fmt.Errorf("unknown command '%s'", r.Cmd)
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (n *node) pingOnce(ctx context.Context, id peer.ID) (any, error) {
	select {
	case res := <-n.ping.Ping(ctx, id):
		if res.Error != nil {
			return nil, res.Error
		}
		return float64(res.RTT.Microseconds()) / 1000, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (n *node) echo(ctx context.Context, id peer.ID, proto protocol.ID, payload []byte) ([]byte, error) {
	s, err := n.host.NewStream(ctx, id, proto)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	if deadline, ok := ctx.Deadline(); ok {
		s.SetDeadline(deadline)
	}
	written := make(chan error, 1)
	go func() {
		_, err := s.Write(payload)
		if err == nil {
			err = s.CloseWrite()
		}
		written <- err
	}()
	echoed := make([]byte, 0, len(payload))
	buf := make([]byte, 64<<10)
	for len(echoed) < len(payload) {
		k, err := s.Read(buf)
		echoed = append(echoed, buf[:k]...)
		if err == io.EOF {
			break
		}
		if err != nil {
			s.Reset()
			return nil, err
		}
	}
	if err := <-written; err != nil {
		return nil, err
	}
	return echoed, nil
}

// reach pings a peer every intervalMs, attempts overlapping, until one succeeds or deadlineMs
// passes; as the js peer's reach command, for bench/.
func (n *node) reach(r *request) (any, error) {
	id, err := peer.Decode(r.PeerID)
	if r.Addr != "" {
		var addr ma.Multiaddr
		if addr, err = ma.NewMultiaddr(r.Addr); err == nil {
			var info *peer.AddrInfo
			if info, err = peer.AddrInfoFromP2pAddr(addr); err == nil {
				id = info.ID
				n.host.Peerstore().AddAddrs(info.ID, info.Addrs, time.Hour)
			}
		}
	}
	if err != nil {
		return nil, err
	}
	interval := time.Duration(max(r.IntervalMs, 1)) * time.Millisecond
	attemptTimeout := time.Duration(max(r.AttemptTimeoutMs, 250)) * time.Millisecond
	deadline := time.Duration(min(max(r.DeadlineMs, 1), maxCommandTimeout.Milliseconds())) * time.Millisecond
	maxInFlight := max(r.MaxInFlight, 16)
	startMono := mono()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	type outcome struct {
		rtt  any
		mono string
	}
	success := make(chan outcome, 1)
	var mu sync.Mutex
	attempts, inFlight := 0, 0
	lastError := ""
	attempt := func() {
		mu.Lock()
		if inFlight >= maxInFlight {
			mu.Unlock()
			return
		}
		attempts++
		inFlight++
		mu.Unlock()
		go func() {
			actx, acancel := context.WithTimeout(ctx, attemptTimeout)
			defer acancel()
			err := n.host.Connect(actx, peer.AddrInfo{ID: id})
			var rtt any
			if err == nil {
				rtt, err = n.pingOnce(actx, id)
			}
			mu.Lock()
			inFlight--
			if err != nil {
				lastError = err.Error()
			}
			mu.Unlock()
			if err == nil {
				select {
				case success <- outcome{rtt, mono()}:
				default:
				}
			}
		}()
	}
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	attempt()
	for {
		select {
		case o := <-success:
			mu.Lock()
			defer mu.Unlock()
			return map[string]any{"reached": true, "startMono": startMono, "doneMono": o.mono, "rtt": o.rtt, "attempts": attempts, "lastError": nilIfEmpty(lastError)}, nil
		case <-ticker.C:
			attempt()
		case <-ctx.Done():
			mu.Lock()
			defer mu.Unlock()
			return map[string]any{"reached": false, "startMono": startMono, "attempts": attempts, "lastError": nilIfEmpty(lastError)}, nil
		}
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
