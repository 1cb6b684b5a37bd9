import net from 'node:net';
import type {Duplex} from 'node:stream';
import tls from 'node:tls';
import {HttpResponseError} from './errors/http-response-error.js';
import {parseHttpResponse, type HttpResponse} from './parse-http-response.js';
import {pullFromStream} from './pull-from-stream.js';
import type {DeadlineScope} from './with-deadline.js';

export type HttpOverSocketOptions = {
	/** Extra trusted certificates for https:// (default: Node's bundled CAs). */
	ca?: string | Buffer | Array<string | Buffer> | undefined;
	/** Give up when the response is larger than this (default 8 MiB). */
	maxResponseBytes?: number | undefined;
};

const defaultMaxResponseBytes = 8 * 1024 * 1024;

/**
 * Send `GET url` (HTTP/1.1, Connection: close) over an open tunnel to the URL's host and read the
 * response. For https:// URLs the tunnel is first wrapped in TLS (SNI from the hostname, certificate
 * checked). The socket is left for the caller (or its deadline scope) to destroy.
 */
export async function httpGetOverSocket(
	socket: Duplex,
	url: URL,
	scope: DeadlineScope,
	options: HttpOverSocketOptions = {},
): Promise<HttpResponse> {
	const stream = url.protocol === 'https:' ? await startTls(socket, url, scope, options.ca) : socket;
	const path = `${url.pathname || '/'}${url.search}`;
	stream.write([
		`GET ${path} HTTP/1.1`,
		`Host: ${url.host}`,
		'User-Agent: nightcrawler',
		'Accept: */*',
		'Accept-Encoding: identity',
		'Connection: close',
		'',
		'',
	].join('\r\n'));

	const maxBytes = options.maxResponseBytes ?? defaultMaxResponseBytes;
	const chunks: Buffer[] = [];
	let received = 0;
	return pullFromStream(stream, ended => {
		let chunk: Buffer | null;
		let grew = false;
		while ((chunk = stream.read() as Buffer | null) !== null) {
			chunks.push(chunk);
			received += chunk.length;
			grew = true;
			if (received > maxBytes) {
				throw new HttpResponseError(`response from ${url.host} is larger than ${maxBytes} bytes`);
			}
		}

		return grew || ended ? parseHttpResponse(Buffer.concat(chunks), ended) : undefined;
	}, () => new HttpResponseError(`connection to ${url.host} closed before the response was complete`));
}

async function startTls(socket: Duplex, url: URL, scope: DeadlineScope, ca: HttpOverSocketOptions['ca']): Promise<tls.TLSSocket> {
	const hostname = url.hostname.replace(/^\[|\]$/g, '');
	const secure = scope.adopt(tls.connect({
		socket,
		// SNI takes names only, never IP literals.
		...(net.isIP(hostname) === 0 ? {servername: hostname} : {}),
		host: hostname,
		ALPNProtocols: ['http/1.1'],
		...(ca === undefined ? {} : {ca}),
	}));
	await new Promise<void>((resolve, reject) => {
		const onError = (error: Error): void => {
			secure.off('close', onClose);
			reject(error);
		};

		const onClose = (): void => {
			secure.off('error', onError);
			reject(secure.errored ?? new HttpResponseError(`connection to ${url.host} closed during the TLS handshake`));
		};

		secure.once('error', onError);
		secure.once('close', onClose);
		secure.once('secureConnect', () => {
			secure.off('error', onError);
			secure.off('close', onClose);
			resolve();
		});
	});
	return secure;
}
