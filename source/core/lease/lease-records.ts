import type {LeaseCredentials} from './lease-credentials.js';
import type {ClientMessage, LeaseEndReason} from './messages.js';

export type Offer = {
	readonly offerId: string;
	readonly clientId: string;
	requestId: string;
	readonly proxyId: string;
	readonly expiresAt: number;
};

export type Lease = {
	readonly leaseId: string;
	readonly secret: string;
	/** What the lease's traffic presents at the provider's front (never the secret). */
	readonly credentials: LeaseCredentials;
	readonly clientId: string;
	readonly offerId: string;
	readonly requestId: string;
	readonly proxyId: string;
	readonly createdAt: number;
	readonly expiresAt: number;
	lastHeartbeatAt: number;
	heartbeats: number;
	rotation?: {rotateId: string; startedAt: number};
	lastRotation?: {rotateId: string; reply: ClientMessage<'proxy:rotate'>};
};

/** What displays and logs see of a lease. */
export type LeaseSnapshot = {
	readonly leaseId: string;
	readonly clientId: string;
	readonly proxyId: string;
	readonly host: string;
	readonly port: number;
	readonly httpPort?: number;
	readonly exitIp?: string;
	readonly createdAt: number;
	readonly expiresAt: number;
	readonly lastHeartbeatAt: number;
	readonly heartbeats: number;
	readonly rotating: boolean;
};

export type LeaseEnd = {
	readonly lease: LeaseSnapshot;
	readonly reason: LeaseEndReason;
};
