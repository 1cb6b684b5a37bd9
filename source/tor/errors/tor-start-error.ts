/** Tor did not come up: it exited during start, never opened its control port, or refused our controller. */
export class TorStartError extends Error {
	override name = 'TorStartError';

	/** Tor's last log lines (redacted), oldest first. */
	readonly logLines: string[];

	constructor(message: string, logLines: string[], options?: ErrorOptions) {
		const tail = logLines.length > 0 ? `\n${logLines.map(line => `  ${line}`).join('\n')}` : '';
		super(`${message}${tail}`, options);
		this.logLines = logLines;
	}

	/** Tor could not bind one of its listeners (it logs "Could not bind to ...: Address already in use"). */
	get portConflict(): boolean {
		return this.logLines.some(line => /could not bind to .*address already in use/i.test(line));
	}
}
