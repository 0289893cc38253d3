import type { AttemptRecord, RequestRecord } from "../gateway/request-record.js";

/** How many records the console's request list can show. */
export const RECENT_CAPACITY = 1_000;

/** What the console shows of a held request: the decision record's fields, as it was reported. */
export type HeldRecord = Pick<
  RequestRecord,
  | "requestId"
  | "operation"
  | "path"
  | "consumer"
  | "attributes"
  | "originalModel"
  | "requestModel"
  | "responseModel"
  | "route"
  | "rule"
  | "match"
  | "credentialPolicy"
  | "backend"
  | "provider"
  | "status"
  | "stream"
  | "usage"
  | "usageEstimated"
  | "costs"
  | "durationMs"
  | "timeToFirstByteMs"
  | "error"
  | "attempts"
  | "inference"
  | "traceId"
  | "limits"
>;

/** One held record: its sequence number (1, 2, ... in the order they finished) and start time. */
export interface RecentEntry {
  readonly seq: number;
  readonly startEpochMs: number;
  readonly record: HeldRecord;
}

// Slot layout: each kind of value has one flat array, a slot's fields at slot * STRIDE + field.
/** A request id that is not ID_LENGTH latin1 characters (the gateway's are UUIDs; tests name others). */
const T_REQUEST_ID = 0;
const T_OPERATION = 1;
const T_PATH = 2;
const T_CONSUMER = 3;
const T_ORIGINAL_MODEL = 4;
const T_REQUEST_MODEL = 5;
const T_RESPONSE_MODEL = 6;
const T_ROUTE = 7;
const T_RULE = 8;
const T_MATCH = 9;
const T_CREDENTIAL_POLICY = 10;
const T_BACKEND = 11;
const T_PROVIDER = 12;
const T_ERROR = 13;
const T_TRACE_ID = 14;
const T_ATTEMPT_BACKEND = 15;
const T_ATTEMPT_ERROR = 16;
const TEXT_STRIDE = 17;

const N_START = 0;
const N_DURATION = 1;
/** NaN: undefined. */
const N_TTFB = 2;
const N_INPUT = 3;
const N_OUTPUT = 4;
const N_TOTAL = 5;
const N_CACHED = 6;
const N_CACHE_CREATION = 7;
const N_REASONING = 8;
const N_ATTEMPT_DURATION = 9;
const NUMBER_STRIDE = 10;

const I_STATUS = 0;
const I_FLAGS = 1;
const I_ATTEMPTS = 2;
const I_ATTEMPT_STATUS = 3;
const INT_STRIDE = 4;

/** A UUID's length: the gateway's request ids are kept as these many bytes, not as strings. */
const ID_LENGTH = 36;
/** A W3C trace id's length (32 hex digits): with tracing on, kept as bytes too. */
const TRACE_ID_LENGTH = 32;

const F_STREAM = 1;
const F_USAGE_ESTIMATED = 2;
/** `usageEstimated` was set (to false or true); unset, the record has no such field. */
const F_USAGE_ESTIMATED_SET = 4;
/** The request id is in `ids`, not in the texts. */
const F_ID_BYTES = 8;
/** The trace id is in `traceIds`, not in the texts. */
const F_TRACE_ID_BYTES = 16;

const O_ATTRIBUTES = 0;
/** Unset for `{}`: an empty object per request is not worth keeping. */
const O_COSTS = 1;
const O_LIMITS = 2;
const O_INFERENCE = 3;
/** Two attempts or more; a single one is in the attempt fields. */
const O_ATTEMPTS = 4;
const OBJECT_STRIDE = 5;

/**
 * The last 1,000 finished requests' decision records of this process, for the console's request
 * list. add() copies the record's fields into flat arrays allocated once, and keeps no reference to
 * the record or to its usage, costs and attempt objects: a record the ring held would outlive two
 * scavenges and be promoted, with everything it points to, and old-space garbage at thousands of
 * requests a second costs the request path far more (mark-compacts, the marking write barrier)
 * than these writes. Request and trace ids are kept as bytes. Objects that need configuration
 * to exist (header attributes, limits, an endpoint pick, costs, retries) are kept by reference, so
 * with those configured they are still promoted per request (smaller than the record); a fresh
 * string equal to the previous record's (the path, a model) is replaced by that one. The record
 * holds no prompt or completion, nor does this. Readers get the record rebuilt (`HeldRecord`),
 * once per console poll.
 */
