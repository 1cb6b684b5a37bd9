import type {RouterStatus} from './control/router-status.js';
import type {TorControl} from './control/tor-control.js';
import type {ExitAllocator} from './exit-allocator.js';
import {checkExit} from './exit-check.js';
import {NoExitError} from './errors/no-exit-error.js';

export type ExitPinning = {
	/** The instance the exit is for (the allocator's key, and the prefix of every log line). */
	id: string;
	control: TorControl;
	/** The instance's SOCKS listener, through which the check request goes. */
	host: string;
	socksPort: number;
	checkUrl: string;
	checkTimeoutMs: number;
	allocator: ExitAllocator;
	/** The exit being replaced: never chosen again, and its address never given back. */
	previous: {fingerprint?: string; ip?: string};
	log: (message: string) => void;
};

/** An exit relay pinned and proven by a request that left through it. */
export type PinnedExit = {fingerprint: string; ip: string};

const maxPinAttempts = 6;
const maxCheckRounds = 3;

/**
 * Choose an exit nobody else holds, pin it, and prove traffic leaves through it from a new
 * address; the allocator records it. When every working exit is held by another instance, one is
 * shared; the old exit address is never given back. Rejects with NoExitError when nothing works.
 */
export async function pinNewExit(pinning: ExitPinning): Promise<PinnedExit> {
	const {id, control, allocator, previous, log} = pinning;
	const relays: RouterStatus[] = await control.getExitRelays();
	const exclude = new Set<string>(previous.fingerprint ? [previous.fingerprint] : []);
	let shared: RouterStatus | undefined;
	for (let attempt = 0; attempt < maxPinAttempts; attempt++) {
		const relay = allocator.choose(id, relays, exclude);
		if (!relay) {
			break;
		}

		exclude.add(relay.fingerprint);
		// eslint-disable-next-line no-await-in-loop
		const ip = await pinAndCheck(pinning, relay);
		if (ip === undefined || ip === previous.ip) {
			continue;
		}

		if (allocator.ipsInUse(id).has(ip)) {
			log(`${id}: exit ${relay.nickname} leaves from ${ip}, already in use; trying another exit`);
			shared ??= relay;
			continue;
		}

		return assign(pinning, relay, ip);
	}

	const ip = shared ? await pinAndCheck(pinning, shared) : undefined;
	if (shared && ip !== undefined && ip !== previous.ip) {
		log(`${id}: every other exit is in use; sharing ${shared.nickname} (${ip})`);
		return assign(pinning, shared, ip);
	}

	throw new NoExitError(`${id}: no usable exit found (tried ${exclude.size})`);
}

function assign({id, allocator}: ExitPinning, relay: RouterStatus, ip: string): PinnedExit {
	allocator.assign(id, relay.fingerprint, ip);
	return {fingerprint: relay.fingerprint, ip};
}

/**
 * Pin `relay` and check through the instance that traffic leaves through it, by the address the
 * check service saw and by the last hop of the circuit it used. Circuits Tor was building while
 * the pin was set can slip through the first close; they are closed again and the check repeated.
 * Resolves with the exit address seen, or undefined when the relay failed.
 */
async function pinAndCheck(pinning: ExitPinning, relay: RouterStatus): Promise<string | undefined> {
	const {id, control, host, socksPort, checkUrl, checkTimeoutMs, log} = pinning;
	for (let round = 0; round < maxCheckRounds; round++) {
		try {
			// eslint-disable-next-line no-await-in-loop
			await control.pinExit(relay.fingerprint);
			// eslint-disable-next-line no-await-in-loop
			const check = await checkExit({control, host, socksPort, checkUrl, timeoutMs: checkTimeoutMs});
			if (check.exitFingerprint === relay.fingerprint) {
				// eslint-disable-next-line no-await-in-loop
				await closeStrayCircuits(control, relay.fingerprint);
				return check.ip;
			}

			log(`${id}: check left through ${check.exitFingerprint?.slice(0, 8) ?? 'an unknown circuit'}, not the pinned ${relay.nickname}; closing circuits again`);
		} catch (error) {
			log(`${id}: exit ${relay.nickname} failed its check: ${error instanceof Error ? error.message : String(error)}`);
			return undefined;
		}
	}

	return undefined;
}

/** Close every circuit that is not a built circuit ending at `fingerprint`: nothing may slip past the pin. */
async function closeStrayCircuits(control: TorControl, fingerprint: string): Promise<void> {
	const circuits = await control.getCircuits();
	const stray = circuits.filter(circuit => circuit.status !== 'BUILT' || circuit.path.at(-1)?.fingerprint !== fingerprint);
	await Promise.all(stray.map(async circuit => control.closeCircuit(circuit.id).catch(() => undefined)));
}
