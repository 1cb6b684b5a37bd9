import {allocateRows} from './allocate-rows.js';

export type ProviderLayout = {
	/** Links and heartbeats side by side (wide enough), or one above the other. */
	readonly sideBySide: boolean;
	readonly poolRows: number;
	/** Row lines of the links table, and of the heartbeats table (same rows, one per lease). */
	readonly leaseRows: number;
	readonly logRows: number;
};

/** Narrowest terminal where the links and heartbeats tables fit next to each other. */
export const sideBySideColumns = 72;

/**
 * Share the screen's lines: two header lines (and any extra, such as the avoided exits), the pool, the links and heartbeats, the log and a
 * footer. One line is left free so Ink never sees a full screen (it would clear and redraw it).
 */
export function providerLayout(size: {columns: number; rows: number}, counts: {instances: number; leases: number; logEntries: number; extraHeaderLines?: number}): ProviderLayout {
	const sideBySide = size.columns >= sideBySideColumns;
	const fixed = 2 + (counts.extraHeaderLines ?? 0) + 2 + 2 + (sideBySide ? 0 : 2) + 1 + 1;
	const budget = size.rows - 1 - fixed;
	if (sideBySide) {
		const [poolRows = 0, leaseRows = 0, logRows = 0] = allocateRows(budget, [counts.instances, counts.leases, counts.logEntries]);
		return {sideBySide, poolRows, leaseRows, logRows};
	}

	const [poolRows = 0, linkRows = 0, heartbeatRows = 0, logRows = 0] = allocateRows(budget, [counts.instances, counts.leases, counts.leases, counts.logEntries]);
	return {sideBySide, poolRows, leaseRows: Math.min(linkRows, heartbeatRows), logRows};
}
