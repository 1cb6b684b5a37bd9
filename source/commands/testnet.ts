import type {Writable} from 'node:stream';
import {startTestnet, type Testnet} from '../testnet/start-testnet.js';

export type TestnetCommandOptions = {
	exits: number;
	/** The address the relays listen on (`--host`), default 127.0.0.1. */
	host?: string;
	/** Print the JSON line even when stdout is a terminal. */
	json: boolean;
	stdout: Writable & {isTTY?: boolean};
	stderr: Writable;
	/** Ends the command like SIGINT does (for embedding and tests). */
	signal?: AbortSignal;
	torPath?: string;
};

const shutdownSignals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * `nightcrawler testnet`: bring up the private Tor network (progress on stderr), print one JSON line
 * `{"torrc", "checkUrl", "checkHostUrl", "exits", "joinUrl"}` (a short summary on a terminal), keep it running until SIGINT,
 * SIGTERM or SIGHUP, then stop everything. Resolves with the exit code: 0 after a requested stop,
 * 1 when the network failed, 130 when interrupted before it was up.
 */
export async function runTestnetCommand(options: TestnetCommandOptions): Promise<number> {
	const {stdout, stderr} = options;
	const progress = (line: string): void => {
		stderr.write(`testnet: ${line}\n`);
	};

	const controller = new AbortController();
	const shutdown = (why: string): void => {
		if (!controller.signal.aborted) {
			controller.abort(new Error(`stopped by ${why}`));
		}
	};

	const onSignal = (signal: NodeJS.Signals): void => {
		shutdown(signal);
	};

	const onStdoutError = (): void => {
		shutdown('stdout closing');
	};

	const onExternalAbort = (): void => {
		shutdown('the caller');
	};

	for (const signal of shutdownSignals) {
		process.on(signal, onSignal);
	}

	stdout.on('error', onStdoutError);
	options.signal?.addEventListener('abort', onExternalAbort, {once: true});
	if (options.signal?.aborted) {
		onExternalAbort();
	}

	try {
		let testnet: Testnet;
		try {
			testnet = await startTestnet({exits: options.exits, host: options.host, torPath: options.torPath, log: progress, signal: controller.signal});
		} catch (error) {
			if (controller.signal.aborted) {
				progress('interrupted before the network was up; everything started has been stopped');
				return 130;
			}

			progress(error instanceof Error ? error.message : String(error));
			return 1;
		}

		try {
			stdout.write(options.json || !stdout.isTTY ? `${JSON.stringify({torrc: testnet.torrcFile, checkUrl: testnet.checkUrl, checkHostUrl: testnet.checkHostUrl, exits: testnet.exits, joinUrl: testnet.joinUrl})}\n` : summary(testnet));
			const stopRequested = new Promise<'stop'>(resolve => {
				controller.signal.addEventListener('abort', () => {
					resolve('stop');
				}, {once: true});
				if (controller.signal.aborted) {
					resolve('stop');
				}
			});
			const outcome = await Promise.race([stopRequested, testnet.failed]);
			if (outcome instanceof Error) {
				progress(outcome.message);
				return 1;
			}

			progress(`${controller.signal.reason instanceof Error ? controller.signal.reason.message : 'stopping'}; stopping the network`);
			return 0;
		} finally {
			await testnet.stop();
			progress('stopped');
		}
	} finally {
		for (const signal of shutdownSignals) {
			process.off(signal, onSignal);
		}

		stdout.off('error', onStdoutError);
		options.signal?.removeEventListener('abort', onExternalAbort);
	}
}

function summary(testnet: Testnet): string {
	return [
		`Private Tor network up: 3 directory authorities, ${testnet.exits.length} exits (${testnet.exits.join(', ')})`,
		`  client torrc  ${testnet.torrcFile}`,
		`                tor -f ${testnet.torrcFile} --SocksPort 9050`,
		`  check URL     ${testnet.checkUrl}`,
		`  by name       ${testnet.checkHostUrl} (resolved by the exits)`,
		`  join from     ${testnet.joinUrl}`,
		`                nightcrawler provider --join-testnet ${testnet.joinUrl}`,
		'Press Ctrl-C to stop it.',
		'',
	].join('\n');
}
