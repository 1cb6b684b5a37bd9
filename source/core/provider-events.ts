import type {AvoidedExit} from '../tor/exit-registry.js';
import type {FrontRefusal} from '../front/front-events.js';
import type {InstanceSnapshot, ProxyEndpoint} from '../pool/pool-backend.js';
import type {LeaseEnd, LeaseSnapshot} from './lease/lease-records.js';

export type RotationReport = {
	readonly proxyId: string;
	/** Set when a lease holder asked for the rotation. */
	readonly leaseId?: string;
	readonly previousExitIp?: string;
	readonly exitIp?: string;
	readonly durationMs: number;
	/** `unshare`: a free proxy that shared its exit moved onto one nobody in the cluster holds. */
	readonly reason: 'rotate' | 'recycle' | 'manual' | 'unshare';
};

/** What a provider reports, for displays, logs and scripts. */
export type ProviderEvents = {
	'instance-change': [InstanceSnapshot];
	'instance-ready': [ProxyEndpoint];
	'instance-down': [id: string, reason: string];
	offered: [offer: {offerId: string; clientId: string; proxyId: string}];
	leased: [LeaseSnapshot];
	released: [LeaseEnd];
	rotated: [RotationReport];
	'rotate-failed': [proxyId: string, error: Error];
	heartbeat: [LeaseSnapshot];
	/** A destroy, rotate or heartbeat that did not carry the lease's secret. */
	forged: [event: string, from: string];
	/** The front kept a connection out (never with its credentials). */
	refused: [FrontRefusal];
	/** A lease ended with connections open through the front: they were closed. */
	revoked: [leaseId: string, closed: number];
	/** A holder reported its exit failed: the cluster avoids that exit until `untilMs` (the proxy rotates). */
	'exit-avoided': [AvoidedExit & {proxyId: string; leaseId: string; exitIp?: string}];
	log: [message: string];
	/** Connection trouble and other problems that stop nothing. */
	warning: [Error];
};
