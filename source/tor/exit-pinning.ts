import type {RouterStatus} from './control/router-status.js';
import type {TorControl} from './control/tor-control.js';
import type {ExitAllocator} from './exit-allocator.js';
import type {ExitRegistry} from './exit-registry.js';
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
	/** The cluster's exits: claimed before pinning, avoided when burnt. Without it, only this pool's instances are kept apart. */
	registry?: ExitRegistry;
	/** The exit being replaced: never chosen again, and its address never given back. */
	previous: {fingerprint?: string; ip?: string};
	log: (message: string) => void;
};

/** An exit relay pinned and proven by a request that left through it; `shared` when another holder in the cluster has it too. */
export type PinnedExit = {fingerprint: string; ip: string; shared: boolean};

const maxPinAttempts = 6;
const maxCheckRounds = 3;

/**
 * Choose an exit nobody else holds (in this pool, and in the cluster when a registry is given:
 * claimed there before it is pinned), pin it, and prove traffic leaves through it from a new
 * address; the allocator records it. Exits the cluster avoids are tried only when nothing else is
 * left, not even an exit to share. When every working exit is held by someone else, one is shared (`shared: true`); the old
 * exit address is never given back. Rejects with NoExitError when nothing works.
 */
export async function pinNewExit(pinning: ExitPinning): Promise<PinnedExit> {
	const {id, control, allocator, registry, previous, log} = pinning;
	const relays: RouterStatus[] = await control.getExitRelays();
	const exclude = new Set<string>(previous.fingerprint ? [previous.fingerprint] : []);
	const avoided = await avoidedAmong(registry, relays, exclude, log);
	for (const fingerprint of avoided) {
		exclude.add(fingerprint);
	}

	let shared: RouterStatus | undefined;
	let attempts = 0;
	while (attempts < maxPinAttempts) {
		let relay = allocator.choose(id, relays, exclude);
		if (!relay && avoided.size > 0 && !shared) {
			// Nothing but avoided exits left, not even one to share: an avoided exit beats none.
			// (Sharing a working exit beats a free one known to be blocked.)
			log(`${id}: only avoided exits are left; trying them`);
			for (const fingerprint of avoided) {
				exclude.delete(fingerprint);
			}

			avoided.clear();
			relay = allocator.choose(id, relays, exclude);
		}

		if (!relay) {
			break;
		}

		exclude.add(relay.fingerprint);
		// eslint-disable-next-line no-await-in-loop
		if (registry && !(await claim(registry, relay, id, log))) {
			shared ??= relay;
			continue;
		}

		attempts++;
		// eslint-disable-next-line no-await-in-loop
		const ip = await pinAndCheck(pinning, relay);
		if (ip === undefined || ip === previous.ip) {
			// eslint-disable-next-line no-await-in-loop
			await registry?.release(relay.fingerprint, id).catch(() => undefined);
			continue;
		}

		if (allocator.ipsInUse(id).has(ip)) {
			log(`${id}: exit ${relay.nickname} leaves from ${ip}, already in use; trying another exit`);
			// eslint-disable-next-line no-await-in-loop
			await registry?.release(relay.fingerprint, id).catch(() => undefined);
			shared ??= relay;
			continue;
		}

		return assign(pinning, relay, ip, false);
	}

	const ip = shared ? await pinAndCheck(pinning, shared) : undefined;
	if (shared && ip !== undefined && ip !== previous.ip) {
		log(`${id}: every other exit is in use; sharing ${shared.nickname} (${ip})`);
		return assign(pinning, shared, ip, true);
	}

	throw new NoExitError(`${id}: no usable exit found (tried ${exclude.size})`);
}

/**
 * Move an instance that shares its exit onto one nobody in the cluster holds, when there is one:
 * first its own exit, when no one claims it now (nothing to re-pin), then any other exit that no
 * instance of this pool is on, that the cluster does not avoid, and that it can claim, pin and
 * prove. Resolves with the exit it moved to, or undefined when none was free (it stays where it
 * was: re-pinned and proven there again if another exit was tried). Quiet when nothing is free: it
 * runs every few seconds while an instance shares. Rejects with NoExitError when even its own
 * exit fails after another was tried (the pin is then unknown).
 */
