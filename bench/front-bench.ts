import net from 'node:net';
import {performance} from 'node:perf_hooks';
import {Front} from '../source/front/front.js';
import {socks5Handshake} from '../source/util/socks5-handshake.js';
import {startSink} from './front-sink.js';
import {quantile, round} from './stats.js';

export type FrontBenchResult = {
	/** One connection's download, MB/s (10^6 bytes), through the front / straight to Tor / from the sink alone. */
	frontMBps: number;
	directMBps: number;
	sinkMBps: number;
	/** `concurrent` connections downloading at once, MB/s in all. */
	frontMBpsConcurrent: number;
	directMBpsConcurrent: number;
	sinkMBpsConcurrent: number;
	frontConcurrentConnections: number;
	/** Connection set-up: TCP connect and SOCKS5 handshake up to the CONNECT reply (sink: TCP connect). */
	frontConnectP50Ms: number;
	frontConnectP99Ms: number;
	directConnectP50Ms: number;
	directConnectP99Ms: number;
	sinkConnectP50Ms: number;
	sinkConnectP99Ms: number;
	frontConnects: number;
};

type Path = 'front' | 'direct' | 'sink';
const paths: readonly Path[] = ['front', 'direct', 'sink'];

type Tunnel = (path: Path) => Promise<net.Socket>;

const credentials = {username: 'bench-user', password: 'bench-password-0123456789'};

/**
 * The front's cost, measured in the same run: the front's SOCKS5 port (with a lease's credentials)
 * against Tor's SOCKS port itself, both to a local sink through the private network's exits, and
 * the sink alone as a baseline. Paths take turns round by round, so the machine's load weighs on
 * each alike. Downloads are timed from the ask to the last byte; set-up from the TCP connect to the
 * SOCKS5 CONNECT reply.
 */
export async function frontBench({socksPort, targetHost, connects, megabytes, concurrent, log}: {
	/** A ready Tor's SOCKS port on 127.0.0.1. */
	socksPort: number;
	/** The sink's address as the exits reach it (the testnet's IPv4-mapped loopback). */
	targetHost: string;
	connects: number;
	/** Bytes per download round (MB), split among the connections of the concurrent rounds. */
	megabytes: number;
	concurrent: number;
	log: (line: string) => void;
}): Promise<FrontBenchResult> {
	const sink = await startSink();
	const front = new Front({
		host: '127.0.0.1',
		// Compared as the provider compares a lease's credentials: a lookup, then the password.
		access: request => (request.credentials?.username === credentials.username && request.credentials.password === credentials.password
			? {ok: true, key: 'bench', upstream: {host: '127.0.0.1', port: socksPort}}
			: {ok: false, reason: 'bad-credentials'}),
		limits: {perKey: concurrent * 2, total: concurrent * 4},
	});
	try {
		const {socksPort: frontPort} = await front.start();
		const tunnel: Tunnel = async path => {
			const socket = await connect(path === 'front' ? frontPort : path === 'direct' ? socksPort : sink.port);
			if (path === 'front') {
				await socks5Handshake(socket, {host: targetHost, port: sink.port, ...credentials});
			} else if (path === 'direct') {
				await socks5Handshake(socket, {host: targetHost, port: sink.port});
			}

			return socket;
		};

		const setUp = new Map<Path, number[]>(paths.map(path => [path, []]));
		for (let index = 0; index < connects; index++) {
			for (const path of rotate(paths, index)) {
				const started = performance.now();
				// eslint-disable-next-line no-await-in-loop
				const socket = await tunnel(path);
				setUp.get(path)!.push(performance.now() - started);
				socket.destroy();
			}
		}

		const bytes = Math.round(megabytes * 1e6);
		const single = await throughput(tunnel, 1, bytes, 3);
		const many = await throughput(tunnel, concurrent, Math.ceil(bytes / concurrent), 3);
		const ms = (path: Path, q: number) => round(quantile(setUp.get(path)!, q));
		const result: FrontBenchResult = {
			frontMBps: single.front,
			directMBps: single.direct,
			sinkMBps: single.sink,
			frontMBpsConcurrent: many.front,
			directMBpsConcurrent: many.direct,
			sinkMBpsConcurrent: many.sink,
			frontConcurrentConnections: concurrent,
			frontConnectP50Ms: ms('front', 0.5),
			frontConnectP99Ms: ms('front', 0.99),
			directConnectP50Ms: ms('direct', 0.5),
			directConnectP99Ms: ms('direct', 0.99),
			sinkConnectP50Ms: ms('sink', 0.5),
			sinkConnectP99Ms: ms('sink', 0.99),
			frontConnects: connects,
		};
		const share = (ours: number, theirs: number) => `${round((100 * ours) / theirs, 0)}%`;
		log(`front (SOCKS5, with credentials) against Tor's SOCKS port, to a local sink through the testnet, paths in turn:`);
		log(`  1 connection: front ${result.frontMBps} MB/s, direct ${result.directMBps} MB/s (front ${share(result.frontMBps, result.directMBps)} of direct; the sink alone ${result.sinkMBps} MB/s)`);
		log(`  ${concurrent} connections: front ${result.frontMBpsConcurrent} MB/s, direct ${result.directMBpsConcurrent} MB/s (front ${share(result.frontMBpsConcurrent, result.directMBpsConcurrent)} of direct; the sink alone ${result.sinkMBpsConcurrent} MB/s)`);
		log(`  set-up, ${connects} each: front p50 ${result.frontConnectP50Ms} ms, p99 ${result.frontConnectP99Ms} ms; direct p50 ${result.directConnectP50Ms} ms, p99 ${result.directConnectP99Ms} ms; front ${signed(round(result.frontConnectP50Ms - result.directConnectP50Ms))} ms at p50 (the sink alone: p50 ${result.sinkConnectP50Ms} ms)`);
		return result;
	} finally {
		await front.stop();
		await sink.close();
	}
}

