/**
 * A duration as a terminal shows it: `0s`, `12s`, `1m05s`, `2h03m`, `3d04h`. Negative durations
 * (a TTL that ran out, a clock step) show as `0s`.
 */
export function formatDuration(ms: number): string {
	const seconds = Math.max(0, Math.floor(ms / 1000));
	if (seconds < 60) {
		return `${seconds}s`;
	}

	const minutes = Math.floor(seconds / 60);
	if (minutes < 60) {
		return `${minutes}m${pad2(seconds % 60)}s`;
	}

	const hours = Math.floor(minutes / 60);
	if (hours < 24) {
		return `${hours}h${pad2(minutes % 60)}m`;
	}

	return `${Math.floor(hours / 24)}d${pad2(hours % 24)}h`;
}

function pad2(n: number): string {
	return String(n).padStart(2, '0');
}
