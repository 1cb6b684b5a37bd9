/** The private Tor network could not be brought up; everything already started has been stopped. */
export class TestnetError extends Error {
	override readonly name = 'TestnetError';

	constructor(message: string, options?: {cause?: unknown}) {
		super(message, options);
	}
}
