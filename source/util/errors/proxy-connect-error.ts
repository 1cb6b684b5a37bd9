/** An HTTP proxy answered CONNECT with something other than 2xx, or with no valid answer at all. */
export class ProxyConnectError extends Error {
	override readonly name = 'ProxyConnectError';
	/** The proxy's status code, or undefined when it sent no parsable status line. */
	readonly status: number | undefined;

	constructor(message: string, options?: {status?: number; cause?: unknown}) {
		super(message, {cause: options?.cause});
		this.status = options?.status;
	}
}
