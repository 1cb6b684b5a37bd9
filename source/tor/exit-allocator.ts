import type {RouterStatus} from './control/router-status.js';

/** `shared`: pinned although another holder in the cluster has the exit (no claim of ours to renew or release). */
export type ExitAssignment = {fingerprint: string; ip?: string; shared?: boolean};

/**
 * Which exit relay each instance of one pool is pinned to. Hands out exits no other instance
 * holds, least recently used first, so that leased proxies do not share an exit while the network
 * has enough of them, and a rotation does not come back to an exit used a moment ago.
 */
export class ExitAllocator {
	private readonly assigned = new Map<string, ExitAssignment>();
	private readonly lastUsed = new Map<string, number>();
	private clock = 0;

	/**
	 * Pick an exit for `instanceId` among `candidates`, never one in `exclude`. Exits held by other
	 * instances are only used when nothing else is left.
	 */
	choose(instanceId: string, candidates: readonly RouterStatus[], exclude: ReadonlySet<string>): RouterStatus | undefined {
		const held = new Set<string>();
		for (const [id, assignment] of this.assigned) {
			if (id !== instanceId) {
				held.add(assignment.fingerprint);
			}
		}

		const allowed = candidates.filter(relay => !exclude.has(relay.fingerprint));
		const free = allowed.filter(relay => !held.has(relay.fingerprint));
		const pool = free.length > 0 ? free : allowed;
		let best: RouterStatus | undefined;
		let bestUsed = Number.POSITIVE_INFINITY;
		for (const relay of shuffle(pool)) {
			const used = this.lastUsed.get(relay.fingerprint) ?? -1;
			if (used < bestUsed) {
				best = relay;
				bestUsed = used;
			}
		}

		return best;
	}

	assign(instanceId: string, fingerprint: string, ip?: string, shared = false): void {
		this.assigned.set(instanceId, {fingerprint, ip, ...(shared ? {shared} : {})});
		this.lastUsed.set(fingerprint, ++this.clock);
	}

	/** Forget the instance's exit; returns what it was, so a claim on it can be released. */
	release(instanceId: string): ExitAssignment | undefined {
		const assignment = this.assigned.get(instanceId);
		this.assigned.delete(instanceId);
		return assignment;
	}

	/** The instance's claim was lost to another holder: it now shares its exit. */
	markShared(instanceId: string): void {
		const assignment = this.assigned.get(instanceId);
		if (assignment) {
			this.assigned.set(instanceId, {...assignment, shared: true});
		}
	}

	/** Every instance's exit, for renewing claims. */
	entries(): Array<[instanceId: string, assignment: ExitAssignment]> {
		return [...this.assigned.entries()];
	}

	current(instanceId: string): ExitAssignment | undefined {
		return this.assigned.get(instanceId);
	}

	/** Exit IPs other instances are pinned to. */
	ipsInUse(exceptInstanceId: string): Set<string> {
		const ips = new Set<string>();
		for (const [id, assignment] of this.assigned) {
			if (id !== exceptInstanceId && assignment.ip) {
				ips.add(assignment.ip);
			}
		}

		return ips;
	}
}

function shuffle<T>(items: readonly T[]): T[] {
	const copy = [...items];
	for (let index = copy.length - 1; index > 0; index--) {
		const other = Math.floor(Math.random() * (index + 1));
		[copy[index], copy[other]] = [copy[other]!, copy[index]!];
	}

	return copy;
}
