const unitMs: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000};

/**
 * Read a duration as people write it on a command line: `90s`, `30m`, `1h`, `1h30m`, `1.5h`, or a
 * bare number of milliseconds. Returns undefined for anything else.
 */
export function parseDuration(text: string): number | undefined {
	const trimmed = text.trim().toLowerCase();
	if (/^\d+(?:\.\d+)?$/.test(trimmed)) {
		return Math.round(Number(trimmed));
	}

	const part = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;
	let total = 0;
	let index = 0;
	while (index < trimmed.length) {
		part.lastIndex = index;
		const match = part.exec(trimmed);
		if (!match) {
			return undefined;
		}

		total += Number(match[1]) * (unitMs[match[2]!] ?? 0);
		index = part.lastIndex;
	}

	return index === 0 ? undefined : Math.round(total);
}
