/** How bad a failure through an exit was; each kind keeps the exit avoided for its own time. */
export const exitFailureKinds = ['blocked', 'captcha', 'rate-limited'] as const;
export type ExitFailureKind = (typeof exitFailureKinds)[number];

/** A report that traffic through the current exit failed, for one domain when given. */
export type ExitFailure = {kind: ExitFailureKind; domain?: string};

/** An exit the cluster avoids until `untilMs` (epoch ms), with the latest report about it. */
export type AvoidedExit = {fingerprint: string; kind: ExitFailureKind; domain?: string; untilMs: number};

/**
 * Exits as a resource shared by every provider of a cluster (docs/protocol.md §10). The Tor layer
 * only knows this interface; the provider's process implements it over Redis
 * (source/exits/redis-exit-registry.ts). `instanceId` is the pool's instance; the registry adds
 * its owner (the provider) to make the holder unique in the cluster.
 */
export type ExitRegistry = {
	/** How often a holder must renew its claims, in ms (well under their expiry). */
	readonly renewIntervalMs: number;
	/** Claim the exit for this instance; false when another holder has it (then it is not claimed). */
	claim(fingerprint: string, instanceId: string): Promise<boolean>;
	/** Keep the claim alive (re-taking it if it expired meanwhile); false when another holder has it now. */
	renew(fingerprint: string, instanceId: string): Promise<boolean>;
	/** Give the claim up, if this instance still holds it (never someone else's). */
	release(fingerprint: string, instanceId: string): Promise<void>;
	/** Whether the cluster avoids this exit now (a failure was reported through it). */
	isAvoided(fingerprint: string): Promise<boolean>;
	/** Record a failure through this exit: every provider avoids it for the kind's time. */
	report(fingerprint: string, failure: ExitFailure): Promise<AvoidedExit>;
	/** The exits avoided now. */
	avoided(): Promise<AvoidedExit[]>;
};

/** How long each kind keeps an exit avoided by every pin (a domain-scoped report: a quarter of it). */
export const avoidMsByKind: Record<ExitFailureKind, number> = {
	blocked: 30 * 60_000,
	captcha: 10 * 60_000,
	'rate-limited': 2 * 60_000,
};

/**
 * A domain-scoped report avoids the exit for a quarter of the kind's time: pinning knows no
 * domain, so the exit is kept off every pin for a while (the reporting proxy must move anyway),
 * but not as long as when every site refuses it.
 */
export function avoidMsOf(failure: ExitFailure): number {
	const full = avoidMsByKind[failure.kind];
	return failure.domain === undefined ? full : Math.round(full / 4);
}
