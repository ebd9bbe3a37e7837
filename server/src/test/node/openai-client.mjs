// Drives a djinn server with the official openai client. Usage: node openai-client.mjs BASE_URL API_KEY MODEL
import OpenAI from "openai";
import assert from "node:assert/strict";

const [baseURL, apiKey, model] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 60_000 });
const params = { model, temperature: 0, seed: 42, max_tokens: 24 };
const messages = [{ role: "user", content: "Once upon a time" }];

async function expectError(promise, errorClass, check) {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof errorClass, `expected ${errorClass.name}, got ${e?.constructor?.name}: ${e?.message}`);
    if (check) check(e);
    return;
  }
  assert.fail(`expected ${errorClass.name}, but the call succeeded`);
}

async function main() {
  const models = await client.models.list();
  assert.deepEqual(models.data.map((m) => m.id), [model]);

  const chat = await client.chat.completions.create({ ...params, messages });
  const text = chat.choices[0].message.content;
  assert.equal(chat.object, "chat.completion");
  assert.equal(chat.choices[0].message.role, "assistant");
  assert.ok(text.length > 0, "empty answer");
  assert.ok(["stop", "length"].includes(chat.choices[0].finish_reason));
  assert.equal(chat.usage.total_tokens, chat.usage.prompt_tokens + chat.usage.completion_tokens);
  assert.ok(chat.usage.completion_tokens <= 24);

  const stream = await client.chat.completions.create({
    ...params, messages, stream: true, stream_options: { include_usage: true },
  });
  let streamed = "";
  let finish = null;
  let usage = null;
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) continue;
    streamed += choice.delta.content ?? "";
    if (choice.finish_reason) finish = choice.finish_reason;
  }
  assert.equal(streamed, text, "streamed and non-streamed answers differ at temperature 0");
  assert.equal(finish, chat.choices[0].finish_reason);
  assert.deepEqual(usage, chat.usage);

  const completion = await client.completions.create({ ...params, prompt: "Once upon a time", logprobs: 2 });
  assert.equal(completion.object, "text_completion");
  assert.ok(completion.choices[0].text.length > 0);
  assert.equal(completion.choices[0].logprobs.tokens.join(""), completion.choices[0].text);
  let streamedCompletion = "";
  for await (const chunk of await client.completions.create({ ...params, prompt: "Once upon a time", stream: true })) {
    streamedCompletion += chunk.choices[0]?.text ?? "";
  }
  assert.equal(streamedCompletion, completion.choices[0].text);

  await expectError(client.chat.completions.create({ ...params, messages, temperature: 5 }), OpenAI.BadRequestError,
    (e) => { assert.equal(e.status, 400); assert.equal(e.param, "temperature"); });
  await expectError(client.chat.completions.create({ ...params, model: "no-such-model", messages }),
    OpenAI.NotFoundError, (e) => assert.equal(e.code, "model_not_found"));
  const stranger = new OpenAI({ baseURL, apiKey: "wrong-key", maxRetries: 0 });
  await expectError(stranger.models.list(), OpenAI.AuthenticationError);

  console.log(`answer: ${JSON.stringify(text)}`);
  console.log("openai client: all checks passed");
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
