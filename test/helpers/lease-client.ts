import {fileURLToPath} from 'node:url';
import type {CliProcess} from './cli.js';
import {startNodeOn} from './host-cli.js';
import type {Host} from './hosts.js';

const fixturePath = fileURLToPath(new URL('../fixtures/cloud/lease-client.mjs', import.meta.url));

/**
 * A client on a test host that keeps `count` proxies leased (the built library; build first) and
 * prints every lease event with its lease id. Stop it with `stop()` (SIGTERM gives the leases back).
 */
export function startLeaseClientOn(host: Host, redisUrl: string, namespace: string, count: number): CliProcess {
	return startNodeOn(host, fixturePath, [redisUrl, namespace, String(count)]);
}

export type ClientLease = {leaseId: string; proxyId: string; url: string; provider: string};
type ClientLine = {event: string; leaseId?: string; proxyId?: string; url?: string; provider?: string; held: number};

/**
 * A lease client's leases from its output: every lease it got, the ones it holds now, and the most
 * it ever held at once (never more than its count, or a slot held two leases).
 */
export function clientLeases(client: CliProcess): {all: ClientLease[]; held: ClientLease[]; mostHeld: number} {
	const all: ClientLease[] = [];
	const gone = new Set<string>();
	let mostHeld = 0;
	for (const line of client.stdout.lines) {
		const record = JSON.parse(line) as ClientLine;
		if (record.event === 'error') {
			continue;
		}

		mostHeld = Math.max(mostHeld, record.held);
		if (record.event === 'ready' && record.leaseId && record.proxyId && record.url && record.provider) {
			all.push({leaseId: record.leaseId, proxyId: record.proxyId, url: record.url, provider: record.provider});
		} else if ((record.event === 'end' || record.event === 'down') && record.leaseId) {
			gone.add(record.leaseId);
		}
	}

	return {all, held: all.filter(lease => !gone.has(lease.leaseId)), mostHeld};
}
