/**
 * The Redis limiter's decisions, each one Lua script so that two replicas can never both take the
 * last slot, on Redis's clock (TIME) so that replicas' clocks may disagree: only durations cross
 * the wire. An account's log is a sorted set of holds: member = one call, score = the latest
 * instant (ms) it may still arrive at SalesBinder (see rate-limiter.ts for why holds end there).
 */
import type { Redis } from 'ioredis';

const NOW_MS = `local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)`;

/**
 * KEYS: the account's log, its block (the instant it ends). ARGV: calls allowed per short and
 * long window (headroom already taken off), the longest wait in ms, the window lengths, a unique
 * member, how long from now the call may arrive if it never answers. Places the call a window
 * after the cap-th latest end of each window (slotAfter in rate-limiter.ts). Replies
 * {code, ms, ends...}: code 0 granted after ms, 1 refused (a slot likely frees in ms: should the
 * calls on their way answer now), 2 blocked (for ms);
 * then every hold's end as an offset from now, which the replica keeps to start its fallback from.
 */
const ACQUIRE = `${NOW_MS}
local blockedUntil = tonumber(redis.call('GET', KEYS[2]) or '0')
if blockedUntil > now then return {2, blockedUntil - now} end
local perShort, perLong = tonumber(ARGV[1]), tonumber(ARGV[2])
local shortMs, longMs = tonumber(ARGV[4]), tonumber(ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - longMs)
local function endOf(i)
  local e = redis.call('ZREVRANGE', KEYS[1], i, i, 'WITHSCORES')[2]
  return e and tonumber(e)
end
local at, likely = now, now
local eShort, eLong = endOf(perShort - 1), endOf(perLong - 1)
if eShort then
  at = math.max(at, eShort + shortMs)
  likely = math.max(likely, math.min(eShort, now) + shortMs)
end
if eLong then
  at = math.max(at, eLong + longMs)
  likely = math.max(likely, math.min(eLong, now) + longMs)
end
local code, ms = 1, likely - now
if at - now <= tonumber(ARGV[3]) then
  code, ms = 0, at - now
  local holdEnd = math.max(at, now + tonumber(ARGV[7]))
  redis.call('ZADD', KEYS[1], holdEnd, ARGV[6])
  redis.call('PEXPIRE', KEYS[1], math.max(redis.call('PTTL', KEYS[1]), holdEnd - now + longMs))
end
local reply = {code, ms}
local log = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
for i = 2, #log, 2 do reply[#reply + 1] = tonumber(log[i]) - now end
return reply`;

/** KEYS: the log. ARGV: a member. SalesBinder answered that call: its hold ends now (never later than it did). */
const ANSWERED = `${NOW_MS}
local e = redis.call('ZSCORE', KEYS[1], ARGV[1])
if e and tonumber(e) > now then redis.call('ZADD', KEYS[1], 'XX', now, ARGV[1]) end
return 0`;

/** KEYS: the block. ARGV: its length in ms. Blocks only ever lengthen. Replies the ms left. */
const BLOCK = `${NOW_MS}
local untilMs = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if untilMs > current then
  redis.call('SET', KEYS[1], untilMs, 'PX', untilMs - now)
  return untilMs - now
end
return current - now`;

/** KEYS: the block. Replies the ms left, 0 when there is none. */
const BLOCKED_FOR = `${NOW_MS}
return math.max(0, tonumber(redis.call('GET', KEYS[1]) or '0') - now)`;

/**
 * KEYS: the log. ARGV: the long window in ms, then pairs of (end as an offset from now in ms,
 * member): calls a replica sent on its fallback share, written back so the shared windows count them.
 */
const RECORD = `${NOW_MS}
local longMs = tonumber(ARGV[1])
local latest = nil
for i = 2, #ARGV, 2 do
  local at = now + tonumber(ARGV[i])
  if at > now - longMs then
    redis.call('ZADD', KEYS[1], at, ARGV[i + 1])
    latest = math.max(latest or at, at)
  end
end
if latest then redis.call('PEXPIRE', KEYS[1], math.max(redis.call('PTTL', KEYS[1]), latest - now + longMs)) end
return 0`;

/** KEYS: the log. ARGV: the window lengths in ms. Replies the calls that may count in each window now. */
const USAGE = `${NOW_MS}
return {redis.call('ZCOUNT', KEYS[1], '(' .. (now - tonumber(ARGV[1])), '+inf'),
        redis.call('ZCOUNT', KEYS[1], '(' .. (now - tonumber(ARGV[2])), '+inf')}`;

export interface LimiterCommands {
  sbgwAcquire(
    log: string,
    block: string,
    perShort: number,
    perLong: number,
    maxWaitMs: number,
    shortMs: number,
    longMs: number,
    member: string,
    unansweredHoldMs: number,
  ): Promise<number[]>;
  sbgwAnswered(log: string, member: string): Promise<number>;
  sbgwBlock(block: string, ms: number): Promise<number>;
  sbgwBlockedFor(block: string): Promise<number>;
  sbgwRecord(log: string, longMs: number, ...offsetsAndMembers: Array<number | string>): Promise<number>;
  sbgwUsage(log: string, shortMs: number, longMs: number): Promise<[number, number]>;
}

/** Defines the scripts on the connection; ioredis's types cannot know commands defined at run time. */
export function defineLimiterCommands(redis: Redis): LimiterCommands {
  redis.defineCommand('sbgwAcquire', { numberOfKeys: 2, lua: ACQUIRE });
  redis.defineCommand('sbgwAnswered', { numberOfKeys: 1, lua: ANSWERED });
  redis.defineCommand('sbgwBlock', { numberOfKeys: 1, lua: BLOCK });
  redis.defineCommand('sbgwBlockedFor', { numberOfKeys: 1, lua: BLOCKED_FOR });
  redis.defineCommand('sbgwRecord', { numberOfKeys: 1, lua: RECORD });
  redis.defineCommand('sbgwUsage', { numberOfKeys: 1, lua: USAGE });
  return redis as unknown as LimiterCommands;
}
