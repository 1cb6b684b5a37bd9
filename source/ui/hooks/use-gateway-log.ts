import type {Gateway} from '../../gateway/gateway.js';
import {useEventLogState, type EventLog} from '../use-event-log-state.js';
import {useCoreEvent} from './use-core-event.js';
import {formatTraffic} from '../gateway-traffic.js';

/** The gateway screen's log: one line per session event. */
export function useGatewayLog(gateway: Gateway, now: () => number): EventLog {
	const log = useEventLogState(now);
	useCoreEvent(gateway, 'leased', view => {
		log.append(`session ${view.key} leased exit ${view.exitIp ?? '?'}`);
	});
	useCoreEvent(gateway, 'lease-lost', (key, exitIp, reason) => {
		log.append(`session ${key} lost its lease on ${exitIp ?? '?'} (${reason}): leasing another`, 'warning');
	});
	useCoreEvent(gateway, 'moved', (view, previous) => {
		log.append(`session ${view.key} moved ${previous ?? '?'} → ${view.exitIp ?? '?'}`);
	});
	useCoreEvent(gateway, 'rotated', change => {
		log.append(`session ${change.key} ${change.cause === 'failure' ? 'failure reported' : 'rotated'}: ${change.previousExitIp ?? '?'} → ${change.exitIp ?? '?'}`);
	});
	useCoreEvent(gateway, 'closed', (key, reason, traffic) => {
		log.append(`session ${key} closed (${reason}, ${formatTraffic(traffic)})`);
	});
	useCoreEvent(gateway, 'refused', (key, message) => {
		log.append(`session ${key}: ${message}`, 'warning');
	});
	useCoreEvent(gateway, 'warning', error => {
		log.append(error.message, 'warning');
	});
	return log;
}
