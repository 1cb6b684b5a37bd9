import {Front} from '../source/front/front.js';
import {socks5Handshake} from '../source/util/socks5-handshake.js';
import {startSink} from './front-sink.js';
import {round} from './stats.js';
import {connect, share, signed, timeTunnels, type Tunnel, type TunnelBenchOptions} from './tunnel-timing.js';

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

const credentials = {username: 'bench-user', password: 'bench-password-0123456789'};

/**
 * The front's cost, measured in the same run: the front's SOCKS5 port (with a lease's credentials)
 * against Tor's SOCKS port itself, both to a local sink through the private network's exits, and
 * the sink alone as a baseline. Paths take turns round by round, so the machine's load weighs on
 * each alike. Downloads are timed from the ask to the last byte; set-up from the TCP connect to the
 * SOCKS5 CONNECT reply.
 */
export async function frontBench({socksPort, targetHost, connects, megabytes, concurrent, log}: TunnelBenchOptions & {
	/** A ready Tor's SOCKS port on 127.0.0.1. */
	socksPort: number;
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
		const tunnel: Tunnel<Path> = async path => {
			const socket = await connect(path === 'front' ? frontPort : path === 'direct' ? socksPort : sink.port);
			if (path === 'front') {
				await socks5Handshake(socket, {host: targetHost, port: sink.port, ...credentials});
			} else if (path === 'direct') {
				await socks5Handshake(socket, {host: targetHost, port: sink.port});
			}

			return socket;
		};

		const {connectMs: ms, single, concurrent: many} = await timeTunnels(tunnel, paths, {connects, megabytes, concurrent});
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