export class RecentRequests {
  private readonly texts: (string | undefined)[];
  private readonly numbers: Float64Array;
  private readonly ints: Int32Array;
  private readonly objects: unknown[];
  /** Each slot's request id, ID_LENGTH latin1 bytes: the one string every request has fresh. */
  private readonly ids: Uint8Array;
  /**
   * Each slot's trace id, TRACE_ID_LENGTH latin1 bytes: fresh on every traced request, and a slice
   * of the string its ids were drawn as, which a held slice would keep alive (and promote).
   */
  private readonly traceIds: Uint8Array;
  /** Sequence number of the newest record; 0 before the first. */
  private last = 0;

  constructor(private readonly capacity = RECENT_CAPACITY) {
    this.texts = new Array(capacity * TEXT_STRIDE).fill(undefined);
    this.numbers = new Float64Array(capacity * NUMBER_STRIDE);
    this.ints = new Int32Array(capacity * INT_STRIDE);
    this.objects = new Array(capacity * OBJECT_STRIDE).fill(undefined);
    this.ids = new Uint8Array(capacity * ID_LENGTH);
    this.traceIds = new Uint8Array(capacity * TRACE_ID_LENGTH);
  }

  /** One finished request; `endEpochMs` is when it finished. */
  add(record: RequestRecord, endEpochMs: number): void {
    this.last += 1;
    const slot = this.last % this.capacity;
    const t = slot * TEXT_STRIDE;
    // The previous record's strings, for reuse().
    const p = ((this.last - 1) % this.capacity) * TEXT_STRIDE;
    const texts = this.texts;
    const idBytes = writeLatin1(this.ids, slot * ID_LENGTH, record.requestId, ID_LENGTH);
    const traceId = record.traceId;
    const traceBytes =
      traceId !== undefined && writeLatin1(this.traceIds, slot * TRACE_ID_LENGTH, traceId, TRACE_ID_LENGTH);
    texts[t + T_REQUEST_ID] = idBytes ? undefined : record.requestId;
    texts[t + T_OPERATION] = record.operation;
    texts[t + T_PATH] = reuse(texts[p + T_PATH], record.path);
    texts[t + T_CONSUMER] = reuse(texts[p + T_CONSUMER], record.consumer);
    texts[t + T_ORIGINAL_MODEL] = reuse(texts[p + T_ORIGINAL_MODEL], record.originalModel);
    texts[t + T_REQUEST_MODEL] = reuse(texts[p + T_REQUEST_MODEL], record.requestModel);
    texts[t + T_RESPONSE_MODEL] = reuse(texts[p + T_RESPONSE_MODEL], record.responseModel);
    texts[t + T_ROUTE] = record.route;
    texts[t + T_RULE] = record.rule;
    texts[t + T_MATCH] = record.match;
    texts[t + T_CREDENTIAL_POLICY] = record.credentialPolicy;
    texts[t + T_BACKEND] = record.backend;
    texts[t + T_PROVIDER] = record.provider;
    texts[t + T_ERROR] = record.error;
    texts[t + T_TRACE_ID] = traceBytes ? undefined : traceId;

    const n = slot * NUMBER_STRIDE;
    const numbers = this.numbers;
    numbers[n + N_START] = endEpochMs - record.durationMs;
    numbers[n + N_DURATION] = record.durationMs;
    numbers[n + N_TTFB] = record.timeToFirstByteMs ?? Number.NaN;
    const u = record.usage;
    numbers[n + N_INPUT] = u.inputTokens;
    numbers[n + N_OUTPUT] = u.outputTokens;
    numbers[n + N_TOTAL] = u.totalTokens;
    numbers[n + N_CACHED] = u.cachedInputTokens;
    numbers[n + N_CACHE_CREATION] = u.cacheCreationInputTokens;
    numbers[n + N_REASONING] = u.reasoningTokens;

    const i = slot * INT_STRIDE;
    const ints = this.ints;
    ints[i + I_STATUS] = record.status;
    const estimated = record.usageEstimated;
    ints[i + I_FLAGS] =
      (idBytes ? F_ID_BYTES : 0) |
      (traceBytes ? F_TRACE_ID_BYTES : 0) |
      (record.stream ? F_STREAM : 0) |
      (estimated === undefined ? 0 : F_USAGE_ESTIMATED_SET | (estimated ? F_USAGE_ESTIMATED : 0));

    const o = slot * OBJECT_STRIDE;
    const objects = this.objects;
    objects[o + O_ATTRIBUTES] = record.attributes;
    objects[o + O_COSTS] = hasKeys(record.costs) ? record.costs : undefined;
    objects[o + O_LIMITS] = record.limits;
    objects[o + O_INFERENCE] = record.inference;

    const attempts = record.attempts;
    ints[i + I_ATTEMPTS] = attempts.length;
    const only = attempts.length === 1 ? attempts[0]! : undefined;
    objects[o + O_ATTEMPTS] = attempts.length > 1 ? attempts : undefined;
    texts[t + T_ATTEMPT_BACKEND] = only?.backend;
    texts[t + T_ATTEMPT_ERROR] = only?.error;
    ints[i + I_ATTEMPT_STATUS] = only?.status ?? 0;
    numbers[n + N_ATTEMPT_DURATION] = only?.durationMs ?? 0;
  }

