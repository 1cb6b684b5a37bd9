import type {Provider} from '../../core/provider.js';
import {providerLogText} from '../provider-log-text.js';
import {takeProviderSnapshot, type ProviderSnapshot} from '../provider-snapshot.js';
import {useEventLogState, type EventLog} from '../use-event-log-state.js';
import {useCoreEvent} from './use-core-event.js';
import {useInterval} from './use-interval.js';
import {useSnapshotStore} from './use-snapshot-store.js';

export type ProviderScreen = {
	readonly snapshot: ProviderSnapshot;
	readonly log: EventLog;
};

/**
 * Everything the provider screen shows: a throttled snapshot (re-read on any provider event and
 * every second, at most every 150 ms) and a log of the events worth a line.
 */
export function useProviderScreen(provider: Provider, now: () => number): ProviderScreen {
	const {snapshot, invalidate} = useSnapshotStore(() => takeProviderSnapshot(provider, now()), 150);
	const log = useEventLogState(now);
	const {append} = log;

	// High-rate: only mark the snapshot stale.
	useCoreEvent(provider, 'instance-change', invalidate);
	useCoreEvent(provider, 'heartbeat', invalidate);
	useCoreEvent(provider, 'offered', invalidate);
	useCoreEvent(provider, 'instance-ready', invalidate);
	useInterval(invalidate, 1000);

	useCoreEvent(provider, 'leased', lease => {
		invalidate();
		append(providerLogText.leased(lease));
	});
	useCoreEvent(provider, 'released', end => {
		invalidate();
		append(providerLogText.released(end));
	});
	useCoreEvent(provider, 'rotated', report => {
		invalidate();
		append(providerLogText.rotated(report));
	});
	useCoreEvent(provider, 'rotate-failed', (proxyId, error) => {
		invalidate();
		append(providerLogText.rotateFailed(proxyId, error), 'error');
	});
	useCoreEvent(provider, 'instance-down', (id, reason) => {
		invalidate();
		append(providerLogText.instanceDown(id, reason), 'warning');
	});
	useCoreEvent(provider, 'forged', (event, from) => {
		invalidate();
		append(providerLogText.forged(event, from), 'warning');
	});
	useCoreEvent(provider, 'warning', error => {
		invalidate();
		append(providerLogText.warning(error), 'warning');
	});
	useCoreEvent(provider, 'log', message => {
		append(message);
	});
	return {snapshot, log};
}
