import {mkdir} from 'node:fs/promises';
import path from 'node:path';
import {httpGetViaSocks} from '../util/socks-fetch.js';
import {parseCheckBody} from '../util/parse-check-body.js';
import {pollUntil} from './poll-until.js';
import type {RunningNetwork} from './running-network.js';

export type ProbeOptions = {
	network: RunningNetwork;
	torPath: string;
	emptyTorrc: string;
	torrcFile: string;
	socksPort: number;
	checkUrl: string;
	exits: string[];
	deadline: number;
	signal?: AbortSignal | undefined;
	log: (line: string) => void;
};

/**
 * Prove the network works as a client sees it: start a client Tor from the client torrc, wait for
 * "Bootstrapped 100%", GET the check URL through its SocksPort until an answer comes from one of
 * the exits, then stop the client. Resolves with the exit address that answered.
 */
export async function probeNetwork(options: ProbeOptions): Promise<string> {
	const dataDir = path.join(options.network.dir, 'probe');
	await mkdir(dataDir, {mode: 0o700});
	const tor = options.network.spawn({
		name: 'probe',
		torPath: options.torPath,
		args: [
			'--defaults-torrc', options.emptyTorrc,
			'-f', options.torrcFile,
			'--DataDirectory', dataDir,
			'--SocksPort', `127.0.0.1:${options.socksPort}`,
			'--GeoIPFile', '',
			'--GeoIPv6File', '',
			'--Log', 'notice stdout',
			'--__OwningControllerProcess', String(process.pid),
		],
	});
	try {
		const timeout = AbortSignal.timeout(Math.max(0, options.deadline - Date.now()));
		const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
		await tor.waitForLine(/Bootstrapped 100%/, signal).catch((error: unknown) => {
			throw timeout.aborted ? new Error(`the probe client did not bootstrap in time:\n${tor.recentLines().slice(-8).join('\n')}`) : error;
		});
		options.log('probe client bootstrapped');
		let lastError: unknown;
		return await pollUntil(async () => {
			try {
				const response = await httpGetViaSocks({
					socksHost: '127.0.0.1',
					socksPort: options.socksPort,
					url: options.checkUrl,
					username: 'probe',
					password: String(Date.now()),
					timeoutMs: 15_000,
					signal: options.signal,
				});
				const ip = parseCheckBody(response.body);
				lastError = new Error(`unexpected answer ${response.status} ${JSON.stringify(response.body.slice(0, 200))}`);
				return ip !== undefined && options.exits.includes(ip) ? ip : undefined;
			} catch (error) {
				lastError = error;
				return undefined;
			}
		}, {
			deadline: options.deadline,
			intervalMs: 500,
			signal: options.signal,
			onTimeout: () => new Error(`no request through the probe client reached ${options.checkUrl} in time`, {cause: lastError}),
		});
	} finally {
		await options.network.stopProcess(tor);
	}
}
