/**
 * The registry's Lua scripts: each runs atomically in Redis, so a claim is never renewed or
 * released by anyone but its holder, and two reports never lose the longer avoidance.
 */

/** KEYS[1] claim; ARGV[1] holder, ARGV[2] ttl ms. Renew if ours, re-take if gone; 1 held, 0 someone else's. */
export const renewScript = `
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
	redis.call('PEXPIRE', KEYS[1], ARGV[2])
	return 1
end
if not holder then
	redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
	return 1
end
return 0`;

/** KEYS[1] claim; ARGV[1] holder. Delete only if ours; 1 deleted, 0 not ours (or gone). */
export const releaseScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
	return redis.call('DEL', KEYS[1])
end
return 0`;

/**
 * KEYS[1] avoid key, KEYS[2] avoided set; ARGV[1] fingerprint, ARGV[2] avoid ms, ARGV[3] report
 * JSON without its end time. Keeps whichever avoidance ends later; prunes ended members; the set
 * expires with its last member. Returns the report as stored (with untilMs).
 */
export const reportScript = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local untilMs = now + tonumber(ARGV[2])
local left = redis.call('PTTL', KEYS[1])
if left > 0 and now + left >= untilMs then
	return redis.call('GET', KEYS[1])
end
local report = cjson.decode(ARGV[3])
report['untilMs'] = untilMs
local text = cjson.encode(report)
redis.call('SET', KEYS[1], text, 'PX', ARGV[2])
redis.call('ZADD', KEYS[2], untilMs, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[2], last[2])
return text`;

/** KEYS[1] avoided set; no ARGV. Prune ended members; returns the fingerprints still avoided. */
export const avoidedScript = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZRANGE', KEYS[1], 0, -1)`;
