/**
 * A proxy slot was asked to move to a state the protocol does not draw from where it is (docs/protocol.md
 * §5.3). Correct code never triggers it: it marks a bug in the provider, so it is thrown, not reported.
 */
export class SlotTransitionError extends Error {
	override readonly name = 'SlotTransitionError';

	constructor(readonly proxyId: string, readonly from: string, readonly to: string, options?: ErrorOptions) {
		super(`proxy ${proxyId} cannot go from ${from} to ${to}`, options);
	}
}
