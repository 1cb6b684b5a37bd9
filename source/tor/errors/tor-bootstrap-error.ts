/** `waitForBootstrap()` gave up: Tor did not reach 100% in time, or stopped first. */
export class TorBootstrapError extends Error {
	override name = 'TorBootstrapError';

	/** The last progress seen, 0-100. */
	readonly progress: number;

	constructor(message: string, progress: number, options?: ErrorOptions) {
		super(message, options);
		this.progress = progress;
	}
}
