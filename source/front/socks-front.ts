import net from 'node:net';
import {socks5Handshake} from '../util/socks5-handshake.js';
import {SocksError} from '../util/errors/socks-error.js';
import {pullFromStream} from '../util/pull-from-stream.js';
import type {FrontContext} from './front-context.js';
import type {FrontRefusalReason} from './front-events.js';
import {relay} from './relay.js';
import {
	authVersion,
	encodeReply,
	methodNoAuth,
	methodNoneAcceptable,
	methodUserPass,
	parseGreeting,
	parseRequest,
	parseUserPass,
	replyCode,
	socksVersion,
	type Parsed,
} from './socks5-server-messages.js';

/** The longest a handshake message can be: a greeting is at most 257 bytes, a username/password message 513. */
const maxMessageBytes = 600;

class Refusal extends Error {
	constructor(
		readonly reason: FrontRefusalReason,
		/** What to send before closing, if anything. */
		readonly answer?: Buffer,
	) {
		super(reason);
	}
}

/**
 * Serve one SOCKS5 connection of the front: username/password authentication is required (RFC
 * 1929), the credentials pick the upstream through `access`, and the CONNECT request (to a name, an
 * IPv4 or an IPv6 address) is passed on to that upstream SOCKS5 server, whose answer decides the
 * reply. Every refusal uses the protocol's own answer and closes the connection.
 */
export async function serveSocks(socket: net.Socket, context: FrontContext): Promise<void> {
	const clientAddress = socket.remoteAddress ?? '';
	const deadline = setTimeout(() => {
		socket.destroy(new Refusal('handshake-timeout'));
	}, context.handshakeTimeoutMs);
	let upstream: net.Socket | undefined;
	let release: (() => void) | undefined;
	let stopCounting: (() => void) | undefined;
	try {
		const {methods} = await readMessage(socket, parseGreeting);
		let grant;
		let accepted: Buffer;
		if (methods.includes(methodUserPass)) {
			socket.write(Buffer.from([socksVersion, methodUserPass]));
			const credentials = await readMessage(socket, parseUserPass);
			grant = await context.access({protocol: 'socks5', credentials, clientAddress, localPort: socket.localPort ?? 0});
			if (!grant.ok && grant.reason === 'unavailable') {
				// The credentials are fine, there is just nothing to relay to now: no auth failure (which
				// clients report as "user was rejected") but a failed request.
				await refuseRequest(socket, Buffer.from([authVersion, 0x00]));
			}

			if (!grant.ok) {
				// RFC 1929: any non-zero status is a failure, and the server closes the connection.
				throw new Refusal(grant.reason, Buffer.from([authVersion, 0x01]));
			}

			accepted = Buffer.from([authVersion, 0x00]);
		} else {
			// No credentials offered: `access` decides (the provider refuses; a gateway may grant its default session).
			grant = methods.includes(methodNoAuth) ? await context.access({protocol: 'socks5', credentials: undefined, clientAddress, localPort: socket.localPort ?? 0}) : undefined;
			if (grant?.ok === false && grant.reason === 'unavailable') {
				await refuseRequest(socket, Buffer.from([socksVersion, methodNoAuth]));
			}

			if (!grant?.ok) {
				throw new Refusal(grant?.reason ?? 'no-credentials', Buffer.from([socksVersion, methodNoneAcceptable]));
			}

			accepted = Buffer.from([socksVersion, methodNoAuth]);
		}

		// The connection takes its place under the grant's key as soon as it is granted, before its
		// request, so a revoke (the lease ended) while it is still in its handshake closes it too: no
		// connection of an ended lease reaches the upstream afterwards.
		const place = context.registry.admit(grant.key, () => {
			socket.destroy();
			upstream?.destroy();
		});
		if (place.admission === 'ok') {
			// Given back in `finally`, whatever ends the connection from here on.
			release = place.release;
		}

		socket.write(accepted);
		const request = await readMessage(socket, parseRequest, parsed => (parsed.status === 'bad' && parsed.code !== undefined ? encodeReply(parsed.code) : encodeReply(replyCode.generalFailure)));
		if (place.admission !== 'ok') {
			// Full: said in the reply to its request (RFC 1928's "not allowed by ruleset").
			throw new Refusal(place.admission, encodeReply(replyCode.notAllowed));
		}

		if (request.command !== 0x01) {
			throw new Refusal('unsupported-command', encodeReply(replyCode.commandNotSupported));
		}

		stopCounting = context.traffic.track(grant.key, socket);
		upstream = net.connect({host: grant.upstream.host, port: grant.upstream.port, allowHalfOpen: true});
		upstream.on('error', () => undefined);
		// A client that leaves while its upstream is being reached takes the upstream with it, so the
		// handshake with the upstream ends and its place is given back.
		socket.once('close', () => upstream?.destroy());
		await new Promise<void>((resolve, reject) => {
			upstream!.once('connect', resolve);
			upstream!.once('close', () => {
				reject(new Refusal('upstream-failed', encodeReply(replyCode.generalFailure)));
			});
		});
		try {
			await socks5Handshake(upstream, {host: request.host, port: request.port, username: grant.upstream.username, password: grant.upstream.password});
		} catch (error) {
			const code = error instanceof SocksError && error.replyCode !== undefined ? error.replyCode : replyCode.generalFailure;
			throw new Refusal('upstream-failed', encodeReply(code));
		}

		clearTimeout(deadline);
		socket.write(encodeReply(replyCode.succeeded));
		context.relayed(grant.key);
		await relay(socket, upstream, {idleTimeoutMs: context.idleTimeoutMs});
	} catch (error) {
		// Anything else is the connection breaking mid-handshake (a reset, say).
		const refusal = error instanceof Refusal ? error : socket.errored instanceof Refusal ? socket.errored : new Refusal('truncated');
		context.refused(refusal.reason, clientAddress);

		if (refusal.answer && !socket.destroyed) {
			socket.end(refusal.answer);
			// A client that never reads its refusal must not hold the connection open.
			setTimeout(() => socket.destroy(), 1000).unref();
		} else {
			socket.destroy();
		}

		upstream?.destroy();
	} finally {
		clearTimeout(deadline);
		stopCounting?.();
		release?.();
	}
}

