/** Channel names of one namespace, built once. */
export class Channels {
	readonly broadcastPrefix: string;
	readonly directPrefix: string;

	constructor(readonly namespace: string) {
		this.broadcastPrefix = `${namespace}:event:`;
		this.directPrefix = `${namespace}:to:`;
	}

	/** Where broadcasts of `event` are published; only instances listening for it subscribe. */
	broadcast(event: string): string {
		return this.broadcastPrefix + event;
	}

	/** The private channel of one instance: directed messages reach only it. */
	direct(instanceId: string): string {
		return this.directPrefix + instanceId;
	}
}
