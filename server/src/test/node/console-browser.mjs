// Checks the web console in headless Chromium. Usage: node console-browser.mjs SERVER_URL CHROMIUM_PATH OUT_DIR
import { chromium } from "playwright-core";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [url, executablePath, outDir] = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), "djinn-chromium-"));

async function main() {
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));

    await page.goto(url + "/");
    await page.waitForFunction(() => document.getElementById("model").textContent.length > 0);
    await page.fill("#temperature", "0");
    await page.fill("#max-tokens", "24");
    await page.fill("#prompt", "Once upon a time");
    await page.click("#send");
    const answer = page.locator(".message.assistant.done");
    await answer.waitFor({ timeout: 60_000 });
    const text = await answer.textContent();
    assert.ok(!(await answer.getAttribute("class")).includes("error"), "the answer is an error: " + text);
    assert.ok(text.trim().length > 0, "the answer is empty");
    assert.equal(await page.locator(".message.user").textContent(), "Once upon a time");
    await page.locator(".stats").waitFor();
    assert.match(await page.locator(".stats").textContent(), /tokens\/s/);
    await page.screenshot({ path: join(outDir, "console-chat.png"), fullPage: true });
    console.log(`chat answer: ${JSON.stringify(text)}`);

    await page.goto(url + "/cluster.html");
    const node = page.locator(".node[data-node='test-node']");
    await node.waitFor({ timeout: 10_000 });
    const bar = await page.locator("#layerbar .layers").textContent();
    assert.match(bar, /^test-node: 0–\d+$/);
    assert.match(await node.textContent(), /memory free/);
    await page.waitForFunction(() => document.getElementById("updated").textContent.startsWith("Updated"));
    await page.screenshot({ path: join(outDir, "console-cluster.png"), fullPage: true });
    assert.deepEqual(errors, [], "script errors on the pages");
    console.log("console: all checks passed");
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
