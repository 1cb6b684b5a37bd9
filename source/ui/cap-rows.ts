export type CappedRows<T> = {
	readonly visible: readonly T[];
	/** Rows left out; the view says "… N more" on the last line. */
	readonly hidden: number;
};

/**
 * At most `max` lines of rows: when they do not fit, the last line is kept for "… N more", and the
 * window scrolls so the selected row stays visible.
 */
export function capRows<T>(rows: readonly T[], max: number, selectedIndex = -1): CappedRows<T> {
	if (rows.length <= max) {
		return {visible: rows, hidden: 0};
	}

	const size = Math.max(0, max - 1);
	const start = selectedIndex >= size ? Math.min(selectedIndex - size + 1, rows.length - size) : 0;
	return {visible: rows.slice(start, start + size), hidden: rows.length - size};
}
