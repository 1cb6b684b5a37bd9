import {HttpResponseError} from './errors/http-response-error.js';

export type HttpResponse = {
	status: number;
	/** Header names in lower case; repeated headers joined with ', '. */
	headers: Record<string, string>;
	body: string;
};

const headEnd = Buffer.from('\r\n\r\n');

/**
 * Parse an HTTP/1.x response from everything received so far. Returns undefined while it is
 * incomplete; `ended` says the peer closed the connection (which completes a body without length).
 * Handles Content-Length, chunked transfer coding and read-until-close; the body is decoded as UTF-8.
 */
export function parseHttpResponse(received: Buffer, ended: boolean): HttpResponse | undefined {
	const headLength = received.indexOf(headEnd);
	if (headLength === -1) {
		if (ended) {
			throw new HttpResponseError(received.length === 0
				? 'connection closed before any response'
				: 'connection closed inside the response head');
		}

		return undefined;
	}

	const [statusLine = '', ...headerLines] = received.subarray(0, headLength).toString('latin1').split('\r\n');
	const match = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(statusLine);
	if (match?.[1] === undefined) {
		throw new HttpResponseError(`malformed status line: ${JSON.stringify(statusLine.slice(0, 80))}`);
	}

	const status = Number(match[1]);
	const headers = parseHeaderLines(headerLines);
	const rest = received.subarray(headLength + headEnd.length);

	if (status >= 100 && status < 200) {
		// An interim response (100 Continue and friends): the real one follows.
		return parseHttpResponse(rest, ended);
	}

	if (status === 204 || status === 304) {
		return {status, headers, body: ''};
	}

	const transferEncoding = headers['transfer-encoding']?.toLowerCase();
	if (transferEncoding !== undefined && transferEncoding !== 'identity') {
		if (!transferEncoding.split(',').map(coding => coding.trim()).includes('chunked')) {
			throw new HttpResponseError(`unsupported Transfer-Encoding: ${transferEncoding}`);
		}

		const body = decodeChunked(rest, ended);
		return body === undefined ? undefined : {status, headers, body: body.toString('utf8')};
	}

	const contentLength = headers['content-length'];
	if (contentLength !== undefined) {
		if (!/^\d+$/.test(contentLength)) {
			throw new HttpResponseError(`malformed Content-Length: ${contentLength}`);
		}

		const length = Number(contentLength);
		if (rest.length < length) {
			if (ended) {
				throw new HttpResponseError(`connection closed after ${rest.length} of ${length} body bytes`);
			}

			return undefined;
		}

		return {status, headers, body: rest.subarray(0, length).toString('utf8')};
	}

	return ended ? {status, headers, body: rest.toString('utf8')} : undefined;
}

function parseHeaderLines(lines: string[]): Record<string, string> {
	const headers: Record<string, string> = {};
	for (const line of lines) {
		const colon = line.indexOf(':');
		if (colon <= 0) {
			throw new HttpResponseError(`malformed header line: ${JSON.stringify(line.slice(0, 80))}`);
		}

		const name = line.slice(0, colon).trim().toLowerCase();
		const value = line.slice(colon + 1).trim();
		const previous = headers[name];
		headers[name] = previous === undefined ? value : `${previous}, ${value}`;
	}

	return headers;
}

/** Decode a chunked body; undefined while the last chunk (and the trailer) has not arrived. */
function decodeChunked(data: Buffer, ended: boolean): Buffer | undefined {
	const chunks: Buffer[] = [];
	let offset = 0;
	const incomplete = (): undefined => {
		if (ended) {
			throw new HttpResponseError('connection closed inside a chunked body');
		}

		return undefined;
	};

	for (;;) {
		const lineEnd = data.indexOf('\r\n', offset);
		if (lineEnd === -1) {
			return incomplete();
		}

		// The size may carry extensions: "1a;name=value".
		const sizeText = data.subarray(offset, lineEnd).toString('latin1').split(';')[0]?.trim() ?? '';
		if (!/^[\da-fA-F]+$/.test(sizeText)) {
			throw new HttpResponseError(`malformed chunk size: ${JSON.stringify(sizeText.slice(0, 20))}`);
		}

		const size = Number.parseInt(sizeText, 16);
		offset = lineEnd + 2;
		if (size === 0) {
			// Optional trailer fields, then an empty line.
			for (;;) {
				const trailerEnd = data.indexOf('\r\n', offset);
				if (trailerEnd === -1) {
					return incomplete();
				}

				if (trailerEnd === offset) {
					return Buffer.concat(chunks);
				}

				offset = trailerEnd + 2;
			}
		}

		if (data.length < offset + size + 2) {
			return incomplete();
		}

		chunks.push(data.subarray(offset, offset + size));
		if (data[offset + size] !== 0x0D || data[offset + size + 1] !== 0x0A) {
			throw new HttpResponseError('chunk data not followed by CRLF');
		}

		offset += size + 2;
	}
}
