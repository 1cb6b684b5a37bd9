import {allocateRows} from './allocate-rows.js';

export type ClientLayout = {readonly proxyRows: number; readonly logRows: number};

/**
 * Share the screen's lines: two header lines, the waiting banner when shown, the proxies table,
 * the log and a footer. One line is left free so Ink never sees a full screen.
 */
export function clientLayout(rows: number, counts: {slots: number; logEntries: number; banner: boolean}): ClientLayout {
	const fixed = 2 + (counts.banner ? 1 : 0) + 2 + 1 + 1;
	const [proxyRows = 0, logRows = 0] = allocateRows(rows - 1 - fixed, [counts.slots, counts.logEntries]);
	return {proxyRows, logRows};
}
