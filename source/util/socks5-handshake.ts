import net from 'node:net';
import type {Duplex} from 'node:stream';
import {SocksError} from './errors/socks-error.js';
import {readExactly} from './pull-from-stream.js';

export type Socks5Target = {
	/** A hostname (resolved by the proxy), an IPv4 literal, or an IPv6 literal with or without brackets. */
	host: string;
	port: number;
	username?: string | undefined;
	password?: string | undefined;
};

const version = 0x05;
const methodNoAuth = 0x00;
const methodUserPass = 0x02;
const methodNoneAcceptable = 0xFF;

/**
 * Run a SOCKS5 handshake (RFC 1928, with RFC 1929 username/password authentication when credentials
 * are given) on a connected socket, asking the proxy to CONNECT to `target`. Hostnames go to the
 * proxy unresolved (ATYP 0x03), so DNS happens at the proxy. Resolves when the tunnel is open.
 */
export async function socks5Handshake(socket: Duplex, target: Socks5Target): Promise<void> {
	const earlyEnd = (): SocksError => new SocksError('protocol', 'SOCKS5 server closed the connection during the handshake');
	const withAuth = target.username !== undefined || target.password !== undefined;

	socket.write(Buffer.from([version, 1, withAuth ? methodUserPass : methodNoAuth]));
	const [replyVersion, method] = await readExactly(socket, 2, earlyEnd);
	if (replyVersion !== version) {
		throw new SocksError('greeting', `not a SOCKS5 server (version byte ${replyVersion})`);
	}

	if (method === methodNoneAcceptable) {
		throw new SocksError('greeting', withAuth
			? 'SOCKS5 server does not accept username/password authentication'
			: 'SOCKS5 server requires authentication');
	}

	if (method === methodUserPass && withAuth) {
		await authenticate(socket, target.username ?? '', target.password ?? '', earlyEnd);
	} else if (method !== methodNoAuth || withAuth) {
		throw new SocksError('greeting', `SOCKS5 server chose an authentication method we did not offer (0x${method?.toString(16)})`);
	}

	const where = formatTarget(target);
	socket.write(Buffer.concat([Buffer.from([version, 0x01, 0x00]), encodeAddress(target.host), encodePort(target.port)]));
	const [connectVersion, replyCode, , addressType] = await readExactly(socket, 4, earlyEnd);
	if (connectVersion !== version) {
		throw new SocksError('protocol', `malformed SOCKS5 CONNECT reply (version byte ${connectVersion})`);
	}

	if (replyCode !== 0x00) {
		throw SocksError.fromReplyCode(replyCode ?? 0xFF, where);
	}

	// The bound address and port, which we do not need but must consume.
	let boundLength: number;
	if (addressType === 0x01) {
		boundLength = 4;
	} else if (addressType === 0x04) {
		boundLength = 16;
	} else if (addressType === 0x03) {
		const [length] = await readExactly(socket, 1, earlyEnd);
		boundLength = length ?? 0;
	} else {
		throw new SocksError('protocol', `malformed SOCKS5 CONNECT reply (address type ${addressType})`);
	}

	await readExactly(socket, boundLength + 2, earlyEnd);
}

async function authenticate(socket: Duplex, username: string, password: string, earlyEnd: () => SocksError): Promise<void> {
	const user = Buffer.from(username, 'utf8');
	const pass = Buffer.from(password, 'utf8');
	if (user.length > 255 || pass.length > 255) {
		throw new SocksError('authentication', 'SOCKS5 username and password must be at most 255 bytes each');
	}

	socket.write(Buffer.concat([Buffer.from([0x01, user.length]), user, Buffer.from([pass.length]), pass]));
	const [, status] = await readExactly(socket, 2, earlyEnd);
	if (status !== 0x00) {
		throw new SocksError('authentication', `SOCKS5 server rejected the username/password (status ${status})`);
	}
}

function formatTarget({host, port}: Socks5Target): string {
	return net.isIPv6(unbracket(host)) ? `[${unbracket(host)}]:${port}` : `${host}:${port}`;
}

function unbracket(host: string): string {
	return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function encodePort(port: number): Buffer {
	if (!Number.isInteger(port) || port < 1 || port > 65_535) {
		throw new SocksError('protocol', `invalid target port ${port}`);
	}

	const buffer = Buffer.alloc(2);
	buffer.writeUInt16BE(port);
	return buffer;
}

/** ATYP and address: 0x01 IPv4, 0x04 IPv6, 0x03 hostname (length-prefixed). */
function encodeAddress(host: string): Buffer {
	const bare = unbracket(host);
	if (net.isIPv4(bare)) {
		return Buffer.from([0x01, ...bare.split('.').map(Number)]);
	}

	if (net.isIPv6(bare)) {
		return Buffer.concat([Buffer.from([0x04]), ipv6ToBytes(bare)]);
	}

	const name = Buffer.from(bare, 'utf8');
	if (name.length === 0 || name.length > 255) {
		throw new SocksError('protocol', `hostname must be 1-255 bytes, got ${name.length}`);
	}

	return Buffer.concat([Buffer.from([0x03, name.length]), name]);
}

/** The 16 bytes of a valid IPv6 literal (`::` compression and a dotted IPv4 tail allowed; no zone). */
function ipv6ToBytes(address: string): Buffer {
	const bytes = Buffer.alloc(16);
	let text = address;
	const tail: number[] = [];
	const lastColon = text.lastIndexOf(':');
	if (text.includes('.', lastColon)) {
		// An embedded IPv4 address, as in ::ffff:127.0.0.1: it fills the last 32 bits.
		tail.push(...text.slice(lastColon + 1).split('.').map(Number));
		text = `${text.slice(0, lastColon + 1)}0:0`;
	}

	const [head = '', rest] = text.split('::');
	const toGroups = (part: string): number[] => (part === '' ? [] : part.split(':').map(group => Number.parseInt(group, 16)));
	const headGroups = toGroups(head);
	const restGroups = rest === undefined ? [] : toGroups(rest);
	const groups = [...headGroups, ...Array.from({length: 8 - headGroups.length - restGroups.length}, () => 0), ...restGroups];
	for (const [index, group] of groups.entries()) {
		bytes.writeUInt16BE(group, index * 2);
	}

	for (const [index, octet] of tail.entries()) {
		bytes[12 + index] = octet;
	}

	return bytes;
}
