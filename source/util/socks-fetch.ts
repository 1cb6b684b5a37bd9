import {connectTcp} from './connect-tcp.js';
import {httpGetOverSocket, type HttpOverSocketOptions} from './http-over-socket.js';
import {parseHttpUrl, portOf} from './http-url.js';
import type {HttpResponse} from './parse-http-response.js';
import {socks5Handshake} from './socks5-handshake.js';
import {withDeadline} from './with-deadline.js';

export type HttpGetViaSocksOptions = HttpOverSocketOptions & {
	socksHost: string;
	socksPort: number;
	/** http:// or https:// URL; its host is resolved by the proxy. */
	url: string;
	/** SOCKS5 credentials; Tor builds a separate circuit per distinct pair (IsolateSOCKSAuth). */
	username?: string | undefined;
	password?: string | undefined;
	/** Deadline for the whole exchange: connect, handshake, TLS, request and response. */
	timeoutMs: number;
	signal?: AbortSignal | undefined;
};

/**
 * GET a URL through a SOCKS5 proxy (such as a Tor SocksPort).
 * Rejects with `SocksError`, `HttpResponseError`, `FetchTimeoutError`, the signal's reason, or a socket error.
 */
export async function httpGetViaSocks(options: HttpGetViaSocksOptions): Promise<HttpResponse> {
	const url = parseHttpUrl(options.url);
	const proxy = options.socksHost.replace(/^\[|\]$/g, '');
	return withDeadline({
		what: `GET ${url.href} via SOCKS5 ${options.socksHost}:${options.socksPort}`,
		timeoutMs: options.timeoutMs,
		signal: options.signal,
	}, async scope => {
		const socket = await connectTcp(proxy, options.socksPort, created => scope.adopt(created));
		await socks5Handshake(socket, {
			host: url.hostname,
			port: portOf(url),
			username: options.username,
			password: options.password,
		});
		return httpGetOverSocket(socket, url, scope, options);
	});
}