/**
 * Refuse a connection that may come in but has nowhere to go now (`unavailable`: no lease in time):
 * accept its authentication, read its request, answer it with a general failure (RFC 1928 0x01).
 */
async function refuseRequest(socket: net.Socket, accepted: Buffer): Promise<never> {
	socket.write(accepted);
	// Whatever the client does next (a request, a bad one, hanging up), it is refused as unavailable.
	await readMessage(socket, parseRequest, () => encodeReply(replyCode.generalFailure)).catch(() => undefined);
	throw new Refusal('unavailable', encodeReply(replyCode.generalFailure));
}

/**
 * Read one handshake message (paused mode; bytes after it stay in the socket). A message that can
 * never be valid, or one longer than any valid message, is refused as `malformed` / `oversized`.
 */
async function readMessage<T>(socket: net.Socket, parse: (bytes: Uint8Array) => Parsed<T>, answerBad?: (parsed: Parsed<T> & {code?: number}) => Buffer): Promise<T> {
	let received = Buffer.alloc(0);
	return pullFromStream(socket, () => {
		let chunk: Buffer | null;
		while ((chunk = socket.read() as Buffer | null) !== null) {
			received = Buffer.concat([received, chunk]);
			const parsed = parse(received);
			if (parsed.status === 'bad') {
				throw new Refusal('malformed', answerBad?.(parsed));
			}

			if (parsed.status === 'ok') {
				if (parsed.used < received.length) {
					socket.unshift(received.subarray(parsed.used));
				}

				return parsed.value;
			}

			if (received.length > maxMessageBytes) {
				throw new Refusal('oversized', answerBad?.({status: 'bad', detail: 'oversized'}));
			}
		}

		return undefined;
	}, () => new Refusal('truncated'));
}
