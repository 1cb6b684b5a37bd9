import http from 'node:http';

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
export async function fetchConsensus(dirPort: number, timeoutMs = 5000): Promise<string | undefined> {
	return new Promise(resolve => {
		const request = http.get({
			host: '127.0.0.1',
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
