import type {Client} from '../../core/client.js';
import {clientLogText} from '../client-log-text.js';
import {takeClientSnapshot, type ClientSnapshot} from '../client-snapshot.js';
import {useEventLogState, type EventLog} from '../use-event-log-state.js';
import {useCoreEvent} from './use-core-event.js';
import {useInterval} from './use-interval.js';
import {useSnapshotStore} from './use-snapshot-store.js';

export type ClientScreen = {
	readonly snapshot: ClientSnapshot;
	readonly log: EventLog;
};

/**
 * Everything the client screen shows: a throttled snapshot (re-read on any client event and every
 * second, at most every 150 ms) and a log of the events worth a line.
 */
export function useClientScreen(client: Client, now: () => number): ClientScreen {
	const {snapshot, invalidate} = useSnapshotStore(() => takeClientSnapshot(client, now()), 150);
	const log = useEventLogState(now);
	const {append} = log;

	useCoreEvent(client, 'change', invalidate);
	useInterval(invalidate, 1000);

	useCoreEvent(client, 'proxy-ready', proxy => {
		append(clientLogText.ready(proxy));
	});
	useCoreEvent(client, 'proxy-end', (proxy, reason) => {
		append(clientLogText.end(proxy, reason));
	});
	useCoreEvent(client, 'proxy-down', error => {
		append(clientLogText.down(error), 'warning');
	});
	useCoreEvent(client, 'proxy-drop', drop => {
		append(clientLogText.drop(drop));
	});
	useCoreEvent(client, 'proxy-rotated', (proxy, previous) => {
		invalidate();
		append(clientLogText.rotated(proxy, previous));
	});
	useCoreEvent(client, 'proxy-update', proxy => {
		invalidate();
		append(clientLogText.update(proxy));
	});
	useCoreEvent(client, 'proxy-error', error => {
		append(clientLogText.error(error), 'warning');
	});
	return {snapshot, log};
}
