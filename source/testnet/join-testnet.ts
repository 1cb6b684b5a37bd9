import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {TestnetError} from './testnet-error.js';
import {testnetDescriptionSchema, type TestnetDescription} from './testnet-description.js';

/** A running testnet, seen from another host: its description written out as a torrc file in `dir`. */
export type JoinedTestnet = TestnetDescription & {
	readonly torrcFile: string;
	readonly dir: string;
	/** Remove `dir`. Idempotent. */
	close(): Promise<void>;
};

/**
 * Fetch a testnet's description from its `joinUrl` (`nightcrawler testnet --host ADDRESS` prints
 * it) and write its client torrc into a new temporary directory. Throws a TestnetError when the
 * network does not answer or answers something else.
 */
export async function joinTestnet(url: string, options: {signal?: AbortSignal; timeoutMs?: number} = {}): Promise<JoinedTestnet> {
	const timeout = AbortSignal.timeout(options.timeoutMs ?? 10_000);
	const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
	let description: TestnetDescription;
	try {
		const response = await fetch(url, {signal, redirect: 'error'});
		const text = await response.text();
		if (!response.ok || text.length > 1_000_000) {
			throw new Error(`answered ${response.status}`);
		}

		const parsed = testnetDescriptionSchema.safeParse(JSON.parse(text));
		if (!parsed.success) {
			throw new Error(`unexpected description: ${parsed.error.issues.map(issue => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
		}

		description = parsed.data;
	} catch (error) {
		options.signal?.throwIfAborted();
		throw new TestnetError(`could not join the private Tor network at ${url}: ${error instanceof Error ? error.message : String(error)}`, {cause: error});
	}

	const dir = await mkdtemp(path.join(os.tmpdir(), 'nightcrawler-joined-testnet-'));
	const torrcFile = path.join(dir, 'client.torrc');
	await writeFile(torrcFile, `${description.torrcLines.join('\n')}\n`);
	let closing: Promise<void> | undefined;
	return {
		...description,
		torrcFile,
		dir,
		async close() {
			closing ??= rm(dir, {recursive: true, force: true, maxRetries: 3});
			return closing;
		},
	};
}
