/**
 * The Redis store's scripts (redis.ts): each runs atomically inside Redis, so that replicas
 * changing one account or one kind at once cannot lose each other's change. They are store.ts's
 * rules (mergeRecord, advance) in Lua; test/unit/budget-store.test.ts holds both stores to them.
 */

/**
 * KEYS: the record, its 404 mark, then the kinds 2, 8 and 10. ARGV: modified, fetched, confirmed
 * (ms), context id ('' when unknown), list signature, the record as JSON, time to live (ms), when
 * the answer arrived (ms), 1 for an edit's answer (else 0), the paths the answer did not say as a
 * JSON array ('[]' for none). store.ts's mergeRecord, in Lua (cjson for the fields kept).
 */
export const MERGE = `
local function kindKey(k)
  if k == '2' then return KEYS[3] elseif k == '8' then return KEYS[4] elseif k == '10' then return KEYS[5] end
end
local function listChanged(k, at)
  local key = kindKey(k)
  if key == nil then return end
  local current = tonumber(redis.call('HGET', key, 'listChangedAt') or '0')
  if at > current then redis.call('HSET', key, 'listChangedAt', at) end
  redis.call('HINCRBY', key, 'listChanges', 1)
  redis.call('PEXPIRE', key, ARGV[7])
end
local m, f, c, a, e = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[8]), tonumber(ARGV[9])
local stored = redis.call('HMGET', KEYS[1], 'm', 'f', 'c', 'k', 's', 'a', 'e', 'u', 'd')
if stored[1] == false then
  redis.call('HSET', KEYS[1], 'm', ARGV[1], 'f', ARGV[2], 'c', ARGV[3], 'k', ARGV[4], 's', ARGV[5], 'd', ARGV[6], 'a', ARGV[8], 'e', ARGV[9], 'u', ARGV[10])
  listChanged(ARGV[4], m)
else
  local k = ARGV[4]
  if k == '' then k = stored[4] end
  local confirmed = math.max(c, tonumber(stored[3]))
  local sm, sf = tonumber(stored[1]), tonumber(stored[2])
  local sa, se = tonumber(stored[6] or stored[2]), tonumber(stored[7] or '0')
  local newer = m > sm or (m == sm and (e > se or (e == se and a >= sa)))
  if newer then
    local d, s, u = ARGV[6], ARGV[5], ARGV[10]
    if u ~= '[]' then
      -- Fields this answer did not carry keep the value the stored version said.
      local unsaid = cjson.decode(u)
      local storedUnsaid = {}
      for _, path in ipairs(cjson.decode(stored[8] or '[]')) do storedUnsaid[path] = true end
      local incoming, old = cjson.decode(d), cjson.decode(stored[9])
      local still, kept = {}, false
      for _, path in ipairs(unsaid) do
        if storedUnsaid[path] then
          table.insert(still, path)
        else
          kept = true
          local head, leaf = string.match(path, '^([^.]+)%.(.+)$')
          if head then incoming[head][leaf] = old[head][leaf] else incoming[path] = old[path] end
        end
      end
      if kept then
        d = cjson.encode(incoming)
        s = string.gsub(cjson.encode({ incoming.name, incoming.customerNumber, incoming.officeEmail, incoming.billingAddress.country }), '\\\\/', '/')
      end
      if #still == 0 then u = '[]' else u = cjson.encode(still) end
    end
    redis.call('HSET', KEYS[1], 'm', ARGV[1], 'f', ARGV[2], 'c', confirmed, 'k', k, 's', s, 'd', d, 'a', ARGV[8], 'e', ARGV[9], 'u', u)
    if k ~= '' and (s ~= stored[5] or k ~= stored[4]) then listChanged(k, m) end
    if stored[4] ~= '' and stored[4] ~= k then listChanged(stored[4], m) end
  else
    redis.call('HSET', KEYS[1], 'c', confirmed, 'k', k)
  end
end
redis.call('DEL', KEYS[2])
redis.call('PEXPIRE', KEYS[1], ARGV[7])
return 0`;

/** KEYS: the record, its 404 mark, the kinds 2, 8, 10. ARGV: when (ms), time to live (ms). */
export const FORGET = `
local k = redis.call('HGET', KEYS[1], 'k')
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
local key = nil
if k == '2' then key = KEYS[3] elseif k == '8' then key = KEYS[4] elseif k == '10' then key = KEYS[5] end
if key then
  local current = tonumber(redis.call('HGET', key, 'listChangedAt') or '0')
  if tonumber(ARGV[1]) > current then redis.call('HSET', key, 'listChangedAt', ARGV[1]) end
  redis.call('HINCRBY', key, 'listChanges', 1)
  redis.call('PEXPIRE', key, ARGV[2])
end
return 0`;

/**
 * KEYS: the kind. ARGV: time to live (ms), then pairs of (field, value): each field becomes the
 * larger; sweptCount is set. The kind expires a time to live after its last advance.
 */
export const ADVANCE = `
for i = 2, #ARGV, 2 do
  local field, value = ARGV[i], tonumber(ARGV[i + 1])
  if field == 'sweptCount' then
    redis.call('HSET', KEYS[1], field, value)
  else
    local current = tonumber(redis.call('HGET', KEYS[1], field) or '0')
    if value > current then redis.call('HSET', KEYS[1], field, value) end
  end
end
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return 0`;

/**
 * KEYS: the lock. ARGV: its holder's token, the failure to leave in its place ('' for none), how
 * long to keep it (ms). Releases it only if it is still that holder's.
 */
export const UNLOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  if ARGV[2] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
end
return 0`;
