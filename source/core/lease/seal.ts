import {SealError} from '../errors/seal-error.js';
import {createCipheriv, createDecipheriv, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, type KeyObject} from 'node:crypto';

/**
 * Sealing a lease's secrets to the client that claimed it, so nobody else on the bus can read them:
 * X25519 between the client's ephemeral key (sent in its claim) and a fresh provider key, HKDF-SHA256,
 * AES-256-GCM. Everything is in Node's `crypto` (and in Python's `cryptography`); docs/protocol.md
 * gives the construction byte for byte:
 *
 * - keys: raw 32-byte X25519 public keys, base64url without padding;
 * - shared = X25519(provider ephemeral private key, client public key);
 * - key = HKDF-SHA256(ikm = shared, salt = providerPublic ‖ clientPublic (64 bytes), info = "nightcrawler seal v1", 32 bytes);
 * - nonce: 12 random bytes; associated data: the UTF-8 bytes of `context` (the lease id);
 * - sealed = {epk: providerPublic, nonce, box: ciphertext ‖ 16-byte tag}, each base64url.
 */
export type Sealed = {
	readonly epk: string;
	readonly nonce: string;
	readonly box: string;
};

export type SealKeyPair = {
	/** The raw public key, base64url: what goes on the wire. */
	readonly publicKey: string;
	readonly privateKey: KeyObject;
};

const info = Buffer.from('nightcrawler seal v1', 'utf8');

/** A new ephemeral X25519 key pair. */
export function newSealKeyPair(): SealKeyPair {
	const {publicKey, privateKey} = generateKeyPairSync('x25519');
	const {x} = publicKey.export({format: 'jwk'});
	return {publicKey: x!, privateKey};
}

/**
 * Seal `plaintext` to the holder of `recipientPublicKey`, bound to `context`, with `sender` (a fresh
 * key pair when omitted; the provider reuses one for a minute, see `RotatingSealKey`). Throws a
 * SealError on a malformed key.
 */
export function seal(plaintext: string, recipientPublicKey: string, context: string, sender: SealKeyPair = newSealKeyPair()): Sealed {
	const key = cachedKey(`${sender.publicKey}|${recipientPublicKey}`, () => deriveKey(sender.privateKey, importPublicKey(recipientPublicKey), sender.publicKey, recipientPublicKey));
	const nonce = randomBytes(12);
	const cipher = createCipheriv('aes-256-gcm', key, nonce);
	cipher.setAAD(Buffer.from(context, 'utf8'));
	const box = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
	return {epk: sender.publicKey, nonce: nonce.toString('base64url'), box: box.toString('base64url')};
}

/** Open what `seal` made for `own`; throws a SealError when it was not sealed to this key and context, or was changed. */
export function open(sealed: Sealed, own: SealKeyPair, context: string): string {
	const key = cachedKey(`${sealed.epk}|${own.publicKey}`, () => deriveKey(own.privateKey, importPublicKey(sealed.epk), sealed.epk, own.publicKey));
	const nonce = Buffer.from(sealed.nonce, 'base64url');
	const box = Buffer.from(sealed.box, 'base64url');
	if (nonce.length !== 12 || box.length < 16) {
		throw new SealError('malformed sealed box');
	}

	try {
		const decipher = createDecipheriv('aes-256-gcm', key, nonce);
		decipher.setAAD(Buffer.from(context, 'utf8'));
		decipher.setAuthTag(box.subarray(box.length - 16));
		return Buffer.concat([decipher.update(box.subarray(0, box.length - 16)), decipher.final()]).toString('utf8');
	} catch (error) {
		throw new SealError('the sealed box does not open with this key and context', {cause: error});
	}
}

/**
 * The provider's sealing key: one X25519 key pair for every lease it seals within `lifetimeMs`, then
 * a new one. With the client's one key pair per process, the derived key of a pair is computed once
 * and cached, so a lease costs an AES-GCM seal, not two key agreements (the construction is the same:
 * every box still names its `epk` and has its own random nonce and the lease id as associated data).
 */
export class RotatingSealKey {
	private keys: SealKeyPair | undefined;
	private madeAt = 0;

	constructor(private readonly lifetimeMs = 60_000) {}

	current(now = Date.now()): SealKeyPair {
		if (!this.keys || now - this.madeAt >= this.lifetimeMs) {
			this.keys = newSealKeyPair();
			this.madeAt = now;
		}

		return this.keys;
	}
}

/** Derived keys by `senderPublic|recipientPublic` (each side keys the cache with its own public key, so a hit is its own). */
const derivedKeys = new Map<string, Buffer>();
const maxDerivedKeys = 1024;

function cachedKey(pair: string, derive: () => Buffer): Buffer {
	let key = derivedKeys.get(pair);
	if (key) {
		// Most recently used last.
		derivedKeys.delete(pair);
	} else {
		key = derive();
		if (derivedKeys.size >= maxDerivedKeys) {
			derivedKeys.delete(derivedKeys.keys().next().value!);
		}
	}

	derivedKeys.set(pair, key);
	return key;
}

function deriveKey(privateKey: KeyObject, publicKey: KeyObject, senderPublic: string, recipientPublic: string): Buffer {
	let shared: Buffer;
	try {
		shared = diffieHellman({privateKey, publicKey});
	} catch (error) {
		// A low-order point (32 zero bytes, say) passes the shape check but gives no shared secret.
		throw new SealError('not a usable X25519 public key', {cause: error});
	}

	const salt = Buffer.concat([Buffer.from(senderPublic, 'base64url'), Buffer.from(recipientPublic, 'base64url')]);
	return Buffer.from(hkdfSync('sha256', shared, salt, info, 32));
}

function importPublicKey(raw: string): KeyObject {
	if (!/^[\w-]{43}$/.test(raw) || Buffer.from(raw, 'base64url').length !== 32) {
		throw new SealError('an X25519 public key is 32 bytes, base64url without padding');
	}

	try {
		return createPublicKey({key: {kty: 'OKP', crv: 'X25519', x: raw}, format: 'jwk'});
	} catch (error) {
		throw new SealError('not an X25519 public key', {cause: error});
	}
}
