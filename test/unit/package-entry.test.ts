import {describe, expect, it} from 'vitest';
import * as nightcrawler from '../../source/index.js';

describe('the package entry', () => {
	it('exports the library API', () => {
		for (const name of ['Client', 'ClientProxy', 'Provider', 'Bus', 'MemoryBackend', 'TorBackend', 'startTestnet', 'ProxyDownError', 'LeaseTimeoutError', 'RotateError', 'ClosedError', 'RedisUnavailableError', 'RedisUnresponsiveError', 'TorNotFoundError']) {
			expect(typeof (nightcrawler as Record<string, unknown>)[name], name).toBe('function');
		}

		expect(nightcrawler.defaultCheckUrl).toBe('https://check.torproject.org/api/ip');
		expect(nightcrawler.defaultProviderTimings.leaseTtlMs).toBe(30 * 60 * 1000);
	});
});
