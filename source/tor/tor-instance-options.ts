import type {InstanceSnapshot, ProxyEndpoint} from '../pool/pool-backend.js';
import type {ExitAllocator} from './exit-allocator.js';
import type {ExitRegistry} from './exit-registry.js';

export type TorInstanceOptions = {
	id: string;
	torPath?: string;
	host: string;
	socksPort: number;
	httpTunnelPort: number;
	controlPort: number;
	dataDirectory: string;
	torrcLines: string[];
	checkUrl: string;
	allocator: ExitAllocator;
	/** The cluster's exits (claims, avoided exits), when the pool is part of one. */
	registry?: ExitRegistry;
	bootstrapTimeoutMs: number;
	checkTimeoutMs: number;
	/** How often a ready instance proves its exit still works (0: never). */
	healthIntervalMs: number;
	/** How long Tor has to answer a health check's control command before it is deemed hung and restarted. */
	healthTimeoutMs: number;
	stopTimeoutMs: number;
	/**
	 * New free ports (SOCKS, HTTP tunnel, control), for a restart that found one of its ports taken
	 * meanwhile. Without it (ports the user chose), the instance keeps retrying its own.
	 */
	freshPorts?: () => Promise<InstancePorts>;
};

export type InstancePorts = {socksPort: number; httpTunnelPort: number; controlPort: number};

export type TorInstanceEvents = {
	change: [InstanceSnapshot];
	ready: [ProxyEndpoint];
	down: [reason: string];
	/** The exit changed by itself (re-pinned after the old exit failed). */
	update: [ProxyEndpoint];
	log: [message: string];
};
