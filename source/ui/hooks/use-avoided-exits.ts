import {useEffect, useState} from 'react';
import type {AvoidedExit} from '../../tor/exit-registry.js';
import type {Provider} from '../../core/provider.js';
import {useCoreEvent} from './use-core-event.js';
import {useInterval} from './use-interval.js';

/**
 * The exits the whole cluster avoids now (reported burnt by any client), read from the provider's
 * registry every few seconds and at once when this provider records one.
 */
export function useAvoidedExits(provider: Provider, everyMs = 5000): readonly AvoidedExit[] {
	const [avoided, setAvoided] = useState<readonly AvoidedExit[]>([]);
	const refresh = () => {
		provider.avoidedExits().then(setAvoided, () => undefined);
	};

	useEffect(refresh, [provider]);
	useInterval(refresh, everyMs);
	useCoreEvent(provider, 'exit-avoided', refresh);
	return avoided;
}
