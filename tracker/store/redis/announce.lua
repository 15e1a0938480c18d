-- One announce, atomically.
-- KEYS: 1 seeders zset, 2 leechers zset, 3 this family's address hash,
--       4 the other family's address hash, 5 completed counter, 6 swarm index
-- ARGV: 1 now (ms), 2 peer TTL (ms), 3 family ("4"/"6"), 4 peer id,
--       5 value (seeder flag byte .. packed address), 6 seeder ("1"/"0"),
--       7 event, 8 want, 9 info hash (index member), 10 the other family
local now = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local cutoff = now - ttl
local fam, id = ARGV[3], ARGV[4]
local member = fam .. id
local hashes = {[fam] = KEYS[3], [ARGV[10]] = KEYS[4]}

-- Forget peers that stopped announcing (bounded work per call).
for i = 1, 2 do
  local old = redis.call('ZRANGEBYSCORE', KEYS[i], '-inf', '(' .. cutoff, 'LIMIT', 0, 1000)
  for _, m in ipairs(old) do
    redis.call('ZREM', KEYS[i], m)
    redis.call('HDEL', hashes[string.sub(m, 1, 1)], string.sub(m, 2))
  end
end

local ev = ARGV[7]
local seeder = ARGV[6] == '1'
if ev == 'stopped' then
  redis.call('ZREM', KEYS[1], member)
  redis.call('ZREM', KEYS[2], member)
  redis.call('HDEL', KEYS[3], id)
else
  local wasSeed = redis.call('ZSCORE', KEYS[1], member)
  local mine, other = KEYS[2], KEYS[1]
  if seeder then mine, other = KEYS[1], KEYS[2] end
  redis.call('ZADD', mine, now, member)
  redis.call('ZREM', other, member)
  redis.call('HSET', KEYS[3], id, ARGV[5])
  if ev == 'completed' and not wasSeed then redis.call('INCR', KEYS[5]) end
  for i = 1, 5 do redis.call('PEXPIRE', KEYS[i], 2 * ttl) end
end

local ns = redis.call('ZCOUNT', KEYS[1], cutoff, '+inf')
local nl = redis.call('ZCOUNT', KEYS[2], cutoff, '+inf')
local nc = tonumber(redis.call('GET', KEYS[5]) or '0')
if ns + nl == 0 then
  redis.call('ZREM', KEYS[6], ARGV[9])
else
  redis.call('ZADD', KEYS[6], now, ARGV[9])
end

local out = {ns, nl, nc}
local want = tonumber(ARGV[8])
if want > 0 and ev ~= 'stopped' then
  if seeder then
    -- Seeders get leechers only.
    local ids = {}
    for _, m in ipairs(redis.call('ZRANDMEMBER', KEYS[2], want + 1)) do
      if string.sub(m, 1, 1) == fam and m ~= member then table.insert(ids, string.sub(m, 2)) end
    end
    if #ids > 0 then
      local vals = redis.call('HMGET', KEYS[3], unpack(ids))
      for i, v in ipairs(vals) do
        if v then
          table.insert(out, ids[i])
          table.insert(out, v)
        end
      end
    end
  else
    local r = redis.call('HRANDFIELD', KEYS[3], want + 1, 'WITHVALUES')
    for i = 1, #r, 2 do
      if r[i] ~= id then
        table.insert(out, r[i])
        table.insert(out, r[i + 1])
      end
    end
  end
end
return out
