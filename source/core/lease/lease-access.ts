import type {AccessGrant, AccessRefusal, AccessRequest} from '../../front/front-access.js';
import type {LeaseBook} from './lease-book.js';
import type {ProxySlots} from './proxy-slots.js';

/** Where clients reach the provider's proxies: its front's address and ports. */
export type FrontAddress = {readonly host: string; readonly port: number; readonly httpPort: number};

/**
 * The front's one question, answered from the provider's leases: a connection with the credentials
 * of a held lease is relayed to that lease's proxy (Tor's SOCKS port on loopback), keyed by the
 * lease id so the lease's end closes it. Nothing else gets through.
 */
export function leaseAccess(book: LeaseBook, slots: ProxySlots, request: AccessRequest): AccessGrant | AccessRefusal {
	if (!request.credentials) {
		return {ok: false, reason: 'no-credentials'};
	}

	const lease = book.grant(request.credentials.username, request.credentials.password);
	if (!lease) {
		return {ok: false, reason: 'bad-credentials'};
	}

	const slot = slots.get(lease.proxyId);
	if (slot?.state !== 'leased') {
		return {ok: false, reason: 'unavailable', message: 'the leased proxy is not ready'};
	}

	return {ok: true, key: lease.leaseId, upstream: {host: slot.endpoint.host, port: slot.endpoint.port}};
}
