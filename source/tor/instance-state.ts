import {type Status, isStopped} from '../core/status.js';
import type {InstanceState} from '../pool/pool-backend.js';

/**
 * What the pool shows of a Tor instance, derived from its one lifecycle status:
 * `idle`/`starting` → `starting`; `ready` → `rotating` while a rotation runs, else `ready`;
 * `offline` → `restarting` while a new Tor comes up, else `down` (waiting for the restart);
 * `stopping`/`stopped` → `stopped` (it serves nothing any more).
 */
export function instanceState(status: Status, {rotating, torStatus}: {rotating: boolean; torStatus: Status | undefined}): InstanceState {
	switch (status) {
		case 'idle':
		case 'starting': {
			return 'starting';
		}

		case 'ready': {
			return rotating ? 'rotating' : 'ready';
		}

		case 'offline': {
			return torStatus !== undefined && !isStopped(torStatus) ? 'restarting' : 'down';
		}

		case 'stopping':
		case 'stopped': {
			return 'stopped';
		}
	}
}
