/**
 * The text the simulator "generates": a fixed sentence split into word tokens and repeated as needed,
 * so answers are deterministic and content can be checked by reassembling a stream.
 */
const SENTENCE =
  "Hello from the aigw simulator. This answer was generated offline, without calling any model provider.";

/** One token per word, each with its leading space as real tokenizers emit it. */
const WORDS: readonly string[] = SENTENCE.split(" ").map((word, i) => (i === 0 ? word : ` ${word}`));

/** Token i of any answer. Answers longer than the sentence start it over. */
export function answerToken(i: number): string {
  const word = WORDS[i % WORDS.length]!;
  // A repeat of the sentence needs a separating space before its first word.
  return i >= WORDS.length && i % WORDS.length === 0 ? ` ${word}` : word;
}

const textCache = new Map<number, string>();

/** The first n tokens joined; cached because benchmarks ask for the same length on every request. */
export function answerText(n: number): string {
  let text = textCache.get(n);
  if (text === undefined) {
    text = "";
    for (let i = 0; i < n; i++) text += answerToken(i);
    if (textCache.size < 1024) textCache.set(n, text);
  }
  return text;
}
