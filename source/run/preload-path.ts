import {fileURLToPath} from 'node:url';

/** The fetch preload, next to this module in the built package (`dist/source/run/fetch-proxy-preload.cjs`). */
export const fetchProxyPreloadPath = fileURLToPath(new URL('fetch-proxy-preload.cjs', import.meta.url));
