/**
 * Loaded by `nightcrawler run` into every Node process and worker thread of the command it runs
 * (NODE_OPTIONS `--require`, which Node 20 also runs in workers; `--import` it does not), before the
 * program's own code: built-in fetch goes through the leased proxy, or refuses every request when
 * that cannot be arranged, and says so once on stderr. CommonJS, so it installs synchronously.
 */
import {installFetchProxy} from './install-fetch-proxy.cjs';

const outcome = installFetchProxy(process.env);
if (!outcome.proxied) {
	process.stderr.write(`nightcrawler run: fetch will refuse every request in this process: ${outcome.reason}\n`);
}