export async function unshareExit(pinning: ExitPinning & {current: {fingerprint: string; ip: string}}): Promise<PinnedExit | undefined> {
	const {id, control, allocator, registry, current, log} = pinning;
	if (!registry) {
		return undefined;
	}

	const others = allocator.entries().filter(([instanceId]) => instanceId !== id);
	// Its own exit, if no instance here owns it: others of this pool sharing it go on sharing it with this one.
	// Nor when another instance here owns the address it leaves from (another relay behind the same IP:
	// it shares by address). Others of this pool that only share the address too do not stop it: one of
	// them must own it, or none ever would.
	const ownedHere = others.some(([, assignment]) => !assignment.shared && (assignment.fingerprint === current.fingerprint || assignment.ip === current.ip));
	if (!ownedHere && await registry.claim(current.fingerprint, id).catch(() => false)) {
		allocator.assign(id, current.fingerprint, current.ip, false);
		log(`${id}: exit ${current.fingerprint.slice(0, 8)} (${current.ip}) is no longer held elsewhere; claimed it`);
		return {...current, shared: false};
	}

	const relays = await control.getExitRelays();
	const onHere = new Set(others.map(([, assignment]) => assignment.fingerprint));
	const avoided = await avoidedAmong(registry, relays, onHere, log);
	const candidates = relays.filter(relay => relay.fingerprint !== current.fingerprint && !onHere.has(relay.fingerprint) && !avoided.has(relay.fingerprint));
	let tried = 0;
	for (const relay of candidates) {
		if (tried >= maxPinAttempts) {
			break;
		}

		// eslint-disable-next-line no-await-in-loop
		if (!(await registry.claim(relay.fingerprint, id).catch(() => false))) {
			continue;
		}

		tried++;
		// eslint-disable-next-line no-await-in-loop
		const ip = await pinAndCheck(pinning, relay);
		if (ip !== undefined && ip !== current.ip && !allocator.ipsInUse(id).has(ip)) {
			log(`${id}: moved off shared exit ${current.ip} to ${relay.nickname} (${ip}), free in the cluster`);
			return assign({...pinning, previous: current}, relay, ip, false);
		}

		// eslint-disable-next-line no-await-in-loop
		await registry.release(relay.fingerprint, id).catch(() => undefined);
	}

	if (tried > 0) {
		// Back onto the exit it shares, proven again.
		const relay = relays.find(candidate => candidate.fingerprint === current.fingerprint);
		const ip = relay ? await pinAndCheck(pinning, relay) : undefined;
		if (ip === undefined) {
			throw new NoExitError(`${id}: no free exit worked, and its shared exit ${current.ip} failed too`);
		}

		allocator.assign(id, current.fingerprint, ip, true);
	}

	return undefined;
}

/** The candidates the cluster avoids now (none when the registry cannot be asked: pinning goes on). */
async function avoidedAmong(registry: ExitRegistry | undefined, relays: readonly RouterStatus[], exclude: ReadonlySet<string>, log: (message: string) => void): Promise<Set<string>> {
	if (!registry) {
		return new Set();
	}

	try {
		const flags = await Promise.all(relays.map(async relay => (exclude.has(relay.fingerprint) ? false : registry.isAvoided(relay.fingerprint))));
		return new Set(relays.filter((_, index) => flags[index]).map(relay => relay.fingerprint));
	} catch (error) {
		log(`exit registry unavailable, not avoiding reported exits: ${error instanceof Error ? error.message : String(error)}`);
		return new Set();
	}
}

/**
 * Claim `relay` in the cluster. A registry that cannot be reached does not stop pinning: the
 * exit is taken as unclaimed (unique in this pool only) and the failure logged.
 */
async function claim(registry: ExitRegistry, relay: RouterStatus, id: string, log: (message: string) => void): Promise<boolean> {
	try {
		const claimed = await registry.claim(relay.fingerprint, id);
		if (!claimed) {
			log(`${id}: exit ${relay.nickname} is held by another provider; trying another exit`);
		}

		return claimed;
	} catch (error) {
		log(`${id}: could not claim exit ${relay.nickname} in the cluster: ${error instanceof Error ? error.message : String(error)}`);
		return true;
	}
}

function assign({id, allocator, registry, previous}: ExitPinning, relay: RouterStatus, ip: string, shared: boolean): PinnedExit {
	allocator.assign(id, relay.fingerprint, ip, shared);
	if (registry && previous.fingerprint && previous.fingerprint !== relay.fingerprint) {
		// The old exit is free for the cluster again (only if still ours: compare-and-delete).
		void registry.release(previous.fingerprint, id).catch(() => undefined);
	}

	return {fingerprint: relay.fingerprint, ip, shared};
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
