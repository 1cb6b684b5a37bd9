/** The Redis keys of one namespace's exit registry (docs/protocol.md §10), built once. */
export class ExitKeys {
	/** The sorted set of avoided exits: member the fingerprint, score the epoch ms the avoidance ends. */
	readonly avoidedSet: string;

	constructor(readonly namespace: string) {
		this.avoidedSet = `${namespace}:exits-avoided`;
	}

	/** The claim on one exit relay: a string `<providerId>/<instanceId>` with an expiry. */
	claim(fingerprint: string): string {
		return `${this.namespace}:exit:${fingerprint}`;
	}

	/** Why one exit is avoided: a JSON string `{kind, domain?, untilMs}` with an expiry. */
	avoid(fingerprint: string): string {
		return `${this.namespace}:exit-avoid:${fingerprint}`;
	}
}
