import {shortProxyUrl} from './short-proxy-url.js';
import type {ClientProxy} from '../core/client-proxy.js';
import type {ProxyDrop} from '../core/client-events.js';
import {shortId} from './short-id.js';

/** One log line per client event worth a line. */
export const clientLogText = {
	ready: (proxy: ClientProxy) => `leased ${shortProxyUrl(proxy.url)} (${proxy.exitIp ?? 'exit ?'}) from ${shortId(proxy.clusterId)}`,
	end: (proxy: ClientProxy, reason: string) => `lease of ${shortProxyUrl(proxy.url)} ended: ${reason}`,
	down: (error: Error) => `proxy down: ${error.message}`,
	drop: (drop: ProxyDrop) => `offer from ${shortId(drop.providerId)} fell through: ${drop.reason}`,
	rotated: (proxy: ClientProxy, previous: string | undefined) => `rotated ${shortProxyUrl(proxy.url)}: ${previous ?? '?'} → ${proxy.exitIp ?? '?'}`,
	update: (proxy: ClientProxy) => `provider changed ${shortProxyUrl(proxy.url)}: exit now ${proxy.exitIp ?? '?'}`,
	rotateFailed: (url: string, error: unknown) => `rotating ${shortProxyUrl(url)} failed: ${error instanceof Error ? error.message : String(error)}`,
	error: (error: Error) => `warning: ${error.message}`,
};
