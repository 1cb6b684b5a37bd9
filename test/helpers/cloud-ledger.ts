import type {CliProcess} from './cli.js';
import type {Host} from './hosts.js';

/**
 * What the CLIs of a cloud test say, read back as facts: which leases a provider made and ended
 * (its `--format json` log, one ordered stream), which leases a client holds (its JSON lines on
 * stdout, its notices on stderr), and what the front does with a set of credentials (curl).
 */

export type ProviderLease = {leaseId: string; clientId: string; proxyId: string; host: string; port: number; released?: string};
type LogLine = {event: string; leaseId?: string; clientId?: string; proxyId?: string; host?: string; port?: number; reason?: string};

function parseJson(line: string): LogLine | undefined {
	if (!line.startsWith('{')) {
		return undefined;
	}

	try {
		return JSON.parse(line) as LogLine;
	} catch {
		return undefined;
	}
}

/** A provider's leases in the order it made them, each with the reason it ended (if it did). */
export function providerLeases(provider: CliProcess): ProviderLease[] {
	const leases = new Map<string, ProviderLease>();
	for (const record of provider.stdout.lines.map(line => parseJson(line))) {
		if (record?.event === 'leased' && record.leaseId && record.clientId && record.proxyId && record.host && record.port) {
			leases.set(record.leaseId, {leaseId: record.leaseId, clientId: record.clientId, proxyId: record.proxyId, host: record.host, port: record.port});
		} else if (record?.event === 'released' && record.leaseId) {
			const lease = leases.get(record.leaseId);
			if (lease) {
				lease.released = record.reason ?? 'unknown';
			}
		}
	}

	return [...leases.values()];
}

/**
 * Replaying the provider's log in order: every proxy leased while a lease of it was still open
 * (what must never happen). Empty when the provider never double-leased.
 */
export function providerDoubleLeases(provider: CliProcess): string[] {
	const open = new Map<string, string>();
	const problems: string[] = [];
	const proxyOf = new Map<string, string>();
	for (const record of provider.stdout.lines.map(line => parseJson(line))) {
		if (record?.event === 'leased' && record.leaseId && record.proxyId) {
			const holder = open.get(record.proxyId);
			if (holder) {
				problems.push(`${record.proxyId} leased as ${record.leaseId} while ${holder} was open`);
			}

			open.set(record.proxyId, record.leaseId);
			proxyOf.set(record.leaseId, record.proxyId);
		} else if (record?.event === 'released' && record.leaseId) {
			const proxyId = proxyOf.get(record.leaseId);
			if (proxyId && open.get(proxyId) === record.leaseId) {
				open.delete(proxyId);
			}
		}
	}

	return problems;
}

/** `refused` records in a provider's log so far (the front kept a connection out). */
export function refusalCount(provider: CliProcess): number {
	return provider.stdout.lines.filter(line => line.startsWith('{"event":"refused"')).length;
}

/** GET `url` through `proxy` with curl on `host`: the exit the echo server saw, or why it failed. */
export async function curlThrough(host: Host, proxy: string, url: string): Promise<{ok: true; exitIp: string} | {ok: false; exitCode: number; stderr: string}> {
	const result = await host.run('curl', ['-sS', '--max-time', '20', '--proxy', proxy, url], {reject: false});
	if (result.exitCode !== 0) {
		return {ok: false, exitCode: result.exitCode ?? -1, stderr: String(result.stderr)};
	}

	return {ok: true, exitIp: (JSON.parse(String(result.stdout)) as {IP: string}).IP};
}
