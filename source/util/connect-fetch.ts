import {connectTcp} from './connect-tcp.js';
import {ProxyConnectError} from './errors/proxy-connect-error.js';
import {httpGetOverSocket, type HttpOverSocketOptions} from './http-over-socket.js';
import {parseHttpUrl, portOf} from './http-url.js';
import type {HttpResponse} from './parse-http-response.js';
import {readThrough} from './pull-from-stream.js';
import {withDeadline} from './with-deadline.js';

export type HttpGetViaConnectOptions = HttpOverSocketOptions & {
	proxyHost: string;
	proxyPort: number;
	url: string;
	/** Sent as `Proxy-Authorization: Basic`; Tor's HTTPTunnelPort isolates circuits by it. */
	proxyAuth?: {username: string; password: string} | undefined;
	/** Deadline for the whole exchange: connect, CONNECT, TLS, request and response. */
	timeoutMs: number;
	signal?: AbortSignal | undefined;
};

const maxProxyHeadBytes = 16 * 1024;

/**
 * GET a URL through an HTTP proxy's CONNECT tunnel (such as Tor's HTTPTunnelPort).
 * Rejects with `ProxyConnectError`, `HttpResponseError`, `FetchTimeoutError`, the signal's reason, or a socket error.
 */
export async function httpGetViaConnect(options: HttpGetViaConnectOptions): Promise<HttpResponse> {
	const url = parseHttpUrl(options.url);
	const proxy = options.proxyHost.replace(/^\[|\]$/g, '');
	// url.hostname keeps the brackets of an IPv6 literal, as the request-target needs.
	const authority = `${url.hostname}:${portOf(url)}`;
	return withDeadline({
		what: `GET ${url.href} via HTTP CONNECT ${options.proxyHost}:${options.proxyPort}`,
		timeoutMs: options.timeoutMs,
		signal: options.signal,
	}, async scope => {
		const socket = await connectTcp(proxy, options.proxyPort, created => scope.adopt(created));
		const lines = [`CONNECT ${authority} HTTP/1.1`, `Host: ${authority}`];
		if (options.proxyAuth) {
			const token = Buffer.from(`${options.proxyAuth.username}:${options.proxyAuth.password}`, 'utf8').toString('base64');
			lines.push(`Proxy-Authorization: Basic ${token}`);
		}

		socket.write(`${lines.join('\r\n')}\r\n\r\n`);
		const head = await readThrough(socket, '\r\n\r\n', {
			maxBytes: maxProxyHeadBytes,
			tooLong: () => new ProxyConnectError(`proxy answer to CONNECT ${authority} is longer than ${maxProxyHeadBytes} bytes`),
			earlyEnd: () => new ProxyConnectError(`proxy closed the connection before answering CONNECT ${authority}`),
		});
		const statusLine = head.toString('latin1').split('\r\n', 1)[0] ?? '';
		const match = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(statusLine);
		if (match?.[1] === undefined) {
			throw new ProxyConnectError(`malformed proxy answer to CONNECT ${authority}: ${JSON.stringify(statusLine.slice(0, 80))}`);
		}

		const status = Number(match[1]);
		if (status < 200 || status > 299) {
			throw new ProxyConnectError(`proxy refused CONNECT ${authority}: ${status} ${match[2] ?? ''}`.trim(), {status});
		}

		return httpGetOverSocket(socket, url, scope, options);
	});
}
