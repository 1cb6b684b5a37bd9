import type {SlotSnapshot} from '../core/client.js';
import type {SessionView} from '../gateway/session-record.js';
import {formatDuration} from './format-duration.js';
import {formatTraffic} from './gateway-traffic.js';
import {shortId} from './short-id.js';
import type {Column, TableRow} from './table-layout.js';

export const sessionColumns: readonly Column[] = [
	{header: 'session', width: 14, grow: 2},
	{header: 'state', width: 8},
	{header: 'exit', width: 15},
	{header: 'provider', width: 8, drop: 3},
	{header: 'age', width: 6, align: 'right'},
	{header: 'conns', width: 5, align: 'right'},
	{header: 'traffic', width: 16, align: 'right', drop: 1},
	{header: 'relayed', width: 7, align: 'right', drop: 2},
	{header: 'moves', width: 5, align: 'right', drop: 4},
];

/** One table row per session, oldest first (pure, for the screen and its tests). */
export function sessionRows(sessions: readonly SessionView[], now: number): TableRow[] {
	return [...sessions].sort((a, b) => a.createdAt - b.createdAt).map(session => ({
		id: session.key,
		cells: [
			session.key,
			{text: session.phase, color: session.phase === 'leased' ? 'green' : 'yellow'},
			session.exitIp ?? '—',
			session.providerId === undefined ? '—' : shortId(session.providerId),
			formatDuration(now - session.createdAt),
			String(session.connections),
			formatTraffic(session),
			String(session.relayed),
			String(session.moves + session.rotations),
		],
	}));
}

/** The counts line: sessions by phase, warm leases, open connections. */
export function gatewayCounts(sessions: readonly SessionView[], warm: number, open: number): string {
	const leased = sessions.filter(session => session.phase === 'leased').length;
	return `${sessions.length} sessions · ${leased} leased · ${sessions.length - leased} waiting · ${warm} warm · ${open} connections`;
}

export const leaseColumns: readonly Column[] = [
	{header: 'lease', width: 8},
	{header: 'held by', width: 14, grow: 2},
	{header: 'state', width: 8},
	{header: 'exit', width: 15},
	{header: 'provider', width: 8, drop: 2},
	{header: 'expires', width: 7, align: 'right', drop: 1},
];

/**
 * One row per lease the gateway's client holds or wants, with the session it serves ("warm" when
 * it waits for one); oldest first (pure, for the screen and its tests).
 */
export function leaseRows(slots: readonly SlotSnapshot[], sessions: readonly SessionView[], now: number): TableRow[] {
	const holders = new Map(sessions.flatMap(session => session.leaseId === undefined ? [] : [[session.leaseId, session.key] as const]));
	return [...slots].sort((a, b) => (a.proxy?.linkedAt ?? now) - (b.proxy?.linkedAt ?? now)).map(slot => {
		const {proxy} = slot;
		return {
			id: slot.slotId,
			cells: [
				proxy === undefined ? '—' : shortId(proxy.leaseId),
				proxy === undefined ? '—' : holders.get(proxy.leaseId) ?? 'warm',
				{text: slot.phase, color: slot.phase === 'linked' ? 'green' : 'yellow'},
				proxy?.exitIp ?? '—',
				slot.providerId === undefined ? '—' : shortId(slot.providerId),
				proxy === undefined ? '—' : formatDuration(Math.max(0, proxy.expiresAt - now)),
			],
		};
	});
}
