import {shortProxyUrl} from './short-proxy-url.js';
import type {ClientSnapshot, SlotView} from './client-snapshot.js';
import {formatDuration} from './format-duration.js';
import {shortId} from './short-id.js';
import type {Cell, Column, TableRow} from './table-layout.js';
import type {RotationState} from './use-rotation-state.js';

export const proxyColumns: readonly Column[] = [
	{header: 'url', width: 25, grow: 12},
	{header: 'exit ip', width: 15, grow: 24},
	{header: 'provider', width: 8, drop: 2},
	{header: 'age', width: 6, align: 'right', drop: 3},
	{header: 'ttl left', width: 8, align: 'right', drop: 1},
	{header: 'hb ago', width: 6, align: 'right'},
];

/** A heartbeat answer older than this shows in yellow (providers ask for one every second by default). */
export const heartbeatLateMs = 3000;

/** Rows in display order: the slots the screen keeps, then any others (being released, or leased elsewhere). */
export function orderSlots(slots: readonly SlotView[], kept: readonly string[]): SlotView[] {
	const byId = new Map(slots.map(slot => [slot.slotId, slot]));
	const ordered = kept.flatMap(id => byId.get(id) ?? []);
	const keptIds = new Set(kept);
	return [...ordered, ...slots.filter(slot => !keptIds.has(slot.slotId))].filter(slot => slot.phase !== 'closed');
}

function exitCell(slot: SlotView, rotations: RotationState): Cell {
	const status = slot.proxy && rotations[slot.proxy.leaseId];
	if (status?.kind === 'rotating') {
		return {text: 'rotating…', color: 'yellow'};
	}

	if (status?.kind === 'failed') {
		return {text: 'rotate failed', color: 'red'};
	}

	const exitIp = slot.proxy?.exitIp ?? '-';
	// Not enough exits in the cluster for everyone: this one is shared with another proxy.
	return slot.proxy?.sharedExit ? {text: `${exitIp} shared`, color: 'yellow'} : exitIp;
}

export function selectProxyRows({slots, at}: {slots: readonly SlotView[]; at: number}, rotations: RotationState): TableRow[] {
	return slots.map((slot): TableRow => {
		const {proxy} = slot;
		if (slot.phase === 'requesting' || !proxy) {
			const waited = formatDuration(at - (slot.wantingSince ?? at));
			const note = slot.phase === 'linking'
				? `linking with provider ${shortId(slot.providerId)}… ${waited}`
				: (slot.phase === 'closing' ? 'releasing…' : `waiting for a provider… ${waited}`);
			return {id: slot.slotId, note: {text: note, color: slot.phase === 'closing' ? 'gray' : 'yellow'}};
		}

		if (slot.phase === 'closing') {
			return {id: slot.slotId, note: {text: `releasing ${shortProxyUrl(proxy.url)} (${proxy.exitIp ?? '-'})…`, color: 'gray'}};
		}

		const sinceAnswer = at - proxy.lastHeartbeatAt;
		return {
			id: slot.slotId,
			cells: [
				shortProxyUrl(proxy.url),
				exitCell(slot, rotations),
				shortId(slot.providerId),
				formatDuration(at - proxy.linkedAt),
				formatDuration(proxy.expiresAt - at),
				{text: formatDuration(sinceAnswer), color: sinceAnswer >= heartbeatLateMs ? 'yellow' : 'green'},
			],
		};
	});
}

/** The header's counts line. */
export function clientCounts({slots, dropped}: ClientSnapshot, wanted: number): string {
	const leased = slots.filter(slot => slot.phase === 'linked').length;
	const waiting = slots.filter(slot => slot.phase === 'requesting' || slot.phase === 'linking').length;
	return `wanted ${wanted} · leased ${leased} · waiting ${waiting} · dropped ${dropped}`;
}

/** How long a first answer may take before the screen says nobody answers (a provider answers in milliseconds). */
export const waitingBannerAfterMs = 1000;

/** When proxies are wanted and none is leased for a while: the prominent "nobody answers" line. */
export function waitingBanner({slots, waitingSince, at}: ClientSnapshot, namespace: string): string | undefined {
	if (waitingSince === undefined || at - waitingSince < waitingBannerAfterMs || slots.some(slot => slot.phase === 'linked')) {
		return undefined;
	}

	return `No provider has answered for ${formatDuration(at - waitingSince)}: still asking on namespace ${namespace}`;
}
