import {createHmac} from 'node:crypto';

const serverToControllerKey = 'Tor safe cookie authentication server-to-controller hash';
const controllerToServerKey = 'Tor safe cookie authentication controller-to-server hash';

export interface SafeCookieHashes {
	/** What Tor must send as SERVERHASH, proving it knows the cookie. */
	serverHash: Buffer;
	/** What we send with AUTHENTICATE, proving we know the cookie. */
	clientHash: Buffer;
}

/** SAFECOOKIE hashes (control-spec 3.24): HMAC-SHA256 over cookie | client nonce | server nonce. */
export function safeCookieHashes(cookie: Uint8Array, clientNonce: Uint8Array, serverNonce: Uint8Array): SafeCookieHashes {
	const message = Buffer.concat([cookie, clientNonce, serverNonce]);
	return {
		serverHash: createHmac('sha256', serverToControllerKey).update(message).digest(),
		clientHash: createHmac('sha256', controllerToServerKey).update(message).digest(),
	};
}
