/** Why the bus dropped an incoming message. Every drop is counted under its reason. */
export type DropReason =
	| 'too-large'
	| 'bad-json'
	| 'bad-envelope'
	| 'unknown-event'
	| 'bad-data'
	| 'wrong-channel'
	| 'no-listener'
	| 'listener-error'
	| 'test-drop';

export const dropReasons: readonly DropReason[] = [
	'too-large',
	'bad-json',
	'bad-envelope',
	'unknown-event',
	'bad-data',
	'wrong-channel',
	'no-listener',
	'listener-error',
	'test-drop',
];
