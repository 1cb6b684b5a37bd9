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
	/** The count of the last proven message sent to the holder (docs/protocol.md §3.5). */
	sentN: number;
	/** The count of the last proven message accepted from the holder. */
	heardN: number;
	rotation?: {rotateId: string; startedAt: number};
	lastRotation?: {rotateId: string; reply: RotateReply};
};

/** A rotate answer before its count and proof are added (they are new each time it is sent). */
export type RotateReply = ClientMessage<'proxy:rotate'> extends infer M ? (M extends unknown ? Omit<M, 'n' | 'proof'> : never) : never;

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
