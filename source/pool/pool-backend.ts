import type {EventEmitter} from 'node:events';
import type {AvoidedExit, ExitFailure, ExitRegistry} from '../tor/exit-registry.js';

/** A proxy the pool can lease out. */
export type ProxyEndpoint = {
	readonly id: string;
	readonly host: string;
	/** SOCKS5 port. */
	readonly port: number;
	/** HTTP CONNECT port, when the proxy has one. */
	readonly httpPort?: number;
	/** The verified exit IP, when known. */
	readonly exitIp?: string;
	/** True when another proxy in the cluster leaves through the same exit (not enough exits to go round). */
	readonly sharedExit?: boolean;
};

export type InstanceState = 'starting' | 'ready' | 'rotating' | 'restarting' | 'down' | 'stopped';

/** What the UI shows of one pool instance. */
export type InstanceSnapshot = ProxyEndpoint & {
	readonly state: InstanceState;
	/** Bootstrap progress while starting, 0..100. */
	readonly bootstrap?: number;
	readonly startedAt?: number;
	readonly rotations: number;
	readonly restarts: number;
	readonly pid?: number;
	readonly lastError?: string;
};

export type PoolEvents = {
	/** The proxy is usable (first start, or back after a restart). */
	'proxy-ready': [ProxyEndpoint];
	/** The proxy is unusable until the next 'proxy-ready' for it. */
	'proxy-down': [id: string, reason: string];
	/** The proxy changed in place while usable (for example re-pinned to a new exit). */
	'proxy-update': [ProxyEndpoint];
	/** Something about an instance changed (state, bootstrap progress): for displays. */
	'instance-change': [InstanceSnapshot];
	/** A line worth showing in a log. */
	log: [message: string];
};

/**
 * Where a provider's proxies come from. The provider leases them out; the backend starts,
 * supervises and rotates them. The in-memory backend serves tests and benchmarks; the Tor
 * backend runs real Tor instances.
 */
export type PoolBackend = {
	readonly events: EventEmitter<PoolEvents>;
	/** Start every instance; resolves when they are started (each reports 'proxy-ready' when usable). Idempotent. */
	start(): Promise<void>;
	/** Stop everything. Idempotent. */
	stop(): Promise<void>;
	/** Change the proxy's exit; resolves with the new endpoint once verified. */
	rotate(id: string): Promise<ProxyEndpoint>;
	/** Restart one instance (it goes down, then ready again). */
	restart(id: string): Promise<void>;
	snapshot(): InstanceSnapshot[];
	/**
	 * Optional: take the cluster's exit registry (claims, avoided exits) before start(). A backend
	 * without exits of its own (the in-memory one) has no such method.
	 */
	useExitRegistry?(registry: ExitRegistry): void;
	/**
	 * Optional: traffic through the proxy's current exit failed; record it so the cluster avoids that
	 * exit. Resolves with what was recorded (undefined when the exit is unknown). The caller rotates.
	 */
	reportFailure?(id: string, failure: ExitFailure): Promise<AvoidedExit | undefined>;
	/**
	 * Optional: the proxy shares its exit; move it onto one nobody in the cluster holds, if one is
	 * free. Resolves with its endpoint, moved or not (`sharedExit` says which). The caller keeps the
	 * proxy unused meanwhile. A backend that never shares exits has no such method.
	 */
	unshare?(id: string): Promise<ProxyEndpoint>;
	/** Optional: the exits the cluster avoids now, for displays. */
	avoidedExits?(): Promise<AvoidedExit[]>;
};