function signed(value: number): string {
	return value < 0 ? String(value) : `+${value}`;
}

/** The paths in a different order each round. */
function rotate<T>(items: readonly T[], by: number): T[] {
	const shift = by % items.length;
	return [...items.slice(shift), ...items.slice(0, shift)];
}

async function connect(port: number): Promise<net.Socket> {
	return new Promise((resolve, reject) => {
		const socket = net.connect({host: '127.0.0.1', port, noDelay: true});
		socket.once('connect', () => {
			socket.off('error', reject);
			resolve(socket);
		});
		socket.once('error', reject);
	});
}

/**
 * MB/s of each path with `connections` tunnels downloading `bytes` each at once: the tunnels are
 * opened first (not timed), then all ask together; the best of `rounds` rounds (paths in turn) counts,
 * as the least disturbed by the rest of the machine.
 */
async function throughput(tunnel: Tunnel, connections: number, bytes: number, rounds: number): Promise<Record<Path, number>> {
	const best: Record<Path, number> = {front: 0, direct: 0, sink: 0};
	for (let index = 0; index < rounds; index++) {
		for (const path of rotate(paths, index)) {
			// eslint-disable-next-line no-await-in-loop
			const sockets = await Promise.all(Array.from({length: connections}, async () => tunnel(path)));
			const started = performance.now();
			// eslint-disable-next-line no-await-in-loop
			await Promise.all(sockets.map(async socket => download(socket, bytes)));
			const seconds = (performance.now() - started) / 1000;
			best[path] = Math.max(best[path], round((connections * bytes) / 1e6 / seconds, 1));
		}
	}

	return best;
}

async function download(socket: net.Socket, bytes: number): Promise<void> {
	const ask = Buffer.alloc(4);
	ask.writeUInt32BE(bytes, 0);
	return new Promise((resolve, reject) => {
		let received = 0;
		socket.on('data', (data: Buffer) => {
			received += data.length;
		});
		socket.once('error', reject);
		socket.once('close', () => {
			if (received === bytes) {
				resolve();
			} else {
				reject(new Error(`download ended after ${received} of ${bytes} bytes`));
			}
		});
		socket.write(ask);
	});
}
