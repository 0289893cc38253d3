import assert from "node:assert/strict";
import { test } from "node:test";
import { parseModelServerMetrics } from "../../src/inference/parse-model-server-metrics.js";

const VLLM = `# HELP vllm:num_requests_waiting Number of requests waiting to be processed.
# TYPE vllm:num_requests_waiting gauge
vllm:num_requests_waiting{model_name="llama"} 3
vllm:num_requests_waiting{model_name="llama-lora"} 2
# HELP vllm:num_requests_running Number of requests currently running on GPU.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{model_name="llama"} 4.0
# TYPE vllm:kv_cache_usage_perc gauge
vllm:kv_cache_usage_perc{model_name="llama"} 0.25
vllm:kv_cache_usage_perc{model_name="llama-lora"} 0.5
vllm:gpu_cache_usage_perc{model_name="llama"} 0.9
vllm:cache_config_info{block_size="32",cache_dtype="auto",num_gpu_blocks="2048"} 1.0
vllm:lora_requests_info{max_lora="4",running_lora_adapters="old",waiting_lora_adapters=""} 1.7000000e+09
vllm:lora_requests_info{max_lora="4",running_lora_adapters="sql-lora, chat-lora",waiting_lora_adapters="tool-lora"} 1.7000005e+09
vllm:lora_requests_info{max_lora="4",running_lora_adapters="older",waiting_lora_adapters=""} 1.6e+09
# HELP vllm:e2e_request_latency_seconds Histogram of end to end request latency in seconds.
# TYPE vllm:e2e_request_latency_seconds histogram
vllm:e2e_request_latency_seconds_bucket{le="+Inf",model_name="llama"} 12
vllm:e2e_request_latency_seconds_sum{model_name="llama"} 3.5
`;

test("vLLM: queue and running are summed over series, KV usage is the largest, the newest LoRA series wins", () => {
  assert.deepEqual(parseModelServerMetrics(VLLM, "vllm"), {
    waiting: 5,
    running: 4,
    kvCache: 0.5,
    blockSizeTokens: 32,
    numBlocks: 2048,
    lora: { running: ["sql-lora", "chat-lora"], waiting: ["tool-lora"], maxLora: 4 },
  });
});

test("vLLM: the older gpu_cache_usage_perc is read when kv_cache_usage_perc is absent", () => {
  const page = 'vllm:gpu_cache_usage_perc{model_name="m"} 0.75\nvllm:num_requests_waiting 1\n';
  const m = parseModelServerMetrics(page, "vllm");
  assert.equal(m.kvCache, 0.75);
  assert.equal(m.waiting, 1);
});

test("missing metrics are unknown; NaN and infinities read as unknown; KV usage is clamped to 0..1", () => {
  const page = [
    "vllm:num_requests_waiting NaN",
    "vllm:num_requests_running +Inf",
    "vllm:kv_cache_usage_perc 1.5",
    'vllm:cache_config_info{block_size="not-a-number"} 1',
  ].join("\n");
  const m = parseModelServerMetrics(page, "vllm");
  assert.equal(m.waiting, undefined);
  assert.equal(m.running, undefined);
  assert.equal(m.kvCache, 1);
  assert.equal(m.blockSizeTokens, undefined);
  assert.equal(m.lora, undefined);
  assert.deepEqual(parseModelServerMetrics("# nothing here\n\n", "vllm"), {
    waiting: undefined,
    running: undefined,
    kvCache: undefined,
    blockSizeTokens: undefined,
    numBlocks: undefined,
    lora: undefined,
  });
});

test("escaped label values, timestamps, blanks around labels, CRLF and exemplars are read", () => {
  const page = [
    'vllm:lora_requests_info{ max_lora = "2" , running_lora_adapters="a\\"b,c\\\\d", waiting_lora_adapters="x\\ny",} 5 1700000000000\r',
    'vllm:num_requests_waiting 7 1700000000000 # {trace_id="abc"} 1',
    "# EOF",
  ].join("\n");
  const m = parseModelServerMetrics(page, "vllm");
  assert.deepEqual(m.lora, { running: ['a"b', "c\\d"], waiting: ["x\ny"], maxLora: 2 });
  assert.equal(m.waiting, 7);
});

test("each engine is read with its own names and ignores the others'", () => {
  const sglang = parseModelServerMetrics(
    [
      'sglang:num_queue_reqs{model_name="m"} 2',
      'sglang:num_running_reqs{model_name="m"} 6',
      'sglang:token_usage{model_name="m"} 0.4',
      'sglang:cache_config_info{page_size="1",num_pages="90000"} 1',
      "vllm:num_requests_waiting 99",
    ].join("\n"),
    "sglang",
  );
  assert.deepEqual(sglang, {
    waiting: 2,
    running: 6,
    kvCache: 0.4,
    blockSizeTokens: 1,
    numBlocks: 90000,
    lora: undefined,
  });
  const trtllm = parseModelServerMetrics(
    [
      "trtllm_num_requests_waiting 1",
      "trtllm_num_requests_running 3",
      "trtllm_kv_cache_utilization 0.6",
      "trtllm_kv_cache_tokens_per_block 64",
      "trtllm_kv_cache_max_blocks 512",
    ].join("\n"),
    "trtllm-serve",
  );
  assert.deepEqual(trtllm, {
    waiting: 1,
    running: 3,
    kvCache: 0.6,
    blockSizeTokens: 64,
    numBlocks: 512,
    lora: undefined,
  });
  const triton = parseModelServerMetrics(
    [
      'nv_trt_llm_request_metrics{model="ensemble",request_type="waiting",version="1"} 4',
      'nv_trt_llm_request_metrics{model="tensorrt_llm",request_type="waiting",version="1"} 1',
      'nv_trt_llm_request_metrics{model="ensemble",request_type="scheduled",version="1"} 8',
      'nv_trt_llm_request_metrics{model="ensemble",request_type="context",version="1"} 100',
      'nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type="fraction",model="ensemble"} 0.3',
      'nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type="tokens_per",model="ensemble"} 128',
      'nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type="max",model="ensemble"} 4096',
      'nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type="used",model="ensemble"} 1000',
    ].join("\n"),
    "triton-tensorrt-llm",
  );
  assert.deepEqual(triton, {
    waiting: 5,
    running: 8,
    kvCache: 0.3,
    blockSizeTokens: 128,
    numBlocks: 4096,
    lora: undefined,
  });
});

test("a malformed page is an error naming the line", () => {
  const cases: [string, RegExp][] = [
    ["<html><body>502 Bad Gateway</body></html>", /line 1: not a metric sample/],
    ['vllm:num_requests_waiting{model_name="m} 3', /line 1: unterminated label value/],
    ["vllm:num_requests_waiting{model_name=m} 3", /quoted label value/],
    ["vllm:num_requests_waiting", /not a metric sample/],
    ["vllm:num_requests_waiting ", /bad sample value/],
    ["python_gc_objects_collected_total\n", /line 1: not a metric sample/],
    ["# ok\nvllm:num_requests_waiting three", /line 2: bad sample value/],
    ["vllm:num_requests_waiting 1 soon", /bad timestamp/],
    ["vllm:num_requests_waiting 1 17 extra", /unexpected text/],
  ];
  for (const [page, error] of cases) assert.throws(() => parseModelServerMetrics(page, "vllm"), error, page);
});
