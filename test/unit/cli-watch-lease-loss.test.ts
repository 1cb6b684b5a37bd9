import {EventEmitter} from 'node:events';
import {describe, expect, it, vi} from 'vitest';
import {watchLeaseLoss} from '../../source/commands/watch-lease-loss.js';
import type {ClientEvents} from '../../source/core/client-events.js';
import {ClientProxy} from '../../source/core/client-proxy.js';
import {ProxyDownError} from '../../source/core/errors/proxy-down-error.js';

function proxyOn(port: number): ClientProxy {
	const lease = {leaseId: `lease-${port}`, proxyId: `tor-${port}`, host: '127.0.0.1', port, expiresInMs: 2000, ttlMs: 2000, heartbeatIntervalMs: 1000, heartbeatTimeoutMs: 5000};
	return new ClientProxy(lease, 'provider', {destroy: async () => undefined, rotate: async () => undefined}, {username: 'u', password: 'p'});
}

describe('watchLeaseLoss', () => {
	it('reports the first lease that ends, with its reason, once', () => {
		const client = new EventEmitter<ClientEvents>();
		const onLost = vi.fn();
		watchLeaseLoss(client, onLost);
		client.emit('proxy-end', proxyOn(9050), 'ttl');
		client.emit('proxy-end', proxyOn(9051), 'ttl');
		expect(onLost).toHaveBeenCalledExactlyOnceWith({url: 'socks5h://127.0.0.1:9050', reason: 'ttl'});
	});

	it('reports a proxy that went down, with why', () => {
		const client = new EventEmitter<ClientEvents>();
		const onLost = vi.fn();
		watchLeaseLoss(client, onLost);
		client.emit('proxy-down', new ProxyDownError(proxyOn(9052), 'no heartbeat answer from its provider'));
		expect(onLost).toHaveBeenCalledExactlyOnceWith({url: 'socks5h://127.0.0.1:9052', reason: 'no heartbeat answer from its provider'});
	});

	it('stops listening when told', () => {
		const client = new EventEmitter<ClientEvents>();
		const onLost = vi.fn();
		const stop = watchLeaseLoss(client, onLost);
		stop();
		client.emit('proxy-end', proxyOn(9053), 'provider-stopping');
		expect(onLost).not.toHaveBeenCalled();
		expect(client.listenerCount('proxy-end') + client.listenerCount('proxy-down')).toBe(0);
	});
});
