import path from 'node:path';
import {MemoryBackend} from '../pool/memory-backend.js';
import type {PoolBackend} from '../pool/pool-backend.js';
import {TorBackend} from '../tor/tor-backend.js';
import type {ProviderFlags} from '../cli/flag-schemas.js';

/** A private network to join; its own directory holds the instances' data (new keys each run: no cache is worth keeping). */
export type JoinedNetwork = {readonly torrcFile: string; readonly checkUrl: string; readonly dir: string};

/**
 * The pool a provider leases from: Tor instances, or (`--backend memory`, hidden, for tests and
 * demos) pretend proxies that nothing listens on. With a private network, its torrc and check URL.
 */
export async function createBackend(flags: ProviderFlags, network?: JoinedNetwork): Promise<PoolBackend> {
	if (flags.backend === 'memory') {
		return new MemoryBackend({count: flags.tors, basePort: flags.basePort});
	}

	// Before anything else starts, so a missing tor is one line naming the fix.
	await TorBackend.assertTorAvailable(flags.tor);
	return new TorBackend({
		count: flags.tors,
		torPath: flags.tor,
		torrcFile: network?.torrcFile ?? flags.torrc,
		checkUrl: network?.checkUrl ?? flags.ipCheckUrl,
		fresh: flags.fresh,
		cacheDirectory: network ? path.join(network.dir, 'provider-tor') : undefined,
		basePort: flags.basePort,
	});
}
