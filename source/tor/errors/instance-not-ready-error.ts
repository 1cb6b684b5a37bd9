import type {InstanceState} from '../../pool/pool-backend.js';

/** A rotation was asked of a Tor instance that is not serving (starting, restarting, down, stopped, ...). */
export class InstanceNotReadyError extends Error {
	override readonly name = 'InstanceNotReadyError';

	constructor(readonly instanceId: string, readonly state: InstanceState, options?: ErrorOptions) {
		super(`instance ${instanceId} is ${state}`, options);
	}
}
