import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {performance} from 'node:perf_hooks';
import {Client} from '../source/core/client.js';
import {Provider} from '../source/core/provider.js';
import {startTestnet, type Testnet} from '../source/testnet/start-testnet.js';
import {TorBackend} from '../source/tor/tor-backend.js';
import {frontBench, type FrontBenchResult} from './front-bench.js';
import {gatewayBench, type GatewayBenchResult} from './gateway-bench.js';
import {quantile, round} from './stats.js';

export type FrontOptions = {connects: number; megabytes: number; concurrent: number};

export type TorBenchResult = Partial<FrontBenchResult> & Partial<GatewayBenchResult> & {
	tors: number;
	poolStartMs1: number;
	poolStartMsN: number;
	torRssMb: number;
	torRssMbMax: number;
	rotations: number;
	rotateP50Ms: number;
	rotateP95Ms: number;
};

async function rssMb(pid: number): Promise<number> {
	const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
	const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? Number.NaN);
	return kb / 1024;
}

/** Start a pool of `count` Tor instances from empty data directories; resolves when all are ready. */
async function startPool(testnet: Testnet, count: number, cacheDirectory: string): Promise<{backend: TorBackend; ms: number}> {
	const backend = new TorBackend({count, torrcFile: testnet.torrcFile, checkUrl: testnet.checkUrl, cacheDirectory, fresh: true, healthIntervalMs: 0, checkTimeoutMs: 15_000});
	const started = performance.now();
	try {
		await backend.start();
		await backend.whenReady({timeoutMs: 180_000});
	} catch (error) {
		await backend.stop();
		throw error;
	}

	return {backend, ms: performance.now() - started};
}

/**
 * On the private Tor network: pool start-up for 1 and for `tors` instances started together, RSS
 * per instance, and rotation latency as a client sees it (rotate requested to new exit verified).
 */
export async function torBench({redisUrl, tors, rotations, front, log}: {redisUrl: string; tors: number; rotations: number; front: FrontOptions | undefined; log: (line: string) => void}): Promise<TorBenchResult> {
	const testnet = await startTestnet({exits: Math.max(4, tors + 1)});
	const cacheDirectory = await fs.mkdtemp(path.join(os.tmpdir(), 'nightcrawler-bench-'));
	try {
		log(`private Tor network up: ${testnet.exits.length} exits`);
		const one = await startPool(testnet, 1, path.join(cacheDirectory, 'one'));
		await one.backend.stop();
		log(`pool of 1: ready in ${round(one.ms, 0)} ms`);
		const many = await startPool(testnet, tors, path.join(cacheDirectory, 'many'));
		log(`pool of ${tors} started together: ready in ${round(many.ms, 0)} ms`);
		// With its front, as the CLI runs it: the gateway's figures go through it.
		const provider = new Provider({redis: redisUrl, namespace: `bench-tor-${Date.now()}`, backend: many.backend, front: front && {host: '127.0.0.1', limits: {perKey: front.concurrent * 2}}});
		const client = new Client({redis: redisUrl, namespace: provider.bus.namespace});
		try {
			await provider.connect();
			await provider.createCluster();
			provider.startProviding();
			await client.connect();
			const proxy = await client.getProxy({timeoutMs: 30_000});
			const samples: number[] = [];
			for (let index = 0; index < rotations; index++) {
				const started = performance.now();
				// eslint-disable-next-line no-await-in-loop
				await proxy.rotate();
				samples.push(performance.now() - started);
			}

			const rss = await Promise.all(many.backend.snapshot().map(async instance => rssMb(instance.pid!)));
			const result = {
				tors,
				poolStartMs1: round(one.ms, 0),
				poolStartMsN: round(many.ms, 0),
				torRssMb: round(rss.reduce((sum, value) => sum + value, 0) / rss.length, 1),
				torRssMbMax: round(Math.max(...rss), 1),
				rotations: samples.length,
				rotateP50Ms: round(quantile(samples, 0.5), 1),
				rotateP95Ms: round(quantile(samples, 0.95), 1),
			};
			log(`Tor RSS per instance: ${result.torRssMb} MB on average, ${result.torRssMbMax} MB at most`);
			log(`rotation (rotate requested to new exit verified), ${samples.length} rotations: p50 ${result.rotateP50Ms} ms, p95 ${result.rotateP95Ms} ms`);
			if (!front) {
				return result;
			}

			// The front's cost, on the Tor just rotated: its SOCKS port is the front's upstream and the direct path.
			const {hostname} = new URL(testnet.checkUrl);
			const targetHost = hostname.replace(/^\[|\]$/g, '');
			const torSocksPort = many.backend.snapshot().find(instance => instance.id === proxy.proxyId)?.port;
			if (torSocksPort === undefined) {
				throw new Error(`no Tor instance ${proxy.proxyId} in the pool`);
			}

			const frontResult = await frontBench({...front, socksPort: torSocksPort, targetHost, log});
			// The gateway leases a proxy of its own (the pool may hold just this one).
			await proxy.destroy();
			const gatewayResult = await gatewayBench({...front, redisUrl, namespace: provider.bus.namespace, targetHost, log});
			return {...result, ...frontResult, ...gatewayResult};
		} finally {
			await client.close();
			await provider.stop();
		}
	} finally {
		await testnet.stop();
		await fs.rm(cacheDirectory, {recursive: true, force: true});
	}
}
