import type {AvoidedExit} from '../tor/exit-registry.js';
import {formatDuration} from './format-duration.js';

/** One line for the provider screen: the exits the cluster avoids, each with why and for how long (pure, for tests). */
export function avoidedExitsText(avoided: readonly AvoidedExit[], now: number): string | undefined {
	if (avoided.length === 0) {
		return undefined;
	}

	const items = [...avoided].sort((a, b) => a.untilMs - b.untilMs).map(exit => `${exit.fingerprint.slice(0, 8)} ${exit.kind}${exit.domain ? ` (${exit.domain})` : ''} ${formatDuration(Math.max(0, exit.untilMs - now))}`);
	return `avoided exits (${avoided.length}): ${items.join(' · ')}`;
}
