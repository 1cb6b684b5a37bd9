import type {Redis} from 'ioredis';
import {z} from 'zod';
import {createRedisConnection, quit, type RedisTarget} from '../core/bus/redis-connection.js';
import {avoidMsOf, exitFailureKinds, type AvoidedExit, type ExitFailure, type ExitRegistry} from '../tor/exit-registry.js';
import {ExitKeys} from './exit-keys.js';
import {avoidedScript, releaseScript, renewScript, reportScript} from './exit-scripts.js';

export type RedisExitRegistryOptions = {
	redis?: RedisTarget;
	namespace: string;
	/** The provider's id: holders are `<owner>/<instanceId>`. */
	owner: string;
	/** How long a claim lives without renewal (a dead provider's exits are free after this); default 30 s. */
	claimTtlMs?: number;
	/** Label for the connection (CLIENT LIST). */
	name?: string;
};

const storedReport = z.object({kind: z.enum(exitFailureKinds), domain: z.string().max(253).optional(), untilMs: z.number()});

/**
 * The cluster's exit registry over Redis (docs/protocol.md §10): claims are `SET NX PX`, renewed and
 * released by Lua scripts that compare the holder first; avoided exits are keys with expiries plus
 * a sorted set to list them. Its own connection, closed by close(); nothing is queued while offline
 * (a command then fails at once, and pinning goes on without the cluster's view).
 */
export class RedisExitRegistry implements ExitRegistry {
	readonly renewIntervalMs: number;
	readonly claimTtlMs: number;
	private readonly keys: ExitKeys;
	private readonly redis: Redis;
	private closing: Promise<void> | undefined;

	constructor(private readonly options: RedisExitRegistryOptions) {
		this.claimTtlMs = options.claimTtlMs ?? 30_000;
		this.renewIntervalMs = Math.max(50, Math.floor(this.claimTtlMs / 3));
		this.keys = new ExitKeys(options.namespace);
		this.redis = createRedisConnection(options.redis, options.name ?? 'nightcrawler-exits', times => Math.min(times * 200, 2000));
		// Connection trouble is the commands' to report; ioredis must not throw for want of a listener.
		this.redis.on('error', () => undefined);
	}

	async connect(): Promise<void> {
		await this.redis.connect();
	}

	holder(instanceId: string): string {
		return `${this.options.owner}/${instanceId}`;
	}

	async claim(fingerprint: string, instanceId: string): Promise<boolean> {
		const key = this.keys.claim(fingerprint);
		const holder = this.holder(instanceId);
		const set = await this.redis.set(key, holder, 'PX', this.claimTtlMs, 'NX');
		if (set === 'OK') {
			return true;
		}

		// Ours already (a repeated claim): keep it, with a fresh expiry.
		return this.renew(fingerprint, instanceId);
	}

	async renew(fingerprint: string, instanceId: string): Promise<boolean> {
		const result = await this.redis.eval(renewScript, 1, this.keys.claim(fingerprint), this.holder(instanceId), this.claimTtlMs);
		return result === 1;
	}

	async release(fingerprint: string, instanceId: string): Promise<void> {
		await this.redis.eval(releaseScript, 1, this.keys.claim(fingerprint), this.holder(instanceId));
	}

	/** Who holds the exit now (for displays and tests). */
	async holderOf(fingerprint: string): Promise<string | undefined> {
		return (await this.redis.get(this.keys.claim(fingerprint))) ?? undefined;
	}

	async isAvoided(fingerprint: string): Promise<boolean> {
		return (await this.redis.exists(this.keys.avoid(fingerprint))) === 1;
	}

	async report(fingerprint: string, failure: ExitFailure): Promise<AvoidedExit> {
		const report = JSON.stringify({kind: failure.kind, ...(failure.domain === undefined ? {} : {domain: failure.domain})});
		const text = await this.redis.eval(reportScript, 2, this.keys.avoid(fingerprint), this.keys.avoidedSet, fingerprint, avoidMsOf(failure), report);
		const parsed = typeof text === 'string' ? parseReport(fingerprint, text) : undefined;
		return parsed ?? {fingerprint, ...failure, untilMs: Date.now() + avoidMsOf(failure)};
	}

	async avoided(): Promise<AvoidedExit[]> {
		const listed = await this.redis.eval(avoidedScript, 1, this.keys.avoidedSet);
		const fingerprints = Array.isArray(listed) ? listed.filter((item): item is string => typeof item === 'string') : [];
		if (fingerprints.length === 0) {
			return [];
		}

		const texts = await this.redis.mget(fingerprints.map(fingerprint => this.keys.avoid(fingerprint)));
		return fingerprints.flatMap((fingerprint, index) => {
			const text = texts[index];
			const report = text ? parseReport(fingerprint, text) : undefined;
			return report ? [report] : [];
		});
	}

	/** Close the connection. Claims are released by their instances before (TorBackend.stop); the rest expire. Idempotent. */
	async close(): Promise<void> {
		this.closing ??= quit(this.redis);
		return this.closing;
	}
}

function parseReport(fingerprint: string, text: string): AvoidedExit | undefined {
	try {
		const parsed = storedReport.safeParse(JSON.parse(text));
		return parsed.success ? {fingerprint, ...parsed.data} : undefined;
	} catch {
		return undefined;
	}
}