  /** Sequence number of the newest record (0 before the first): the `after` of the next poll. */
  get lastSeq(): number {
    return this.last;
  }

  /** Held records newer than `afterSeq`, newest first, while `visit` returns true. */
  forEachNewest(afterSeq: number, visit: (entry: RecentEntry) => boolean): void {
    const oldest = Math.max(afterSeq + 1, this.last - this.capacity + 1, 1);
    for (let seq = this.last; seq >= oldest; seq--) if (!visit(this.entry(seq))) return;
  }

  /** The held record of this request id, if it is still held. */
  find(requestId: string): RecentEntry | undefined {
    const oldest = Math.max(this.last - this.capacity + 1, 1);
    for (let seq = this.last; seq >= oldest; seq--) {
      if (this.holdsRequestId(seq % this.capacity, requestId)) return this.entry(seq);
    }
    return undefined;
  }

  /** Compared where it is held: no string made per slot passed over. */
  private holdsRequestId(slot: number, requestId: string): boolean {
    if ((this.ints[slot * INT_STRIDE + I_FLAGS]! & F_ID_BYTES) === 0) {
      return this.texts[slot * TEXT_STRIDE + T_REQUEST_ID] === requestId;
    }
    if (requestId.length !== ID_LENGTH) return false;
    const at = slot * ID_LENGTH;
    for (let k = 0; k < ID_LENGTH; k++) {
      if (this.ids[at + k] !== requestId.charCodeAt(k)) return false;
    }
    return true;
  }

  private requestIdOf(slot: number): string {
    if ((this.ints[slot * INT_STRIDE + I_FLAGS]! & F_ID_BYTES) === 0) {
      return this.texts[slot * TEXT_STRIDE + T_REQUEST_ID]!;
    }
    return latin1Of(this.ids, slot * ID_LENGTH, ID_LENGTH);
  }

