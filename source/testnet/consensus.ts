import http from 'node:http';
import {pollUntil} from './poll-until.js';

export type ConsensusRelay = {
	nickname: string;
	/** Identity fingerprint, 40 upper-case hex digits. */
	fingerprint: string;
	flags: Set<string>;
};

/** The relays of a network-status consensus: its `r` lines and the `s` line that follows each. */
export function parseConsensus(text: string): ConsensusRelay[] {
	const relays: ConsensusRelay[] = [];
	let current: ConsensusRelay | undefined;
	for (const line of text.split('\n')) {
		const fields = line.trim().split(' ');
		if (fields[0] === 'r' && fields[1] !== undefined && fields[2] !== undefined) {
			current = {
				nickname: fields[1],
				fingerprint: Buffer.from(fields[2], 'base64').toString('hex').toUpperCase(),
				flags: new Set(),
			};
			relays.push(current);
		} else if (fields[0] === 's' && current) {
			current.flags = new Set(fields.slice(1));
		}
	}

	return relays;
}

/**
 * GET the current consensus from a directory authority's DirPort (plain HTTP on loopback).
 * Undefined while the authority has none yet (404) or does not answer.
 */
export async function fetchConsensus(dirPort: number, timeoutMs = 5000, host = '127.0.0.1'): Promise<string | undefined> {
	return new Promise(resolve => {
		const request = http.get({
			host,
			port: dirPort,
			path: '/tor/status-vote/current/consensus',
			agent: false,
			timeout: timeoutMs,
		}, response => {
			if (response.statusCode !== 200) {
				response.resume();
				resolve(undefined);
				return;
			}

			const chunks: Buffer[] = [];
			response.on('data', (chunk: Buffer) => chunks.push(chunk));
			response.on('end', () => {
				resolve(Buffer.concat(chunks).toString('utf8'));
			});
			response.on('error', () => {
				resolve(undefined);
			});
		});
		request.on('timeout', () => request.destroy());
		request.on('error', () => {
			resolve(undefined);
		});
	});
}

/** Whether the consensus makes every exit usable (Exit, Running, Valid) and has a Guard to start from. */
export function consensusIsUsable(relays: ConsensusRelay[], exitFingerprints: string[]): boolean {
	const byFingerprint = new Map(relays.map(relay => [relay.fingerprint, relay]));
	const exitsReady = exitFingerprints.every(fingerprint => {
		const flags = byFingerprint.get(fingerprint)?.flags;
		return flags !== undefined && flags.has('Exit') && flags.has('Running') && flags.has('Valid');
	});
	return exitsReady && relays.some(relay => relay.flags.has('Guard') && relay.flags.has('Running'));
}

/**
 * Poll the authorities' DirPorts until one serves a consensus that makes every exit usable.
 * On timeout the error says what the last consensus seen listed.
 */
export async function waitForUsableConsensus(options: {
	dirPorts: number[];
	/** Where the DirPorts listen (default 127.0.0.1). */
	host?: string;
	exitFingerprints: string[];
	deadline: number;
	signal?: AbortSignal | undefined;
}): Promise<void> {
	let last: ConsensusRelay[] | undefined;
	const startedAt = Date.now();
	await pollUntil(async () => {
		const round = await Promise.all(options.dirPorts.map(async dirPort => fetchConsensus(dirPort, 5000, options.host)));
		const consensuses = round.flatMap(text => (text === undefined ? [] : [parseConsensus(text)]));
		last = consensuses[0] ?? last;
		return consensuses.some(relays => consensusIsUsable(relays, options.exitFingerprints)) ? true : undefined;
	}, {
		deadline: options.deadline,
		intervalMs: 500,
		signal: options.signal,
		onTimeout: () => new Error(`no consensus listing all ${options.exitFingerprints.length} exits before the deadline (${Date.now() - startedAt} ms after the relays started); `
			+ (last === undefined
				? 'the authorities never served one'
				: `the last one listed ${last.map(relay => `${relay.nickname} (${[...relay.flags].join(' ')})`).join(', ')}`)),
	});
}
