/**
 * Share `budget` lines between sections that want `wants[i]` lines each: every section gets one
 * line first (for its rows or its "none" line), then lines go round-robin to sections that want
 * more, so no table starves another.
 */
export function allocateRows(budget: number, wants: readonly number[]): number[] {
	const given = wants.map(() => 0);
	let left = Math.max(0, budget);
	for (let index = 0; index < wants.length && left > 0; index++) {
		given[index] = 1;
		left--;
	}

	let progress = true;
	while (left > 0 && progress) {
		progress = false;
		for (const [index, want] of wants.entries()) {
			if (left > 0 && given[index]! < want) {
				given[index]!++;
				left--;
				progress = true;
			}
		}
	}

	return given;
}