  /** The record of `seq` (held) rebuilt from its slot. */
  private entry(seq: number): RecentEntry {
    const slot = seq % this.capacity;
    const t = slot * TEXT_STRIDE;
    const n = slot * NUMBER_STRIDE;
    const i = slot * INT_STRIDE;
    const o = slot * OBJECT_STRIDE;
    const { texts, numbers, ints, objects } = this;
    const flags = ints[i + I_FLAGS]!;
    const ttfb = numbers[n + N_TTFB]!;
    const record: HeldRecord = {
      requestId: this.requestIdOf(slot),
      operation: texts[t + T_OPERATION]!,
      path: texts[t + T_PATH]!,
      consumer: texts[t + T_CONSUMER],
      attributes: objects[o + O_ATTRIBUTES] as HeldRecord["attributes"],
      originalModel: texts[t + T_ORIGINAL_MODEL],
      requestModel: texts[t + T_REQUEST_MODEL],
      responseModel: texts[t + T_RESPONSE_MODEL],
      route: texts[t + T_ROUTE],
      rule: texts[t + T_RULE],
      backend: texts[t + T_BACKEND],
      provider: texts[t + T_PROVIDER],
      status: ints[i + I_STATUS]!,
      stream: (flags & F_STREAM) !== 0,
      usage: {
        inputTokens: numbers[n + N_INPUT]!,
        outputTokens: numbers[n + N_OUTPUT]!,
        totalTokens: numbers[n + N_TOTAL]!,
        cachedInputTokens: numbers[n + N_CACHED]!,
        cacheCreationInputTokens: numbers[n + N_CACHE_CREATION]!,
        reasoningTokens: numbers[n + N_REASONING]!,
      },
      costs: (objects[o + O_COSTS] as HeldRecord["costs"] | undefined) ?? {},
      durationMs: numbers[n + N_DURATION]!,
      timeToFirstByteMs: Number.isNaN(ttfb) ? undefined : ttfb,
      error: texts[t + T_ERROR],
      attempts: this.attemptsOf(slot),
    };
    // The optional fields only when the record had them, as it was reported.
    const match = texts[t + T_MATCH];
    if (match !== undefined) record.match = match;
    const credentialPolicy = texts[t + T_CREDENTIAL_POLICY];
    if (credentialPolicy !== undefined) record.credentialPolicy = credentialPolicy;
    const traceId =
      (flags & F_TRACE_ID_BYTES) !== 0
        ? latin1Of(this.traceIds, slot * TRACE_ID_LENGTH, TRACE_ID_LENGTH)
        : texts[t + T_TRACE_ID];
    if (traceId !== undefined) record.traceId = traceId;
    if ((flags & F_USAGE_ESTIMATED_SET) !== 0) record.usageEstimated = (flags & F_USAGE_ESTIMATED) !== 0;
    const limits = objects[o + O_LIMITS] as HeldRecord["limits"];
    if (limits !== undefined) record.limits = limits;
    const inference = objects[o + O_INFERENCE] as HeldRecord["inference"];
    if (inference !== undefined) record.inference = inference;
    return { seq, startEpochMs: numbers[n + N_START]!, record };
  }

  private attemptsOf(slot: number): AttemptRecord[] {
    const count = this.ints[slot * INT_STRIDE + I_ATTEMPTS]!;
    if (count === 0) return [];
    if (count > 1) return this.objects[slot * OBJECT_STRIDE + O_ATTEMPTS] as AttemptRecord[];
    const t = slot * TEXT_STRIDE;
    return [
      {
        backend: this.texts[t + T_ATTEMPT_BACKEND]!,
        status: this.ints[slot * INT_STRIDE + I_ATTEMPT_STATUS]!,
        error: this.texts[t + T_ATTEMPT_ERROR],
        durationMs: this.numbers[slot * NUMBER_STRIDE + N_ATTEMPT_DURATION]!,
      },
    ];
  }
}

/**
 * `value`, or `held` when they are equal: a string the ring already holds (old, promoted once)
 * rather than this request's fresh copy of it, which can then die young.
 */
function reuse(held: string | undefined, value: string | undefined): string | undefined {
  return held === value ? held : value;
}

/** Writes an id of `length` latin1 characters into `bytes` at `at`; false for any other id. */
function writeLatin1(bytes: Uint8Array, at: number, id: string, length: number): boolean {
  if (id.length !== length) return false;
  for (let k = 0; k < length; k++) {
    const code = id.charCodeAt(k);
    if (code > 0xff) return false;
    bytes[at + k] = code;
  }
  return true;
}

/** The `length` latin1 characters at `at` in `bytes`, as writeLatin1 put them. */
function latin1Of(bytes: Uint8Array, at: number, length: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + at, length).toString("latin1");
}

function hasKeys(object: object): boolean {
  for (const _ in object) return true;
  return false;
}
