import type {ScenarioResult} from './scenario.js';

function seconds(ms: number | undefined): string {
	if (ms === undefined) {
		return '—';
	}

	return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** The results as a Markdown table (it goes into the README as printed), then each scenario's notes. */
export function formatTable(results: readonly ScenarioResult[]): string {
	const header = ['scenario', 'clients served', 'double leases', 'proxies lost', 'crashes', 'recovery', 'CPU (one core)', 'peak RSS (all)', 'took'];
	const rows = results.map(result => [
		result.name,
		String(result.served),
		String(result.doubleLeases),
		Number.isNaN(result.proxiesLost) ? '?' : String(result.proxiesLost),
		String(result.crashes),
		seconds(result.recoveryMs),
		`${Math.round(result.cpuPercent)}%`,
		`${Math.round(result.peakRssMb)} MB`,
		`${Math.round(result.durationMs / 1000)} s`,
	]);
	const lines = [header, header.map(() => '---'), ...rows].map(cells => `| ${cells.join(' | ')} |`);
	const notes = results.filter(result => result.notes.length > 0).map(result => `- ${result.name}: ${result.notes.join('; ')}`);
	return [...lines, '', ...notes].join('\n');
}

/** Did the run keep every promise: no double lease, no lost proxy, no crash, every scenario finished? */
export function allKept(results: readonly ScenarioResult[]): boolean {
	return results.every(result => result.doubleLeases === 0 && result.proxiesLost === 0 && result.crashes === 0 && !result.notes.some(note => note.startsWith('failed')));
}
