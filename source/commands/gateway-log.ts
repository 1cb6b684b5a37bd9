import {errorLine} from '../cli/error-line.js';
import {listen} from '../core/listen.js';
import type {Gateway} from '../gateway/gateway.js';
import type {LogRecord} from './provider-log.js';

/**
 * Report a gateway's events as log records, every field picked by name (never a token or a
 * password). Returns a function that detaches.
 */
export function attachGatewayLog(gateway: Gateway, write: (record: LogRecord) => void): () => void {
	const offs = [
		listen(gateway, 'opened', view => {
			write({event: 'session-opened', key: view.key, kind: view.kind, expiresAt: view.expiresAt === undefined ? undefined : new Date(view.expiresAt).toISOString()});
		}),
		listen(gateway, 'leased', view => {
			write({event: 'session-leased', key: view.key, exitIp: view.exitIp, provider: view.providerId, proxyId: view.proxyId, leaseId: view.leaseId});
		}),
		listen(gateway, 'lease-lost', (key, exitIp, reason) => {
			write({event: 'lease-lost', key, exitIp, reason});
		}),
		listen(gateway, 'moved', (view, previousExitIp) => {
			write({event: 'session-moved', key: view.key, previousExitIp, exitIp: view.exitIp, provider: view.providerId});
		}),
		listen(gateway, 'rotated', change => {
			write({event: change.cause === 'failure' ? 'session-failure' : 'session-rotated', key: change.key, previousExitIp: change.previousExitIp, exitIp: change.exitIp});
		}),
		listen(gateway, 'closed', (key, reason, {bytesIn, bytesOut}) => {
			write({event: 'session-closed', key, reason, bytesIn, bytesOut});
		}),
		listen(gateway, 'refused', (key, message) => {
			write({event: 'session-refused', key, message});
		}),
		listen(gateway, 'connection-refused', refusal => {
			write({event: 'connection-refused', protocol: refusal.protocol, reason: refusal.reason, clientAddress: refusal.clientAddress});
		}),
		listen(gateway, 'warning', error => {
			write({event: 'warning', message: errorLine(error)});
		}),
	];
	return () => {
		for (const off of offs) {
			off();
		}
	};
}
