import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {inject} from 'vitest';
import {Provider, type ProviderOptions} from '../../source/core/provider.js';
import {TorBackend} from '../../source/tor/tor-backend.js';
import {parseCheckBody} from '../../source/util/parse-check-body.js';
import {httpGetViaConnect} from '../../source/util/connect-fetch.js';
import {httpGetViaSocks} from '../../source/util/socks-fetch.js';
import {Cleanups} from './cleanups.js';
import {testNamespace} from './redis.js';

/** A provider with a real Tor pool on the private test network; `stop()` stops Tor and removes its cache. */
export async function startTorProvider(redisUrl: string, {count = 3, timings, healthIntervalMs = 0, checkTimeoutMs = 15_000, front}: {count?: number; timings?: ProviderOptions['timings']; healthIntervalMs?: number; checkTimeoutMs?: number; front?: ProviderOptions['front']} = {}): Promise<{provider: Provider; backend: TorBackend; cacheDirectory: string; stop(): Promise<void>}> {
	const testnet = inject('testnet');
	const cleanups = new Cleanups();
	const cacheDirectory = await fs.mkdtemp(path.join(os.tmpdir(), 'nightcrawler-test-cache-'));
	// Runs last, so the cache goes even when stopping the provider fails.
	cleanups.add(async () => fs.rm(cacheDirectory, {recursive: true, force: true}));
	const backend = new TorBackend({count, torrcFile: testnet.torrcFile, checkUrl: testnet.checkUrl, cacheDirectory, checkTimeoutMs, healthIntervalMs, stopTimeoutMs: 3000});
	const provider = new Provider({redis: redisUrl, namespace: testNamespace(), backend, timings, front});
	cleanups.add(async () => provider.stop());
	const stop = async () => cleanups.run();

	try {
		await provider.connect();
		await provider.createCluster();
		provider.startProviding();
		await backend.whenReady({timeoutMs: 120_000});
	} catch (error) {
		await stop().catch((stopError: unknown) => {
			throw new AggregateError([error, stopError], 'the Tor provider failed to start, then to stop');
		});
		throw error;
	}

	return {provider, backend, cacheDirectory, stop};
}

let credentials = 0;

type Auth = {username: string; password: string};

/**
 * The exit address the echo server sees for a request through a SOCKS port: with a lease's
 * credentials (a provider's front), or else fresh made-up ones (straight to Tor: a fresh circuit).
 */
export async function exitViaSocks(host: string, port: number, auth?: Auth): Promise<string | undefined> {
	const {checkUrl} = inject('testnet');
	credentials++;
	const {username, password} = auth ?? {username: `test-${process.pid}-${credentials}`, password: 'x'};
	const response = await httpGetViaSocks({socksHost: host, socksPort: port, url: checkUrl, username, password, timeoutMs: 15_000});
	return parseCheckBody(response.body);
}

/** The exit address the echo server sees for a request through an HTTP CONNECT port (credentials as for exitViaSocks). */
export async function exitViaConnect(host: string, port: number, auth?: Auth): Promise<string | undefined> {
	const {checkUrl} = inject('testnet');
	credentials++;
	const response = await httpGetViaConnect({proxyHost: host, proxyPort: port, url: checkUrl, proxyAuth: auth ?? {username: `test-${credentials}`, password: 'x'}, timeoutMs: 15_000});
	return parseCheckBody(response.body);
}
