import path from 'node:path';
import {httpGetViaSocks} from '../util/socks-fetch.js';
import {parseCheckBody} from '../util/parse-check-body.js';
import {pollUntil} from './poll-until.js';
import type {RunningNetwork} from './running-network.js';

export type ProbeOptions = {
	network: RunningNetwork;
	torPath: string;
	/** The client torrc lines of the network. */
	torrcLines: string[];
	socksPort: number;
	controlPort: number;
	checkUrl: string;
	exits: string[];
	deadline: number;
	signal?: AbortSignal | undefined;
	log: (line: string) => void;
};

/**
 * Prove the network works as a client sees it: start a client Tor (the product's TorProcess) from
 * the client torrc lines, wait for it to bootstrap, GET the check URL through its SocksPort until an
 * answer comes from one of the exits, then stop the client. Resolves with the exit address that answered.
 */
export async function probeNetwork(options: ProbeOptions): Promise<string> {
	const tor = await options.network.start('probe', {
		torPath: options.torPath,
		dataDirectory: path.join(options.network.dir, 'probe'),
		host: '127.0.0.1',
		socksPort: options.socksPort,
		controlPort: options.controlPort,
		torrcLines: options.torrcLines,
	});
	try {
		await tor.waitForBootstrap({timeoutMs: Math.max(0, options.deadline - Date.now())});
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
