import type {LeaseSnapshot} from '../core/lease/lease-records.js';
import type {InstanceSnapshot} from '../pool/pool-backend.js';
import {formatDuration} from './format-duration.js';
import type {ProviderSnapshot} from './provider-snapshot.js';
import {shortId} from './short-id.js';
import type {Cell, Column, TableRow} from './table-layout.js';

export const instanceColumns: readonly Column[] = [
	{header: 'id', width: 8, grow: 6},
	{header: 'socks', width: 5, align: 'right'},
	{header: 'http', width: 5, align: 'right', drop: 2},
	{header: 'state', width: 13, grow: 2},
	{header: 'exit ip', width: 15, grow: 24},
	{header: 'uptime', width: 7, align: 'right', drop: 1},
	{header: 'rot', width: 3, align: 'right', drop: 3},
];

export const linkColumns: readonly Column[] = [
	{header: 'client', width: 8},
	{header: 'proxy', width: 7, grow: 10},
	{header: 'age', width: 6, align: 'right'},
	{header: 'ttl left', width: 8, align: 'right'},
];

export const heartbeatColumns: readonly Column[] = [
	{header: 'client', width: 8},
	{header: 'last', width: 6, align: 'right'},
	{header: 'missed', width: 6, align: 'right'},
	{header: 'status', width: 6, grow: 2},
];

/** A pool instance's state as shown: a ready instance that holds a lease is "leased". */
export function instanceState(instance: InstanceSnapshot, leased: boolean): Cell {
	switch (instance.state) {
		case 'starting': {
			return {text: instance.bootstrap === undefined ? 'starting' : `starting ${Math.round(instance.bootstrap)}%`, color: 'yellow'};
		}

		case 'ready': {
			return leased ? {text: 'leased', color: 'cyan'} : {text: 'ready', color: 'green'};
		}

		case 'rotating':
		case 'restarting': {
			return {text: instance.state, color: 'yellow'};
		}

		case 'down': {
			return {text: 'down', color: 'red'};
		}

		case 'stopped': {
			return {text: 'stopped', color: 'gray'};
		}
	}
}

export function selectInstanceRows({instances, leases, at}: ProviderSnapshot): TableRow[] {
	const leased = new Set(leases.map(lease => lease.proxyId));
	return instances.map(instance => {
		const up = instance.startedAt !== undefined && instance.state !== 'down' && instance.state !== 'stopped';
		return {
			id: instance.id,
			cells: [
				instance.id,
				String(instance.port),
				instance.httpPort === undefined ? '-' : String(instance.httpPort),
				instanceState(instance, leased.has(instance.id)),
				instance.exitIp ?? '-',
				up ? formatDuration(at - instance.startedAt!) : '-',
				String(instance.rotations),
			],
		};
	});
}

export function selectLinkRows({leases, at}: ProviderSnapshot): TableRow[] {
	return leases.map(lease => ({
		id: lease.leaseId,
		cells: [
			shortId(lease.clientId),
			lease.rotating ? `${lease.proxyId} (rotating)` : lease.proxyId,
			formatDuration(at - lease.createdAt),
			formatDuration(lease.expiresAt - at),
		],
	}));
}

export type HeartbeatStatus = 'ok' | 'late' | 'lost';

/** Heartbeats missed since the last one (floored), and whether the lease is in danger. */
export function heartbeatHealth(sinceMs: number, intervalMs: number, timeoutMs: number): {missed: number; status: HeartbeatStatus} {
	const missed = intervalMs > 0 ? Math.max(0, Math.floor(sinceMs / intervalMs)) : 0;
	const status: HeartbeatStatus = sinceMs >= timeoutMs ? 'lost' : (missed >= 2 ? 'late' : 'ok');
	return {missed, status};
}

const statusColor = {ok: 'green', late: 'yellow', lost: 'red'} as const;

export function selectHeartbeatRows({leases, at}: ProviderSnapshot, timings: {heartbeatIntervalMs: number; heartbeatTimeoutMs: number}): TableRow[] {
	return leases.map((lease: LeaseSnapshot) => {
		const since = at - lease.lastHeartbeatAt;
		const {missed, status} = heartbeatHealth(since, timings.heartbeatIntervalMs, timings.heartbeatTimeoutMs);
		return {
			id: lease.leaseId,
			cells: [shortId(lease.clientId), formatDuration(since), String(missed), {text: status, color: statusColor[status]}],
		};
	});
}

/** The header's counts line. */
export function providerCounts({instances, leases, dropped, forged, refused}: ProviderSnapshot): string {
	const ready = instances.filter(instance => instance.state === 'ready').length;
	return `instances ${ready}/${instances.length} ready · ${leases.length} leased · dropped ${dropped} · forged ${forged}${refusedText(refused)}`;
}

/** `· refused 4 (bad-credentials 3, no-credentials 1)`: the front's refusals by reason, when there were any. */
function refusedText(refused: ProviderSnapshot['refused']): string {
	const reasons = Object.entries(refused ?? {}).filter(([, count]) => count > 0).sort(([, a], [, b]) => b - a);
	const total = reasons.reduce((sum, [, count]) => sum + count, 0);
	return total === 0 ? '' : ` · refused ${total} (${reasons.map(([reason, count]) => `${reason} ${count}`).join(', ')})`;
}
