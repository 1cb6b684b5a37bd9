import {errorLine} from '../cli/error-line.js';
import type {Client} from '../core/client.js';
import type {ClientProxy} from '../core/client-proxy.js';
import {listen} from '../core/listen.js';

export type ProxyLineOptions = {
	readonly format: 'text' | 'json';
	/** Text lines carry the HTTP CONNECT URL instead of the SOCKS one. */
	readonly http: boolean;
	readonly write: (line: string) => void;
	readonly notice: (line: string) => void;
};

/**
 * Print one line per proxy as each lease becomes ready, and again whenever what the line says
 * changes (a replacement lease; in JSON, also a new exit). Returns a function that stops printing.
 */
export function printProxyLines(client: Client, options: ProxyLineOptions): () => void {
	const printed = new Map<string, string>();
	let warnedNoHttp = false;
	const lineOf = (proxy: ClientProxy): string => {
		if (options.format === 'json') {
			// proxy.toJSON(), with every key kept: a value not known yet is null, not left out.
			return JSON.stringify(proxy, (_key, value: unknown) => value ?? null);
		}

		if (options.http && proxy.httpUrl === undefined && !warnedNoHttp) {
			warnedNoHttp = true;
			options.notice(`${proxy.displayUrl} has no HTTP proxy port: printing its SOCKS URL`);
		}

		return options.http ? proxy.httpUrl ?? proxy.url : proxy.url;
	};

	const show = (proxy: ClientProxy) => {
		const line = lineOf(proxy);
		if (proxy.state === 'active' && printed.get(proxy.leaseId) !== line) {
			printed.set(proxy.leaseId, line);
			options.write(line);
		}
	};

	const offs = [
		listen(client, 'proxy-ready', show),
		listen(client, 'proxy-rotated', show),
		listen(client, 'proxy-update', show),
		listen(client, 'proxy-end', (proxy, reason) => {
			printed.delete(proxy.leaseId);
			options.notice(`lease of ${proxy.displayUrl} ended (${reason}); leasing another`);
		}),
		listen(client, 'proxy-down', error => {
			printed.delete(error.proxy.leaseId);
			options.notice(`${errorLine(error)}; leasing another`);
		}),
	];
	return () => {
		for (const off of offs) {
			off();
		}
	};
}
