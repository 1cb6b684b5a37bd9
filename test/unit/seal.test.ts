import {createPrivateKey} from 'node:crypto';
import {fileURLToPath} from 'node:url';
import {execa} from 'execa';
import {describe, expect, it} from 'vitest';
import {SealError} from '../../source/core/errors/seal-error.js';
import {newSealKeyPair, open, RotatingSealKey, seal} from '../../source/core/lease/seal.js';

const script = fileURLToPath(new URL('../fixtures/seal/seal.py', import.meta.url));
/** Debian's python3 with python3-cryptography (.ci/run installs it). */
const python = '/usr/bin/python3';

describe('seal', () => {
	it('opens with the recipient key and the same context', () => {
		const client = newSealKeyPair();
		const sealed = seal('{"secret":"s3cr3t"}', client.publicKey, 'lease-1');
		expect(open(sealed, client, 'lease-1')).toBe('{"secret":"s3cr3t"}');
		expect(JSON.stringify(sealed)).not.toContain('s3cr3t');
	});

	it('uses a new provider key and nonce every time', () => {
		const client = newSealKeyPair();
		const first = seal('same', client.publicKey, 'x');
		const second = seal('same', client.publicKey, 'x');
		expect(first.epk).not.toBe(second.epk);
		expect(first.box).not.toBe(second.box);
	});

	it('seals many boxes with one provider key pair (RotatingSealKey), each opening only for its own recipient and context', () => {
		const sender = new RotatingSealKey(60_000);
		const [alice, bob] = [newSealKeyPair(), newSealKeyPair()];
		const keys = sender.current(0);
		const boxes = [seal('one', alice.publicKey, 'l1', keys), seal('two', alice.publicKey, 'l2', keys), seal('three', bob.publicKey, 'l3', keys)];
		expect(new Set(boxes.map(box => box.epk)).size).toBe(1);
		expect(new Set(boxes.map(box => box.nonce)).size).toBe(3);
		expect([open(boxes[0]!, alice, 'l1'), open(boxes[1]!, alice, 'l2'), open(boxes[2]!, bob, 'l3')]).toEqual(['one', 'two', 'three']);
		expect(() => open(boxes[2]!, alice, 'l3')).toThrow(SealError);
		expect(() => open(boxes[0]!, alice, 'l2')).toThrow(SealError);
		// A minute later, a new key pair.
		expect(sender.current(59_999)).toBe(keys);
		expect(sender.current(60_000).publicKey).not.toBe(keys.publicKey);
	});

	it('does not open with another key, another context, or a changed box', () => {
		const client = newSealKeyPair();
		const sealed = seal('payload', client.publicKey, 'lease-1');
		expect(() => open(sealed, newSealKeyPair(), 'lease-1')).toThrow(SealError);
		expect(() => open(sealed, client, 'lease-2')).toThrow(SealError);
		const box = Buffer.from(sealed.box, 'base64url');
		box[0]! ^= 1;
		expect(() => open({...sealed, box: box.toString('base64url')}, client, 'lease-1')).toThrow(SealError);
		expect(() => open({...sealed, nonce: 'AAAA'}, client, 'lease-1')).toThrow(SealError);
	});

	it('refuses malformed public keys with a SealError', () => {
		for (const key of ['', 'short', 'A'.repeat(44), `${'A'.repeat(42)}=`, '!'.repeat(43), 'A'.repeat(43)]) {
			expect(() => seal('x', key, 'c')).toThrow(SealError);
		}

		// A box whose sender key is a low-order point does not open: a SealError, never a plain Error.
		const own = newSealKeyPair();
		const sealed = seal('x', own.publicKey, 'c');
		expect(() => open({...sealed, epk: 'A'.repeat(43)}, own, 'c')).toThrow(SealError);
	});

	it('matches the construction in docs/protocol.md, as Python\'s cryptography implements it', async () => {
		// Node seals, Python opens.
		const {stdout: keys} = await execa(python, [script, 'keys']);
		const [privateKey, publicKey] = keys.trim().split(' ') as [string, string];
		const sealed = seal('{"username":"u","password":"p"}', publicKey, 'lease-9');
		const opened = await execa(python, [script, 'open', privateKey, 'lease-9'], {input: JSON.stringify(sealed)});
		expect(opened.stdout).toBe('{"username":"u","password":"p"}');
		// Python seals, Node opens.
		const client = newSealKeyPair();
		const {stdout: fromPython} = await execa(python, [script, 'seal', client.publicKey, 'lease-9'], {input: 'from python'});
		expect(open(JSON.parse(fromPython) as never, client, 'lease-9')).toBe('from python');
		// The Node key pair's private half is an ordinary X25519 key.
		expect(createPrivateKey(client.privateKey.export({format: 'pem', type: 'pkcs8'})).asymmetricKeyType).toBe('x25519');
	});
});
