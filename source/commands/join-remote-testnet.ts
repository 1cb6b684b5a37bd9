import type {ProviderFlags} from '../cli/flag-schemas.js';
import type {Shutdown} from '../cli/shutdown.js';
import {joinTestnet, type JoinedTestnet} from '../testnet/join-testnet.js';

/** `provider --join-testnet URL`: fetch the network's description; its torrc directory goes at shutdown. */
export async function joinRemoteTestnet(flags: ProviderFlags, shutdown: Shutdown): Promise<JoinedTestnet | undefined> {
	if (flags.joinTestnet === undefined) {
		return undefined;
	}

	const joined = await joinTestnet(flags.joinTestnet, {signal: shutdown.signal});
	shutdown.defer('the joined network\'s torrc', async () => joined.close());
	shutdown.notice(`joined the private Tor network at ${flags.joinTestnet}; its IP check page: ${joined.checkUrl}`);
	return joined;
}
