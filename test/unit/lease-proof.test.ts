import {createHmac} from 'node:crypto';
import {describe, expect, it} from 'vitest';
import {proofBytes, prove, proven, type ProofField} from '../../source/core/lease/lease-proof.js';

/** docs/protocol.md §3.5 as written: per field a 4-byte big-endian length then its UTF-8 bytes; absent is 0xFFFFFFFF. */
function reference(fields: readonly ProofField[]): Buffer {
	return Buffer.concat(fields.map(field => {
		const length = Buffer.alloc(4);
		if (field === undefined) {
			length.writeUInt32BE(0xFF_FF_FF_FF);
			return length;
		}

		const bytes = Buffer.from(String(field), 'utf8');
		length.writeUInt32BE(bytes.length);
		return Buffer.concat([length, bytes]);
	}));
}

const cases: ProofField[][] = [
	[],
	[''],
	[undefined],
	['nightcrawler proof v1', 'proxy:heartbeat', 'f47ac10b-58cc-4372-a567-0e02b2c3d479', 12, true, false, undefined, ''],
	['é✓𝒳', '\uD800 lone surrogate', 0, 9_007_199_254_740_991, undefined, undefined],
];

describe('proofBytes', () => {
	it.each(cases.map(fields => [fields]))('encodes %j as the protocol says', fields => {
		expect(proofBytes(fields).toString('hex')).toBe(reference(fields).toString('hex'));
	});

	it('gives the HMAC of those bytes, which proven() accepts and a changed field fails', () => {
		const fields = cases[3]!;
		const proof = prove('s3cret', fields);
		expect(proof).toBe(createHmac('sha256', 's3cret').update(reference(fields)).digest('base64url'));
		expect(proven('s3cret', fields, proof)).toBe(true);
		expect(proven('s3cret', [...fields.slice(0, -1), 'x'], proof)).toBe(false);
	});

	it('known vector: a fixed field list has a fixed encoding', () => {
		expect(proofBytes(['ab', 7, undefined]).toString('hex')).toBe('000000026162' + '0000000137' + 'ffffffff');
	});
});
