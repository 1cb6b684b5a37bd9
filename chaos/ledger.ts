import type {Role} from './fleet.js';
import type {WorkerLine} from './workers/worker-io.js';

/** Who reported a line: a worker's name and role. */
export type Party = {readonly name: string; readonly role: Role};

/** One client's use of one proxy: from the lease to the moment it stopped using it. */
type Holding = {readonly client: string; readonly key: string; readonly leaseId: string; readonly start: number; end?: number};

export type DoubleLease = {readonly key: string; readonly first: string; readonly second: string; readonly overlapMs: number};

/**
 * What the workers reported, and the checks on it: which client held which proxy when (a proxy
 * is `<provider UUID>/<proxyId>`), so that two holdings of one proxy that overlap in time are a
 * double lease; and each provider's own view (a proxy leased while its lease is still active).
 */
export class Ledger {
	served = 0;
	leaseFailures = 0;
	/** When the last holding began (recovery is measured to it). */
	lastHoldAt = 0;
	readonly providerDoubles: string[] = [];
	/** Why holdings ended, other than the client giving the proxy back (destroy, close). */
	readonly lostBecause = new Map<string, number>();
	private readonly holdings: Holding[] = [];
	private readonly open = new Map<string, Holding>();
	private readonly providerLeases = new Map<string, Map<string, string>>();

	readonly take = (worker: Party, line: WorkerLine): void => {
		if (worker.role === 'client') {
			this.fromClient(worker, line);
		} else {
			this.fromProvider(worker, line);
		}
	};

	private fromClient(worker: Party, line: WorkerLine): void {
		if (line.e === 'hold') {
			const holding: Holding = {client: worker.name, key: String(line.key), leaseId: String(line.leaseId), start: line.t};
			this.holdings.push(holding);
			this.open.set(`${worker.name}/${holding.leaseId}`, holding);
			this.served++;
			this.lastHoldAt = Math.max(this.lastHoldAt, line.t);
		} else if (line.e === 'end') {
			const why = String(line.why);
			if (why !== 'destroy' && why !== 'close') {
				this.lostBecause.set(why, (this.lostBecause.get(why) ?? 0) + 1);
			}

			const id = `${worker.name}/${String(line.leaseId)}`;
			const holding = this.open.get(id);
			if (holding) {
				holding.end = line.t;
				this.open.delete(id);
			}
		} else if (line.e === 'lease-failed') {
			this.leaseFailures++;
		}
	}

	private fromProvider(worker: Party, line: WorkerLine): void {
		let leases = this.providerLeases.get(worker.name);
		if (!leases) {
			leases = new Map();
			this.providerLeases.set(worker.name, leases);
		}

		const proxyId = String(line.proxyId);
		if (line.e === 'leased') {
			const active = leases.get(proxyId);
			if (active !== undefined) {
				this.providerDoubles.push(`${worker.name}: ${proxyId} leased as ${String(line.leaseId)} while ${active} was active`);
			}

			leases.set(proxyId, String(line.leaseId));
		} else if (line.e === 'released' && leases.get(proxyId) === line.leaseId) {
			leases.delete(proxyId);
		}
	}

	/** A client is gone (killed or stopped): it uses nothing from `at` on. */
	clientGone(worker: Party, at = Date.now()): void {
		for (const [id, holding] of this.open) {
			if (holding.client === worker.name) {
				holding.end ??= at;
				this.open.delete(id);
			}
		}
	}

	/** Proxies held right now by `clients` (or by every client). */
	held(clients?: readonly Party[]): number {
		const names = clients && new Set(clients.map(client => client.name));
		let count = 0;
		for (const holding of this.open.values()) {
			if (!names || names.has(holding.client)) {
				count++;
			}
		}

		return count;
	}

	/** When the newest holding still on of `clients` began (0 if none is on). */
	latestOpenStart(clients: readonly Party[]): number {
		const names = new Set(clients.map(client => client.name));
		let latest = 0;
		for (const holding of this.open.values()) {
			if (names.has(holding.client)) {
				latest = Math.max(latest, holding.start);
			}
		}

		return latest;
	}

	/** Holdings of a proxy that began while another holding of it was still on. */
	doubleLeases(now = Date.now()): DoubleLease[] {
		const byKey = new Map<string, Holding[]>();
		for (const holding of this.holdings) {
			const list = byKey.get(holding.key) ?? [];
			list.push(holding);
			byKey.set(holding.key, list);
		}

		const found: DoubleLease[] = [];
		for (const [key, list] of byKey) {
			list.sort((a, b) => a.start - b.start);
			// The earlier holding that ends last: any later holding that starts before its end overlaps it.
			let latest: Holding | undefined;
			for (const current of list) {
				if (latest && (latest.end ?? now) > current.start) {
					found.push({key, first: `${latest.client} ${latest.leaseId}`, second: `${current.client} ${current.leaseId}`, overlapMs: Math.min(latest.end ?? now, current.end ?? now) - current.start});
				}

				if (!latest || (current.end ?? now) > (latest.end ?? now)) {
					latest = current;
				}
			}
		}

		return found;
	}
}
