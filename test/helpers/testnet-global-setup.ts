import type {TestProject} from 'vitest/node';
import {startTestnet} from '../../source/testnet/start-testnet.js';

/** What the e2e tests get from `inject('testnet')`. */
export type TestnetContext = {
	/** A file holding the client torrc lines (for `tor -f` / `--torrc`). */
	torrcFile: string;
	torrcLines: string[];
	/** `http://[::ffff:127.0.0.1]:PORT/`, answering `{"IsTor":true,"IP":"<exit address>"}`. */
	checkUrl: string;
	/** `echo.nightcrawler.test`: only the exits can resolve it (through the testnet's DNS server). */
	checkHost: string;
	/** `http://echo.nightcrawler.test:PORT/`, the same echo server by name, for remote DNS (socks5h, CONNECT). */
	checkHostUrl: string;
	/** The exits' source addresses: ['127.0.0.2', ...]. */
	exits: string[];
};

declare module 'vitest' {
	export interface ProvidedContext {
		testnet: TestnetContext;
	}
}

/**
 * vitest globalSetup of the e2e project: one private Tor network for all e2e files, stopped (every
 * Tor process gone, temporary directory removed) by the returned teardown, or at once if setup fails.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
	const testnet = await startTestnet({
		log(line) {
			if (/usable|ready|lists all/.test(line)) {
				console.error(`testnet: ${line}`);
			}
		},
	});
	try {
		project.provide('testnet', {
			torrcFile: testnet.torrcFile,
			torrcLines: testnet.torrcLines,
			checkUrl: testnet.checkUrl,
			checkHost: testnet.checkHost,
			checkHostUrl: testnet.checkHostUrl,
			exits: testnet.exits,
		});
	} catch (error) {
		await testnet.stop();
		throw error;
	}

	return async () => {
		await testnet.stop();
	};
}
