// A plain js-libp2p node for p2pboot's interop tests, controlled over stdin/stdout.
//
//   node --import ./polyfill.mjs peer.mjs [--seed HEX64] [--quic-port N] [--tcp-port N] [--no-tcp]
//                                         [--kad] [--kad-protocol ID]
//                                         [--quic-idle-ms N] [--quic-keepalive-ms N] [--perf]
//   node --import ./polyfill.mjs peer.mjs ping <multiaddr>      (one-shot, for humans)
//
// stdout carries only JSON lines: first {"event":"ready",...}, then events and command replies.
// Commands arrive on stdin as JSON lines {"id":1,"cmd":"dial","addr":"..."}; each gets exactly one
// reply {"id":1,"ok":true,"result":...} or {"id":1,"ok":false,"error":"..."}. Logs go to stderr.
// The node listens on loopback only.
//
// Every event carries "mono": this process's CLOCK_MONOTONIC reading in nanoseconds (a decimal
// string), from process.hrtime.bigint(). On Linux the JVM's System.nanoTime() reads the same
// system-wide clock, so bench/ compares the two directly.
import { createInterface } from 'node:readline'
import { createLibp2p } from 'libp2p'
import { quic } from '@chainsafe/libp2p-quic'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify, identifyPush } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { randomBytes } from 'node:crypto'

const ECHO_PROTOCOL = '/p2pboot/echo/1.0.0'
// libp2p/specs perf/perf.md, by hand: npm has no perf package here. Served only with --perf.
const PERF_PROTOCOL = '/perf/1.0.0'
const PERF_CHUNK = Buffer.alloc(65536)
// What one perf stream may upload or ask for, as the Java side's default: 64 GiB.
const PERF_MAX_BYTES = 64 * 1024 * 1024 * 1024
const COMMAND_TIMEOUT_MS = 20_000
// A command may ask for a longer timeout (timeoutMs), as bench/'s reach does, but never beyond this.
const MAX_COMMAND_TIMEOUT_MS = 600_000

function parseArgs (argv) {
  const options = { quicPort: 0, tcpPort: 0, tcp: true, kad: false, kadProtocol: '/ipfs/kad/1.0.0', positional: [] }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--seed') options.seed = argv[++i]
    else if (arg === '--quic-port') options.quicPort = Number(argv[++i])
    else if (arg === '--tcp-port') options.tcpPort = Number(argv[++i])
    else if (arg === '--no-tcp') options.tcp = false
    else if (arg === '--kad') options.kad = true
    else if (arg === '--kad-protocol') options.kadProtocol = argv[++i]
    else if (arg === '--quic-idle-ms') options.quicIdleMs = Number(argv[++i])
    else if (arg === '--quic-keepalive-ms') options.quicKeepAliveMs = Number(argv[++i])
    else if (arg === '--perf') options.perf = true
    else options.positional.push(arg)
  }
  return options
}

// @chainsafe/libp2p-quic's own defaults (10 s idle, 5 s keep-alive) unless the options say otherwise.
function quicOptions (options) {
  const quicInit = {}
  if (options.quicIdleMs !== undefined) quicInit.maxIdleTimeout = positive(options.quicIdleMs, '--quic-idle-ms')
  if (options.quicKeepAliveMs !== undefined) quicInit.keepAliveInterval = positive(options.quicKeepAliveMs, '--quic-keepalive-ms')
  return quicInit
}

