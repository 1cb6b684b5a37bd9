/**
 * The server side of a SOCKS5 handshake (RFC 1928, RFC 1929), as pure functions over the bytes
 * received so far. Written by hand: no maintained Node library serves SOCKS5 with a per-connection
 * authentication hook (socksv5 and friends are unmaintained); the client side lives in
 * `util/socks5-handshake.ts`.
 *
 * Each parser returns `more` (not enough bytes yet), `bad` (what the client sent can never become
 * valid: refuse and close) or `ok` with the parsed value and how many bytes it used.
 */

export const socksVersion = 0x05;
export const authVersion = 0x01;
export const methodNoAuth = 0x00;
export const methodUserPass = 0x02;
export const methodNoneAcceptable = 0xFF;

/** RFC 1928 §6 reply codes the front sends. */
export const replyCode = {
	succeeded: 0x00,
	generalFailure: 0x01,
	notAllowed: 0x02,
	networkUnreachable: 0x03,
	hostUnreachable: 0x04,
	connectionRefused: 0x05,
	ttlExpired: 0x06,
	commandNotSupported: 0x07,
	addressTypeNotSupported: 0x08,
} as const;

export type Parsed<T> = {status: 'more'} | {status: 'bad'; detail: string} | {status: 'ok'; value: T; used: number};

const more = {status: 'more'} as const;
const bad = (detail: string) => ({status: 'bad', detail}) as const;

/** The method-selection message: version 5, then the methods the client offers. */
export function parseGreeting(bytes: Uint8Array): Parsed<{methods: number[]}> {
	if (bytes.length < 1) {
		return more;
	}

	if (bytes[0] !== socksVersion) {
		return bad(`not SOCKS5 (version byte ${bytes[0]})`);
	}

	if (bytes.length < 2) {
		return more;
	}

	const count = bytes[1]!;
	if (count === 0) {
		return bad('no authentication method offered');
	}

	if (bytes.length < 2 + count) {
		return more;
	}

	return {status: 'ok', value: {methods: [...bytes.subarray(2, 2 + count)]}, used: 2 + count};
}

/** RFC 1929 username/password: version 1, then length-prefixed username and password (1-255 bytes each, UTF-8). */
export function parseUserPass(bytes: Uint8Array): Parsed<{username: string; password: string}> {
	if (bytes.length < 1) {
		return more;
	}

	if (bytes[0] !== authVersion) {
		return bad(`not a username/password message (version byte ${bytes[0]})`);
	}

	if (bytes.length < 2) {
		return more;
	}

	const userLength = bytes[1]!;
	if (bytes.length < 3 + userLength) {
		return more;
	}

	const passLength = bytes[2 + userLength]!;
	const used = 3 + userLength + passLength;
	if (bytes.length < used) {
		return more;
	}

	const decoder = new TextDecoder();
	return {
		status: 'ok',
		value: {username: decoder.decode(bytes.subarray(2, 2 + userLength)), password: decoder.decode(bytes.subarray(3 + userLength, used))},
		used,
	};
}

export type SocksRequest = {
	command: number;
	/** A host name as sent (resolved at the exit), or an IPv4 / IPv6 literal. */
	host: string;
	port: number;
};

/**
 * The request: version 5, command, reserved 0, address (IPv4, name, IPv6) and port. `bad` carries
 * the reply code to refuse with: an unknown address type gets 0x08, anything else 0x01.
 */
export function parseRequest(bytes: Uint8Array): Parsed<SocksRequest> & {code?: number} {
	if (bytes.length < 4) {
		return bytes.length > 0 && bytes[0] !== socksVersion ? bad(`not SOCKS5 (version byte ${bytes[0]})`) : more;
	}

	const [version, command, reserved, addressType] = bytes;
	if (version !== socksVersion || reserved !== 0x00) {
		return bad('malformed request header');
	}

	let host: string;
	let end: number;
	if (addressType === 0x01) {
		end = 4 + 4;
		if (bytes.length < end + 2) {
			return more;
		}

		host = [...bytes.subarray(4, end)].join('.');
	} else if (addressType === 0x04) {
		end = 4 + 16;
		if (bytes.length < end + 2) {
			return more;
		}

		host = formatIpv6(bytes.subarray(4, end));
	} else if (addressType === 0x03) {
		if (bytes.length < 5) {
			return more;
		}

		const length = bytes[4]!;
		if (length === 0) {
			return bad('empty host name');
		}

		end = 5 + length;
		if (bytes.length < end + 2) {
			return more;
		}

		host = new TextDecoder().decode(bytes.subarray(5, end));
	} else {
		return {...bad(`address type ${addressType} not supported`), code: replyCode.addressTypeNotSupported};
	}

	const port = (bytes[end]! << 8) | bytes[end + 1]!;
	return {status: 'ok', value: {command: command!, host, port}, used: end + 2};
}

/** A reply to the request, with the bound address left as 0.0.0.0:0 (clients ignore it). */
export function encodeReply(code: number): Buffer {
	return Buffer.from([socksVersion, code, 0x00, 0x01, 0, 0, 0, 0, 0, 0]);
}

function formatIpv6(bytes: Uint8Array): string {
	const groups: string[] = [];
	for (let index = 0; index < 16; index += 2) {
		groups.push(((bytes[index]! << 8) | bytes[index + 1]!).toString(16));
	}

	return groups.join(':');
}
