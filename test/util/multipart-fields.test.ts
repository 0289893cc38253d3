import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  MultipartError,
  multipartBoundary,
  readMultipartFields,
  replaceMultipartField,
} from "../../src/util/multipart-fields.js";

/** Encodes a form with undici's own FormData encoder, as the openai SDK's fetch would. */
async function encode(form: FormData): Promise<{ body: Buffer; contentType: string }> {
  const request = new Request("http://x/", { method: "POST", body: form });
  const contentType = request.headers.get("content-type") ?? "";
  return { body: Buffer.from(await request.arrayBuffer()), contentType };
}

/** Bytes a UTF-8 decode would not survive: every value 0..255, twice, and CRLFs that look like delimiters. */
const AUDIO = Buffer.concat([
  Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256)),
  Buffer.from("\r\n--not-the-boundary\r\n\r\n"),
]);

async function audioForm(model = "whisper-1"): Promise<{ body: Buffer; contentType: string }> {
  const form = new FormData();
  form.append("file", new Blob([AUDIO], { type: "audio/wav" }), "speech.wav");
  form.append("model", model);
  form.append("language", "fr");
  form.append("prompt", "Bonjour, ça va ?");
  form.append("timestamp_granularities[]", "word");
  form.append("timestamp_granularities[]", "segment");
  return encode(form);
}

describe("multipartBoundary", () => {
  it("reads a plain or quoted boundary of multipart/form-data only", () => {
    assert.equal(multipartBoundary("multipart/form-data; boundary=abc"), "abc");
    assert.equal(multipartBoundary('Multipart/Form-Data; charset=utf-8; boundary="a b:c"'), "a b:c");
    assert.equal(multipartBoundary("application/json"), undefined);
    assert.equal(multipartBoundary("multipart/form-data"), undefined);
    assert.equal(multipartBoundary(`multipart/form-data; boundary=${"x".repeat(71)}`), undefined);
    assert.equal(multipartBoundary(undefined), undefined);
  });
});

describe("readMultipartFields", () => {
  it("finds the text fields of a form encoded by undici and steps over the file", async () => {
    const { body, contentType } = await audioForm();
    const boundary = multipartBoundary(contentType);
    assert.ok(boundary);
    const read = readMultipartFields(body, boundary);
    assert.equal(read.fields.model, "whisper-1");
    assert.equal(read.fields.language, "fr");
    assert.equal(read.fields.prompt, "Bonjour, ça va ?");
    // A repeated name keeps its first value; the file is not a field.
    assert.equal(read.fields["timestamp_granularities[]"], "word");
    assert.equal(read.fields.file, undefined);
    assert.equal(read.files, 1);
    assert.deepEqual([...read.repeated], ["timestamp_granularities[]"]);
    const span = read.spans.get("model");
    assert.ok(span);
    assert.equal(body.toString("utf8", span.start, span.end), "whisper-1");
  });

  it("replaces the model in place, every other byte unchanged, and undici still parses the result", async () => {
    const { body, contentType } = await audioForm();
    const boundary = multipartBoundary(contentType)!;
    const span = readMultipartFields(body, boundary).spans.get("model")!;
    const rewritten = replaceMultipartField(body, span, "gpt-4o-transcribe-2025");
    assert.deepEqual(rewritten.subarray(0, span.start), body.subarray(0, span.start));
    assert.deepEqual(
      rewritten.subarray(span.start + "gpt-4o-transcribe-2025".length),
      body.subarray(span.end),
    );
    const parsed = await new Response(rewritten, { headers: { "content-type": contentType } }).formData();
    assert.equal(parsed.get("model"), "gpt-4o-transcribe-2025");
    const file = parsed.get("file") as File;
    assert.equal(file.name, "speech.wav");
    assert.deepEqual(Buffer.from(await file.arrayBuffer()), AUDIO);
    assert.deepEqual(parsed.getAll("timestamp_granularities[]"), ["word", "segment"]);
  });

  it("takes a preamble, quoted names with escapes and parts without a content-type", () => {
    const body = Buffer.from(
      'preamble\r\n--B\r\nContent-Disposition: form-data; name="a\\"b"\r\n\r\n1\r\n' +
        "--B\r\ncontent-disposition: form-data; name=model\r\n\r\nm\r\n--B--\r\nepilogue",
    );
    const read = readMultipartFields(body, "B");
    assert.equal(read.fields['a"b'], "1");
    assert.equal(read.fields.model, "m");
  });

  const malformed: [string, string][] = [
    ["no boundary at all", "model=whisper-1"],
    ["no closing boundary", '--B\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1'],
    ["headers that never end", '--B\r\nContent-Disposition: form-data; name="model"'],
    ["a part with no name", "--B\r\nContent-Disposition: form-data\r\n\r\nx\r\n--B--"],
    ["a part that is not form-data", '--B\r\nContent-Disposition: attachment; name="x"\r\n\r\nx\r\n--B--'],
    ["garbage after a boundary", '--Bxyz\r\nContent-Disposition: form-data; name="x"\r\n\r\nx\r\n--B--'],
    ["an empty body", ""],
  ];
  for (const [what, text] of malformed) {
    it(`refuses ${what} with a MultipartError`, () => {
      assert.throws(() => readMultipartFields(Buffer.from(text), "B"), MultipartError);
    });
  }

  it("refuses a text field longer than 64 KiB (no audio API takes one)", () => {
    const body = Buffer.from(
      `--B\r\nContent-Disposition: form-data; name="prompt"\r\n\r\n${"x".repeat(65 * 1024)}\r\n--B--`,
    );
    assert.throws(() => readMultipartFields(body, "B"), /longer than/);
  });

  it("reads a 20 MiB upload in well under a second without copying the file", async () => {
    const form = new FormData();
    form.append("model", "whisper-1");
    form.append("file", new Blob([Buffer.alloc(20 * 1024 * 1024, 7)]), "long.mp3");
    const { body, contentType } = await encode(form);
    const started = performance.now();
    const read = readMultipartFields(body, multipartBoundary(contentType)!);
    assert.equal(read.fields.model, "whisper-1");
    assert.ok(performance.now() - started < 1000);
  });
});
