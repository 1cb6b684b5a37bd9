import {randomBytes as cryptoRandomBytes, timingSafeEqual} from 'node:crypto';
import {readFile} from 'node:fs/promises';
import type {ControlReply} from './control-reply.js';
import {quoteString} from './control-string.js';
import {TorControlAuthError} from './errors/tor-control-auth-error.js';
import {parseAuthChallenge, parseProtocolInfo} from './protocol-info.js';
import {safeCookieHashes} from './safe-cookie.js';

export interface AuthenticateOptions {
	/** Use HASHEDPASSWORD with this password. Without it: SAFECOOKIE, else NULL. */
	password?: string;
	/** Read the cookie here instead of at the COOKIEFILE Tor names (e.g. Tor in another mount namespace). */
	cookieFile?: string;
}

export interface AuthenticateDependencies {
	/** Send one command line and resolve with its successful reply (rejecting on error replies). */
	send: (line: string) => Promise<ControlReply>;
	randomBytes?: (size: number) => Buffer;
}

/**
 * Authenticate a fresh control connection: `PROTOCOLINFO 1` (only once: Tor closes a connection
 * that asks twice before authenticating), then the strongest method offered that we can use.
 */
export async function authenticateControl(options: AuthenticateOptions, {send, randomBytes = cryptoRandomBytes}: AuthenticateDependencies): Promise<void> {
	const info = parseProtocolInfo(await send('PROTOCOLINFO 1'));
	if (!info) {
		throw new TorControlAuthError('Tor sent an unreadable PROTOCOLINFO reply');
	}

	const offered = new Set(info.methods);
	if (options.password !== undefined) {
		if (!offered.has('HASHEDPASSWORD')) {
			throw new TorControlAuthError(`a password was given but Tor offers ${info.methods.join(', ')}`);
		}

		await send(`AUTHENTICATE ${quoteString(options.password)}`);
		return;
	}

	if (offered.has('SAFECOOKIE')) {
		const cookieFile = options.cookieFile ?? info.cookieFile;
		if (cookieFile === undefined) {
			throw new TorControlAuthError('Tor offers SAFECOOKIE but names no cookie file');
		}

		await authenticateWithSafeCookie(cookieFile, send, randomBytes);
		return;
	}

	if (offered.has('NULL')) {
		await send('AUTHENTICATE');
		return;
	}

	throw new TorControlAuthError(`no usable authentication method: Tor offers ${info.methods.join(', ')}`);
}

async function authenticateWithSafeCookie(cookieFile: string, send: AuthenticateDependencies['send'], randomBytes: (size: number) => Buffer): Promise<void> {
	let cookie: Buffer;
	try {
		cookie = await readFile(cookieFile);
	} catch (error) {
		throw new TorControlAuthError(`cannot read the control cookie "${cookieFile}"`, {cause: error});
	}

	if (cookie.length !== 32) {
		throw new TorControlAuthError(`the control cookie "${cookieFile}" has ${cookie.length} bytes, not 32`);
	}

	const clientNonce = randomBytes(32);
	const challenge = parseAuthChallenge(await send(`AUTHCHALLENGE SAFECOOKIE ${clientNonce.toString('hex').toUpperCase()}`));
	if (!challenge) {
		throw new TorControlAuthError('Tor sent an unreadable AUTHCHALLENGE reply');
	}

	const {serverHash, clientHash} = safeCookieHashes(cookie, clientNonce, challenge.serverNonce);
	if (!timingSafeEqual(serverHash, challenge.serverHash)) {
		throw new TorControlAuthError('Tor\'s SAFECOOKIE server hash is wrong: the cookie file does not belong to this Tor');
	}

	await send(`AUTHENTICATE ${clientHash.toString('hex').toUpperCase()}`);
}
