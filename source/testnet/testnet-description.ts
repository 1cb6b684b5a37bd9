import {z} from 'zod';

/**
 * What another host needs to join a running testnet: the client torrc lines (TestingTorNetwork and
 * the DirAuthority lines, with the address the relays listen on) and the echo server's URLs as the
 * exits must be asked for it. Served as JSON by `serveDescription`, read by `fetchTestnet`.
 */
export const testnetDescriptionSchema = z.object({
	// Only what joining needs: these lines go into the joining host's own Tor configuration.
	torrcLines: z.array(z.string().max(1000).regex(/^(TestingTorNetwork 1|DirAuthority [\w .:=-]+)$/)).min(2).max(100),
	checkUrl: z.url({protocol: /^http$/}),
	checkHostUrl: z.url({protocol: /^http$/}),
	exits: z.array(z.string().max(100)).max(253),
});

export type TestnetDescription = z.infer<typeof testnetDescriptionSchema>;

/** The path the description is served at. */
export const descriptionPath = '/testnet.json';
