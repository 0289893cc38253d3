import type { BucketCharge, BucketCheck } from "./counter-store.js";

/**
 * The Lua scripts RedisCounterStore runs (ioredis `defineCommand`: EVALSHA, EVAL when the script is
 * not loaded yet, e.g. after a Redis restart) and the argument lists they take. A script runs
 * atomically in Redis, so a check sees and changes all of one request's counters at once, even
 * with any number of gateway replicas sharing them.
 *
 * Counters are plain integer keys (INCRBY), so costs, amounts and limits must be whole numbers.
 * Every key of one call must live on one node: this is for a single Redis (or a primary with
 * replicas), not Redis Cluster.
 */

/**
 * Keys expire this long after their window ends, so a gateway whose clock is a little ahead of
 * Redis's cannot see its counter vanish before the window is over for it.
 */
const EXPIRY_SLACK_MS = 1_000;

/**
 * The checks of several requests in one call (the store batches those of one event-loop turn), each
 * as atomic as if it ran alone, in order. KEYS: each request's counters in turn, then the counters to
 * charge. ARGV[1]: the number of requests R; ARGV[2 .. R+1]: how many counters each checks; then four
 * values per checked counter: limit, cost, enforce (1 or 0), expire-at (epoch ms); then two per
 * charged counter: amount, expire-at. The charges (of answers already done) are added first, as they
 * happened first. Then, request by request, its counters are read and it is refused (changing
 * nothing) when an enforced one is spent, else its costs are added. Reply, per request in order: the
 * index of its refusing counter (0-based) or -1, then the used value of each of its counters.
 */
export const CHECK_SCRIPT = `
local requests = tonumber(ARGV[1])
local checked = 0
for r = 1, requests do checked = checked + tonumber(ARGV[1 + r]) end
local values = 2 + requests
local at = values + checked * 4
for i = checked + 1, #KEYS do
  redis.call('INCRBY', KEYS[i], ARGV[at])
  if redis.call('PTTL', KEYS[i]) == -1 then redis.call('PEXPIREAT', KEYS[i], ARGV[at + 1]) end
  at = at + 2
end
local out = {}
local first = 0
for r = 1, requests do
  local n = tonumber(ARGV[1 + r])
  local used = {}
  for i = 1, n do used[i] = tonumber(redis.call('GET', KEYS[first + i]) or '0') end
  local refused = -1
  for i = 1, n do
    local a = values + (first + i - 1) * 4
    if ARGV[a + 2] == '1' then
      local limit = tonumber(ARGV[a])
      local cost = tonumber(ARGV[a + 1])
      if (cost > 0 and used[i] + cost > limit) or (cost <= 0 and used[i] >= limit) then
        refused = i - 1
        break
      end
    end
  end
  if refused == -1 then
    for i = 1, n do
      local a = values + (first + i - 1) * 4
      if tonumber(ARGV[a + 1]) > 0 then
        used[i] = redis.call('INCRBY', KEYS[first + i], ARGV[a + 1])
        if redis.call('PTTL', KEYS[first + i]) == -1 then redis.call('PEXPIREAT', KEYS[first + i], ARGV[a + 3]) end
      end
    end
  end
  out[#out + 1] = refused
  for i = 1, n do out[#out + 1] = used[i] end
  first = first + n
end
return out
`;

/** KEYS: the counters. ARGV, two per counter: amount, expire-at (epoch ms). Reply: the key count. */
export const CHARGE_SCRIPT = `
for i = 1, #KEYS do
  redis.call('INCRBY', KEYS[i], ARGV[2 * i - 1])
  if redis.call('PTTL', KEYS[i]) == -1 then redis.call('PEXPIREAT', KEYS[i], ARGV[2 * i]) end
end
return #KEYS
`;

export type ScriptArguments = (string | number)[];

/** numkeys, every request's keys then the charged keys, then CHECK_SCRIPT's ARGV. */
export function checkArguments(
  requests: readonly (readonly BucketCheck[])[],
  charges: readonly BucketCharge[],
): ScriptArguments {
  let checked = 0;
  for (const buckets of requests) checked += buckets.length;
  const keys = checked + charges.length;
  const args: ScriptArguments = new Array(1 + keys + 1 + requests.length + checked * 4 + charges.length * 2);
  args[0] = keys;
  let key = 1;
  let at = 1 + keys;
  args[at++] = requests.length;
  for (const buckets of requests) args[at++] = buckets.length;
  for (const buckets of requests) {
    for (const bucket of buckets) {
      args[key++] = bucket.key;
      args[at++] = bucket.limit;
      args[at++] = bucket.cost;
      args[at++] = bucket.enforce ? 1 : 0;
      args[at++] = bucket.windowEndMs + EXPIRY_SLACK_MS;
    }
  }
  for (const charge of charges) {
    args[key++] = charge.key;
    args[at++] = charge.amount;
    args[at++] = charge.windowEndMs + EXPIRY_SLACK_MS;
  }
  return args;
}

/** numkeys, the keys, then two values per charge (CHARGE_SCRIPT's ARGV). */
export function chargeArguments(charges: readonly BucketCharge[]): ScriptArguments {
  const n = charges.length;
  const args: ScriptArguments = new Array(1 + n * 3);
  args[0] = n;
  for (let i = 0; i < n; i++) {
    const charge = charges[i]!;
    const at = 1 + n + i * 2;
    args[1 + i] = charge.key;
    args[at] = charge.amount;
    args[at + 1] = charge.windowEndMs + EXPIRY_SLACK_MS;
  }
  return args;
}
