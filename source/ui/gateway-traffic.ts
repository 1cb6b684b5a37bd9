import type {Traffic} from '../front/traffic-meter.js';

const units = ['B', 'kB', 'MB', 'GB', 'TB'] as const;

/** Bytes for a narrow column, in powers of 1000: `512 B`, `34 kB`, `1.2 MB` (one decimal under 10). */
export function formatBytes(bytes: number): string {
	let value = bytes;
	let unit = 0;
	while (value >= 1000 && unit < units.length - 1) {
		value /= 1000;
		unit++;
	}

	const text = unit === 0 || value >= 10 ? String(Math.round(value)) : value.toFixed(1);
	// 999.6 kB rounds to "1000 kB": say 1.0 MB instead.
	return text === '1000' && unit < units.length - 1 ? `1.0 ${units[unit + 1]}` : `${text} ${units[unit]}`;
}

/** A session's traffic as its clients see it: `↓` what they received, `↑` what they sent. */
export function formatTraffic({bytesIn, bytesOut}: Traffic): string {
	return `↓${formatBytes(bytesOut)} ↑${formatBytes(bytesIn)}`;
}
