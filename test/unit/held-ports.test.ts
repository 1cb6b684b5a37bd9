import {describe, expect, test} from 'vitest';
import {holdPorts} from '../../source/util/held-ports.js';
import {isPortFree} from '../../source/util/free-port.js';

describe('holdPorts', () => {
	test('holds distinct ports until each is released, and release() is idempotent', async () => {
		const held = await holdPorts(4);
		try {
			expect(new Set(held.ports).size).toBe(4);
			for (const port of held.ports) {
				// eslint-disable-next-line no-await-in-loop
				expect(await isPortFree(port)).toBe(false);
			}

			const [first = 0, second = 0, ...rest] = held.ports;
			await held.release([first]);
			await held.release([first]);
			expect(await isPortFree(first)).toBe(true);
			expect(await isPortFree(second)).toBe(false);
			await held.release();
			await Promise.all([held.release(), held.release()]);
			for (const port of [second, ...rest]) {
				// eslint-disable-next-line no-await-in-loop
				expect(await isPortFree(port)).toBe(true);
			}
		} finally {
			await held.release();
		}
	});
});
