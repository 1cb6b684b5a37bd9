import net from 'node:net';
import {performance} from 'node:perf_hooks';
import {quantile, round} from './stats.js';

/** Open a tunnel to the sink by one path (TCP connect and any SOCKS5 handshake). */
export type Tunnel<P extends string> = (path: P) => Promise<net.Socket>;

/** The paths in a different order each round. */
export function rotate<T>(items: readonly T[], by: number): T[] {
	const shift = by % items.length;
	return [...items.slice(shift), ...items.slice(0, shift)];
}

export async function connect(port: number): Promise<net.Socket> {
	return new Promise((resolve, reject) => {
		const socket = net.connect({host: '127.0.0.1', port, noDelay: true});
		socket.once('connect', () => {
			socket.off('error', reject);
			resolve(socket);
		});
		socket.once('error', reject);
	});
}

/** Set-up times (ms) of `samples` tunnels per path, paths in turn. */
async function setUpTimes<P extends string>(tunnel: Tunnel<P>, paths: readonly P[], samples: number): Promise<Map<P, number[]>> {
	const times = new Map<P, number[]>(paths.map(path => [path, []]));
	for (let index = 0; index < samples; index++) {
		for (const path of rotate(paths, index)) {
			const started = performance.now();
			// eslint-disable-next-line no-await-in-loop
			const socket = await tunnel(path);
			times.get(path)!.push(performance.now() - started);
			socket.destroy();
		}
	}

	return times;
}

/**
 * MB/s of each path with `connections` tunnels downloading `bytes` each at once: the tunnels are
 * opened first (not timed), then all ask together; the best of `rounds` rounds (paths in turn) counts,
 * as the least disturbed by the rest of the machine.
 */
async function throughput<P extends string>(tunnel: Tunnel<P>, paths: readonly P[], connections: number, bytes: number, rounds: number): Promise<Record<P, number>> {
	const best = Object.fromEntries(paths.map(path => [path, 0])) as Record<P, number>;
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

/** What a tunnel bench is told: where the sink is, how much to time, and where to say what it found. */
export type TunnelBenchOptions = {
	/** The sink's address as the exits reach it (the testnet's IPv4-mapped loopback). */
	targetHost: string;
	/** Tunnels set up per path. */
	connects: number;
	/** Bytes per download round (MB), split among the connections of the concurrent rounds. */
	megabytes: number;
	concurrent: number;
	log: (line: string) => void;
};

export type TunnelTimes<P extends string> = {
	/** Set-up time of a path at quantile `q`, ms (rounded). */
	connectMs(path: P, q: number): number;
	/** MB/s of each path with one connection. */
	single: Record<P, number>;
	/** MB/s of each path with `concurrent` connections downloading at once, in all. */
	concurrent: Record<P, number>;
};

/**
 * A bench's timings of its paths, in turn: the set-up of `connects` tunnels per path, then the
 * throughput of one connection and of `concurrent` at once (`megabytes` a round, split among the
 * concurrent ones; the best of 3 rounds).
 */
export async function timeTunnels<P extends string>(tunnel: Tunnel<P>, paths: readonly P[], {connects, megabytes, concurrent}: {connects: number; megabytes: number; concurrent: number}): Promise<TunnelTimes<P>> {
	const setUp = await setUpTimes(tunnel, paths, connects);
	const bytes = Math.round(megabytes * 1e6);
	const single = await throughput(tunnel, paths, 1, bytes, 3);
	const many = await throughput(tunnel, paths, concurrent, Math.ceil(bytes / concurrent), 3);
	return {
		connectMs: (path, q) => round(quantile(setUp.get(path)!, q)),
		single,
		concurrent: many,
	};
}

/** Ask the sink for `bytes` and take them all. */
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

export function signed(value: number): string {
	return value < 0 ? String(value) : `+${value}`;
}

export function share(ours: number, theirs: number): string {
	return `${round((100 * ours) / theirs, 0)}%`;
}