function positive (value, name) {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} needs a positive whole number of milliseconds`)
  return value
}

async function createNode (options) {
  const init = {
    addresses: { listen: [`/ip4/127.0.0.1/udp/${options.quicPort}/quic-v1`] },
    transports: [quic(quicOptions(options))],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // js-libp2p's connection monitor pings on the same protocol; the default of one outbound ping
    // stream made a test's ping collide with it ("Too many outbound protocol streams ... 2/1").
    services: { identify: identify(), identifyPush: identifyPush(), ping: ping({ maxOutboundStreams: 4 }) }
  }
  if (options.seed) {
    if (!/^[0-9a-fA-F]{64}$/.test(options.seed)) throw new Error('--seed needs 64 hex characters')
    init.privateKey = await generateKeyPairFromSeed('Ed25519', Buffer.from(options.seed, 'hex'))
  }
  if (options.tcp) {
    init.addresses.listen.push(`/ip4/127.0.0.1/tcp/${options.tcpPort}`)
    init.transports.push(tcp())
  }
  if (options.kad) {
    init.services.dht = kadDHT({
      protocol: options.kadProtocol,
      clientMode: false,
      // The default mapper drops loopback addresses, which would keep every test peer out of the table.
      peerInfoMapper: passthroughMapper,
      // Records need a validator and selector for their key namespace: /test/... accepts anything.
      validators: { test: async () => {} },
      selectors: { test: () => 0 }
    })
  }
  const node = await createLibp2p(init)
  await node.handle(ECHO_PROTOCOL, async (stream) => {
    for await (const chunk of stream) {
      stream.send(chunk.subarray ? chunk.subarray() : chunk)
    }
    await stream.close()
  })
  if (options.perf) await node.handle(PERF_PROTOCOL, servePerf)
  return node
}

const bytesOf = (chunk) => chunk.subarray ? chunk.subarray() : chunk

// Writes count bytes, waiting for the stream to drain whenever it says its buffer is full.
async function sendBytes (stream, count) {
  for (let remaining = count; remaining > 0;) {
    const size = Math.min(remaining, PERF_CHUNK.length)
    if (!stream.send(size === PERF_CHUNK.length ? PERF_CHUNK : PERF_CHUNK.subarray(0, size))) await stream.onDrain()
    remaining -= size
  }
}

// The server: the 8-byte big-endian count to send back, then the upload read (counted, dropped)
// to its end, then the bytes asked for, then the end of the stream.
async function servePerf (stream) {
  let header = Buffer.alloc(0)
  let requested
  let uploaded = 0
  for await (const chunk of stream) {
    if (requested === undefined) {
      header = Buffer.concat([header, Buffer.from(bytesOf(chunk))])
      if (header.length < 8) continue
      requested = header.readBigUInt64BE(0)
      uploaded += header.length - 8
    } else {
      uploaded += chunk.byteLength
    }
    if (uploaded > PERF_MAX_BYTES || requested > BigInt(PERF_MAX_BYTES)) {
      stream.abort(new Error('perf: beyond the limit'))
      return
    }
  }
  if (requested === undefined) {
    stream.abort(new Error('perf: the stream ended within the 8-byte request'))
    return
  }
  await sendBytes(stream, Number(requested))
  await stream.close()
}

const emit = (object) => process.stdout.write(JSON.stringify(object) + '\n')
const mono = () => process.hrtime.bigint().toString()
const emitEvent = (object) => emit({ ...object, mono: mono() })
const b64 = (bytes) => Buffer.from(bytes).toString('base64')
const fromB64 = (text) => new Uint8Array(Buffer.from(text ?? '', 'base64'))
const key = (text) => new TextEncoder().encode(text)

// A dial target: a multiaddr string or a peer id string.
const target = (value) => value.startsWith('/') ? multiaddr(value) : peerIdFromString(value)

async function collect (events, pick) {
  const results = []
  for await (const event of events) {
    const value = pick(event)
    if (value !== undefined) results.push(value)
  }
  return results
}

function commands (node) {
  const dht = () => {
    if (!node.services.dht) throw new Error('kad-dht is not enabled (start with --kad)')
    return node.services.dht
  }
  return {
    async dial ({ addr }) {
      const connection = await node.dial(target(addr))
      return { peerId: connection.remotePeer.toString(), remoteAddr: connection.remoteAddr.toString() }
    },
    async ping ({ addr, peerId }) {
      return await node.services.ping.ping(target(addr ?? peerId))
    },
    // For bench/: times measured inside this process, free of the stdin/stdout round trip.
    async timedDial ({ addr, peerId }) {
      await node.hangUp(peerIdFromString(peerId))
      const start = performance.now()
      await node.dial(multiaddr(addr))
      return performance.now() - start
    },
    async timedEcho ({ addr, size }) {
      const payload = randomBytes(size)
      const start = performance.now()
      const stream = await node.dialProtocol(target(addr), ECHO_PROTOCOL)
      const chunks = []
      let received = 0
      const reading = (async () => {
        for await (const chunk of stream) {
          const bytes = Buffer.from(chunk.subarray ? chunk.subarray() : chunk)
          chunks.push(bytes)
          received += bytes.length
          if (received >= size) break
        }
      })()
      for (let offset = 0; offset < size; offset += 65536) {
        if (!stream.send(payload.subarray(offset, Math.min(size, offset + 65536)))) await stream.onDrain()
      }
      await stream.close()
      await reading
      const ms = performance.now() - start
      return { ms, intact: Buffer.concat(chunks).equals(payload) }
    },
    // A perf exchange as the client: upload bytes, then download bytes back; ms is timed inside
    // this process, from opening the stream to its end, as the perf spec measures.
    async perf ({ addr, peerId, upload = 0, download = 0 }) {
      const start = performance.now()
      const stream = await node.dialProtocol(target(addr ?? peerId), PERF_PROTOCOL)
      let received = 0
      const reading = (async () => {
        for await (const chunk of stream) received += chunk.byteLength
      })()
      const header = Buffer.alloc(8)
      header.writeBigUInt64BE(BigInt(download))
      stream.send(header)
      await sendBytes(stream, upload)
      await stream.close()
      await reading
      const ms = performance.now() - start
      if (received !== download) throw new Error(`perf: received ${received} of ${download} bytes`)
      return { ms, uploaded: upload, downloaded: received }
    },
    // For bench/: pings a peer (by peer id, or a multiaddr) every intervalMs, each attempt given
    // attemptTimeoutMs and at most maxInFlight at once, until one succeeds or deadlineMs passes.
    // Attempts overlap so that the success is seen within about intervalMs of being possible, even
    // while earlier attempts hang on a connection to a peer that is gone. Times are this process's
    // monotonic clock (see the top of this file).
    async reach ({ peerId, addr, intervalMs = 20, attemptTimeoutMs = 250, deadlineMs = 30_000, maxInFlight = 16 }) {
      const peer = target(addr ?? peerId)
      deadlineMs = Math.min(deadlineMs, MAX_COMMAND_TIMEOUT_MS)
      const startMono = mono()
      let attempts = 0
      let inFlight = 0
      let lastError
      return await new Promise((resolve) => {
        let done = false
        const finish = (result) => {
          if (done) return
          done = true
          clearInterval(timer)
          clearTimeout(deadline)
          resolve({ startMono, attempts, lastError, ...result })
        }
        const attempt = () => {
          if (done || inFlight >= maxInFlight) return
          attempts++
          inFlight++
          node.services.ping.ping(peer, { signal: AbortSignal.timeout(attemptTimeoutMs) })
            .then((rtt) => finish({ reached: true, doneMono: mono(), rtt }), (err) => { lastError = err.message ?? String(err) })
            .finally(() => { inFlight-- })
        }
        const timer = setInterval(attempt, intervalMs)
        const deadline = setTimeout(() => finish({ reached: false }), deadlineMs)
        attempt()
      })
    },
    async clock () {
      return mono()
    },
    async hangUp ({ peerId }) {
      await node.hangUp(peerIdFromString(peerId))
      return true
    },
    async peerInfo ({ peerId }) {
      const peer = await node.peerStore.get(peerIdFromString(peerId))
      return { protocols: peer.protocols, addresses: peer.addresses.map(a => a.multiaddr.toString()) }
    },
    async connections () {
      return node.getConnections().map(c => ({
        remotePeer: c.remotePeer.toString(), remoteAddr: c.remoteAddr.toString(), direction: c.direction, status: c.status
      }))
    },
    async echo ({ addr, peerId, protocol, data }) {
      const payload = fromB64(data)
      const stream = await node.dialProtocol(target(addr ?? peerId), protocol ?? ECHO_PROTOCOL)
      stream.send(payload)
      await stream.close()
      // Reads as many bytes as were sent, or until the end of the stream. It does not wait for the
      // end after a full echo: js-libp2p does not always see p2pboot end a stream after js ended
      // its own side (a known issue of ours, see Stream.closeWhenFlushed); this command tests data.
      const chunks = []
      let received = 0
      for await (const chunk of stream) {
        const bytes = Buffer.from(chunk.subarray ? chunk.subarray() : chunk)
        chunks.push(bytes)
        received += bytes.length
        if (received >= payload.length) break
      }
      return b64(Buffer.concat(chunks))
    },
    async kadPut ({ key: k, value }) {
      await collect(dht().put(key(k), fromB64(value)), () => undefined)
      return true
    },
    async kadGet ({ key: k }) {
      const values = await collect(dht().get(key(k)), e => e.name === 'VALUE' ? b64(e.value) : undefined)
      if (values.length === 0) throw new Error(`no value found for ${k}`)
      return values[0]
    },
    async kadFindPeer ({ peerId }) {
      const found = await collect(dht().findPeer(peerIdFromString(peerId)),
        e => e.name === 'FINAL_PEER' ? e.peer.multiaddrs.map(a => a.toString()) : undefined)
      if (found.length === 0) throw new Error(`peer ${peerId} not found`)
      return found[0]
    },
    async kadClosestPeers ({ key: k, peerId }) {
      const bytes = peerId ? peerIdFromString(peerId).toMultihash().bytes : key(k)
      const peers = await collect(dht().getClosestPeers(bytes), e => e.name === 'FINAL_PEER' ? e.peer.id.toString() : undefined)
      return [...new Set(peers)]
    },
    async kadProvide ({ cid }) {
      await collect(dht().provide(CID.parse(cid)), () => undefined)
      return true
    },
    async kadFindProviders ({ cid }) {
      const providers = await collect(dht().findProviders(CID.parse(cid)),
        e => e.name === 'PROVIDER' ? e.providers.map(p => p.id.toString()) : undefined)
      return [...new Set(providers.flat())]
    },
    // For the interop matrix (the go and rust peers have the same): dial a peer so that kad-dht
    // takes it into its table once identify shows it speaks the protocol; and a bootstrap, which
    // for js-libp2p's kad-dht is a lookup of our own id.
    async kadAddPeer ({ addr }) {
      dht()
      await node.dial(multiaddr(addr))
      return true
    },
    async kadBootstrap () {
      await collect(dht().getClosestPeers(node.peerId.toMultihash().bytes), () => undefined)
      return true
    },
    async routingTable () {
      const table = dht().routingTable
      return [...(table.kb?.toIterable?.() ?? [])].map(contact => contact.peerId.toString())
    },
    async stop () {
      setTimeout(async () => { await node.stop(); process.exit(0) }, 10)
      return true
    }
  }
}

function withTimeout (promise, ms, what) {
  let timer
  const timeout = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

async function serve (options) {
  const node = await createNode(options)
  node.addEventListener('peer:connect', (e) => emitEvent({ event: 'peer:connect', peerId: e.detail.toString() }))
  node.addEventListener('peer:disconnect', (e) => emitEvent({ event: 'peer:disconnect', peerId: e.detail.toString() }))
  node.addEventListener('connection:close', (e) => emitEvent({
    event: 'connection:close', peerId: e.detail.remotePeer.toString(), remoteAddr: e.detail.remoteAddr.toString()
  }))
  node.addEventListener('peer:identify', (e) => {
    const r = e.detail
    emitEvent({
      event: 'peer:identify',
      peerId: r.peerId.toString(),
      protocols: r.protocols,
      listenAddrs: r.listenAddrs.map(a => a.toString()),
      observedAddr: r.observedAddr?.toString(),
      agentVersion: r.agentVersion,
      protocolVersion: r.protocolVersion
    })
  })
  emitEvent({ event: 'ready', peerId: node.peerId.toString(), addrs: node.getMultiaddrs().map(a => a.toString()) })

  const handlers = commands(node)
  const lines = createInterface({ input: process.stdin })
  lines.on('line', async (line) => {
    let request
    try {
      request = JSON.parse(line)
    } catch (err) {
      emit({ id: null, ok: false, error: `not JSON: ${err.message}` })
      return
    }
    const handler = handlers[request.cmd]
    if (!handler) {
      emit({ id: request.id, ok: false, error: `unknown command '${request.cmd}'` })
      return
    }
    try {
      const result = await withTimeout(handler(request), Math.min(request.timeoutMs ?? COMMAND_TIMEOUT_MS, MAX_COMMAND_TIMEOUT_MS), request.cmd)
      emit({ id: request.id, ok: true, result })
    } catch (err) {
      emit({ id: request.id, ok: false, error: err.message ?? String(err) })
    }
  })
  // The test harness going away closes stdin: stop rather than linger.
  lines.on('close', async () => { await node.stop(); process.exit(0) })
}

async function pingOnce (address) {
  const node = await createNode({ quicPort: 0, tcp: true, tcpPort: 0, kad: false })
  try {
    const connection = await withTimeout(node.dial(multiaddr(address)), COMMAND_TIMEOUT_MS, 'dial')
    console.log(`connected to ${connection.remotePeer} over ${connection.remoteAddr}`)
    for (let i = 0; i < 3; i++) {
      const rtt = await withTimeout(node.services.ping.ping(multiaddr(address)), COMMAND_TIMEOUT_MS, 'ping')
      console.log(`ping ${i + 1}: ${rtt} ms`)
    }
  } finally {
    await node.stop()
  }
}

const options = parseArgs(process.argv.slice(2))
if (options.positional[0] === 'ping') {
  if (!options.positional[1]) {
    console.error('usage: peer.mjs ping <multiaddr>')
    process.exit(2)
  }
  pingOnce(options.positional[1]).then(() => process.exit(0), (err) => { console.error(`ping failed: ${err.message}`); process.exit(1) })
} else {
  serve(options).catch((err) => { console.error(err); process.exit(1) })
}
