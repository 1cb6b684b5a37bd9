import {errorLine} from '../cli/error-line.js';
import type {Provider} from '../core/provider.js';
import {listen} from '../core/listen.js';
import {RefusalSummary} from './refusal-summary.js';

type Field = string | number | boolean | undefined;
export type LogRecord = {readonly event: string} & Readonly<Record<string, Field>>;

/** One JSON object a line, `event` and `time` first. */
export function jsonLine(record: LogRecord): string {
	const {event, ...fields} = record;
	return JSON.stringify({event, time: new Date().toISOString(), ...fields});
}

/** `time event key=value ...`, for people reading a log. */
export function textLine(record: LogRecord): string {
	const fields = Object.entries(record).filter(([key, value]) => key !== 'event' && value !== undefined).map(([key, value]) => `${key}=${String(value)}`);
	return [new Date().toISOString(), record.event, ...fields].join(' ');
}

/**
 * Report a provider's events as log records. Every field is picked by name, so nothing that is not
 * listed here (a lease's secret above all) can reach the log. The front's refusals are summed up
 * (`RefusalSummary`): a `refused` line says how many refusals of its reason it stands for (`count`),
 * at most one a reason every `refusalWindowMs`. Returns a function that detaches.
 */
export function attachProviderLog(provider: Provider, write: (record: LogRecord) => void, {refusalWindowMs = 1000}: {refusalWindowMs?: number} = {}): () => void {
	// Never the credentials: the front's refusal carries none. At most one line per reason a window, with a count.
	const refusals = new RefusalSummary(({refusal, count}) => {
		write({event: 'refused', protocol: refusal.protocol, reason: refusal.reason, clientAddress: refusal.clientAddress, count, refusedTotal: totalRefused(provider)});
	}, refusalWindowMs);
	const offs = [
		listen(provider, 'instance-ready', endpoint => {
			write({event: 'instance-ready', proxyId: endpoint.id, host: endpoint.host, port: endpoint.port, httpPort: endpoint.httpPort, exitIp: endpoint.exitIp});
		}),
		listen(provider, 'instance-down', (proxyId, reason) => {
			write({event: 'instance-down', proxyId, reason});
		}),
		listen(provider, 'leased', lease => {
			write({event: 'leased', leaseId: lease.leaseId, clientId: lease.clientId, proxyId: lease.proxyId, host: lease.host, port: lease.port, httpPort: lease.httpPort, exitIp: lease.exitIp, expiresAt: new Date(lease.expiresAt).toISOString()});
		}),
		listen(provider, 'released', ({lease, reason}) => {
			write({event: 'released', leaseId: lease.leaseId, clientId: lease.clientId, proxyId: lease.proxyId, reason, heldMs: Date.now() - lease.createdAt, heartbeats: lease.heartbeats});
		}),
		listen(provider, 'rotated', report => {
			write({event: 'rotated', proxyId: report.proxyId, leaseId: report.leaseId, previousExitIp: report.previousExitIp, exitIp: report.exitIp, durationMs: report.durationMs, reason: report.reason});
		}),
		listen(provider, 'rotate-failed', (proxyId, error) => {
			write({event: 'rotate-failed', proxyId, error: errorLine(error)});
		}),
		listen(provider, 'forged', (forgedEvent, from) => {
			write({event: 'forged', forgedEvent, clientId: from});
		}),
		listen(provider, 'refused', refusal => {
			refusals.add(refusal);
		}),
		listen(provider, 'revoked', (leaseId, closed) => {
			write({event: 'revoked', leaseId, closed});
		}),
		listen(provider, 'log', text => {
			write({event: 'log', message: text});
		}),
		listen(provider, 'warning', error => {
			write({event: 'warning', message: errorLine(error)});
		}),
	];
	return () => {
		for (const off of offs) {
			off();
		}

		refusals.close();
	};
}

function totalRefused(provider: Provider): number {
	return Object.values(provider.stats.front?.refused ?? {}).reduce((sum, count) => sum + count, 0);
}
