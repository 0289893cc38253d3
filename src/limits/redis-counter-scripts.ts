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
 * KEYS: the counters to check, then the counters to charge. ARGV[1]: how many are checked; then four
 * values per checked counter: limit, cost, enforce (1 or 0), expire-at (epoch ms); then two per
 * charged counter: amount, expire-at. The charges (of answers already done, batched by the store)
 * are added first, as they happened first. Then every checked counter is read, and the check refuses
 * (changing nothing more) when an enforced one is spent; else its costs are added. Reply: { index of
 * the refusing counter (0-based) or -1, then the used value of each checked counter }.
 */
export const CHECK_SCRIPT = `
local n = tonumber(ARGV[1])
local at = 2 + n * 4
for i = n + 1, #KEYS do
  redis.call('INCRBY', KEYS[i], ARGV[at])
  if redis.call('PTTL', KEYS[i]) == -1 then redis.call('PEXPIREAT', KEYS[i], ARGV[at + 1]) end
  at = at + 2
end
local used = {}
for i = 1, n do
  used[i] = tonumber(redis.call('GET', KEYS[i]) or '0')
end
local function reply(refused)
  local out = { refused }
  for i = 1, n do out[i + 1] = used[i] end
  return out
end
for i = 1, n do
  local a = 1 + (i - 1) * 4
  if ARGV[a + 3] == '1' then
    local limit = tonumber(ARGV[a + 1])
    local cost = tonumber(ARGV[a + 2])
    if (cost > 0 and used[i] + cost > limit) or (cost <= 0 and used[i] >= limit) then
      return reply(i - 1)
    end
  end
end
for i = 1, n do
  local a = 1 + (i - 1) * 4
  if tonumber(ARGV[a + 2]) > 0 then
    used[i] = redis.call('INCRBY', KEYS[i], ARGV[a + 2])
    if redis.call('PTTL', KEYS[i]) == -1 then redis.call('PEXPIREAT', KEYS[i], ARGV[a + 4]) end
  end
end
return reply(-1)
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

/** numkeys, the checked then the charged keys, the check count, then CHECK_SCRIPT's values. */
export function checkArguments(
  buckets: readonly BucketCheck[],
  charges: readonly BucketCharge[],
): ScriptArguments {
  const n = buckets.length;
  const c = charges.length;
  const args: ScriptArguments = new Array(2 + (n + c) + n * 4 + c * 2);
  args[0] = n + c;
  let at = 1 + n + c;
  args[at++] = n;
  for (let i = 0; i < n; i++) {
    const bucket = buckets[i]!;
    args[1 + i] = bucket.key;
    args[at++] = bucket.limit;
    args[at++] = bucket.cost;
    args[at++] = bucket.enforce ? 1 : 0;
    args[at++] = bucket.windowEndMs + EXPIRY_SLACK_MS;
  }
  for (let i = 0; i < c; i++) {
    const charge = charges[i]!;
    args[1 + n + i] = charge.key;
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
