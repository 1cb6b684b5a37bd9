import {describe, expect, it} from 'vitest';
import {instanceState} from '../../source/tor/instance-state.js';

describe('instanceState', () => {
	it('maps the lifecycle status to what the pool shows', () => {
		const quiet = {rotating: false, torStatus: undefined};
		expect(instanceState('idle', quiet)).toBe('starting');
		expect(instanceState('starting', {rotating: false, torStatus: 'starting'})).toBe('starting');
		expect(instanceState('ready', {rotating: false, torStatus: 'ready'})).toBe('ready');
		expect(instanceState('ready', {rotating: true, torStatus: 'ready'})).toBe('rotating');
		expect(instanceState('stopping', {rotating: false, torStatus: 'stopping'})).toBe('stopped');
		expect(instanceState('stopped', quiet)).toBe('stopped');
	});

	it('tells a Tor waiting for its restart (down) from one coming back up (restarting)', () => {
		expect(instanceState('offline', {rotating: false, torStatus: 'stopped'})).toBe('down');
		expect(instanceState('offline', {rotating: false, torStatus: undefined})).toBe('down');
		expect(instanceState('offline', {rotating: false, torStatus: 'idle'})).toBe('restarting');
		expect(instanceState('offline', {rotating: false, torStatus: 'starting'})).toBe('restarting');
		expect(instanceState('offline', {rotating: false, torStatus: 'ready'})).toBe('restarting');
	});
});
