import {describe, expect, it} from 'vitest';
import {Channels} from '../../source/core/bus/channels.js';
import {decodeMessage, type DecodeContext} from '../../source/core/bus/decode-message.js';
import {providerInbound} from '../../source/core/lease/messages.js';

const self = '7d7b1b0e-5c1a-4f8e-9d7e-2f8a1c3b4d5e';
const sender = '0f4a8c1e-2b3d-4e5f-8a9b-1c2d3e4f5a6b';
const requestId = '5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e';
const channels = new Channels('ns');
const context: DecodeContext = {id: self, channels, directChannel: channels.direct(self), inbound: providerInbound, maxMessageBytes: 512};
const decode = (channel: string, value: unknown) => decodeMessage(channel, typeof value === 'string' ? value : JSON.stringify(value), context);
const reason = (channel: string, value: unknown) => {
	const decoded = decode(channel, value);
	return decoded.ok ? 'ok' : decoded.reason;
};

describe('decodeMessage: what the bus lets through', () => {
	it('passes a broadcast on its event channel and a directed message on ours, with parsed data', () => {
		expect(decode(channels.broadcast('proxy:request'), {event: 'proxy:request', UUID: sender, data: {requestId}})).toEqual({
			ok: true,
			direct: false,
			message: {event: 'proxy:request', from: sender, to: undefined, data: {requestId}},
		});
		const directed = decode(channels.direct(self), {event: 'proxy:decline', UUID: sender, to: self, data: {offerId: requestId, extra: 1}});
		expect(directed).toEqual({ok: true, direct: true, message: {event: 'proxy:decline', from: sender, to: self, data: {offerId: requestId}}});
	});

	it('names the reason of every drop', () => {
		const request = {event: 'proxy:request', UUID: sender, data: {requestId}};
		const broadcast = channels.broadcast('proxy:request');
		expect(reason(broadcast, '{"event":')).toBe('bad-json');
		expect(reason(broadcast, {...request, extra: true})).toBe('bad-envelope');
		expect(reason(broadcast, {...request, UUID: 'not-a-uuid'})).toBe('bad-envelope');
		expect(reason(broadcast, {...request, data: {requestId: 'nope'}})).toBe('bad-data');
		// A broadcast must not name a target, and must come on its own event's channel.
		expect(reason(broadcast, {...request, to: self})).toBe('wrong-channel');
		expect(reason(channels.broadcast('proxy:link'), request)).toBe('wrong-channel');
		// A directed message must be addressed to us.
		expect(reason(channels.direct(self), {...request, to: sender})).toBe('wrong-channel');
		expect(reason(channels.broadcast('proxy:teleport'), {event: 'proxy:teleport', UUID: sender})).toBe('unknown-event');
		// An inherited property name is not an event.
		expect(reason(channels.broadcast('constructor'), {event: 'constructor', UUID: sender})).toBe('unknown-event');
	});

	it('drops a message over the size bound, counting bytes, not characters', () => {
		const broadcast = channels.broadcast('proxy:request');
		const padded = (pad: string) => JSON.stringify({event: 'proxy:request', UUID: sender, data: {requestId, pad}});
		const base = padded('').length;
		// 3-byte characters: under the bound in characters, over it in bytes.
		const wide = padded('€'.repeat(Math.ceil((512 - base) / 3) + 1));
		expect(wide.length).toBeLessThan(512);
		expect(decodeMessage(broadcast, wide, context)).toMatchObject({ok: false, reason: 'too-large'});
		expect(decodeMessage(broadcast, padded('x'.repeat(512 - base)), context).ok).toBe(true);
		expect(decodeMessage(broadcast, padded('x'.repeat(513 - base)), context)).toMatchObject({ok: false, reason: 'too-large', detail: `513 bytes on ${broadcast}`});
	});
});
