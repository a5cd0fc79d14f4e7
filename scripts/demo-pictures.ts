/**
 * Makes the README's pictures (`npm run demo:pictures`, via scripts/demo-pictures.sh which installs Chromium and
 * builds the Prometheus UI first). Not part of `npm test`.
 *   1. the demo at its defaults; while alerts fire, headless Chromium (Debian's) screenshots Prometheus' alert page;
 *   2. a capacity sweep of the same vLLM stand-in with the load tester;
 * then copies the plots and the screenshot into docs/images/.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { capacityCurve, writePlot } from "../loadtest/plot";
import { formatSweep } from "../loadtest/report";
import { parseSlo } from "../loadtest/slo";
import { runSweep } from "../loadtest/sweep";
import { DEMO_ENGINE, isPrometheusUi, PROMETHEUS_UI_DIR, runDemo, type DemoUrls } from "../playground/demo";
import { startVllmStandIn } from "../playground/vllmStandIn";

const ROOT = path.resolve(__dirname, "..");
const IMAGES = path.join(ROOT, "docs", "images");
const OUT = path.join(ROOT, "out", "pictures");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** Screenshot of `url` with a fresh profile; waits until `ready` (a CSS selector) is on the page. */
async function screenshot(url: string, file: string, ready: string): Promise<void> {
  const { chromium } = await import("playwright-core");
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "chromium-profile-"));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS, viewport: { width: 1400, height: 1300 }, deviceScaleFactor: 1 });
  try {
    const page = await context.newPage();
    // Not "networkidle": the UI keeps a live notifications stream open.
    await page.goto(url, { waitUntil: "load" });
    await page.waitForSelector(ready, { timeout: 30_000 });
    // Expand the firing rules only (their labels, value and annotations), then back to the top of the page.
    for (const row of await page.locator("button[aria-expanded='false']", { hasText: "firing" }).all()) await row.click().catch(() => undefined);
    await page.mouse.wheel(0, -100_000);
    await page.waitForTimeout(1000);
    await page.screenshot({ path: file, fullPage: false });
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (!isPrometheusUi(PROMETHEUS_UI_DIR)) throw new Error("no Prometheus UI in tools/prometheus-ui: run npm run demo:ui (scripts/demo-pictures.sh does)");
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (scripts/demo-pictures.sh does)`);
  fs.mkdirSync(IMAGES, { recursive: true });
  fs.rmSync(OUT, { recursive: true, force: true });
  let urls: DemoUrls | undefined;
  let shot: Promise<void> | undefined;
  let shotError: Error | undefined;
  const shotFile = path.join(OUT, "prometheus-alerts.png");
  fs.mkdirSync(OUT, { recursive: true });
  const demo = await runDemo({
    durationSeconds: 170,
    timeScale: 20,
    ports: { vllm: 0, prometheus: 0, alertmanager: 0, sink: 0 },
    outDir: OUT,
    until: "resolved",
    prometheusUi: PROMETHEUS_UI_DIR,
    onReady: (u) => (urls = u),
    onEvent: (line) => console.log(line),
    onStatus: (s) => {
      // Once three alerts fire together: the page shows firing, pending and inactive rules side by side.
      if (!shot && urls && s.firing.length >= 3)
        shot = screenshot(`${urls.prometheus}/alerts`, shotFile, "text=VllmQueueDepthHigh").catch((e: Error) => {
          shotError = e;
        });
    },
  });
  await shot;
  console.log(`demo ${demo.outcome} after ${demo.wallSeconds.toFixed(0)}s`);
  if (!shot) throw new Error("no moment with three alerts firing: no screenshot taken");
  if (shotError) throw new Error(`screenshot failed: ${shotError.message}`);

  const standIn = await startVllmStandIn({ servedModelName: "qwen3-8b", engine: DEMO_ENGINE });
  try {
    const sweep = await runSweep({
      base: { baseUrl: standIn.baseUrl, model: "qwen3-8b", maxTokens: 64, timeoutSeconds: 120 },
      kind: "rate",
      values: [2, 4, 6, 8, 10, 12, 14],
      stepSeconds: 20,
      slo: parseSlo("ttft.p95=1000,errors=1%"),
      stopOnFail: false,
      onStep: () => process.stdout.write("."),
    });
    console.log(`\n${formatSweep(sweep, { model: "qwen3-8b", baseUrl: standIn.baseUrl })}`);
    await writePlot(OUT, "capacity", capacityCurve(sweep));
  } finally {
    await standIn.close();
  }
  for (const name of ["demo-latency.svg", "demo-load.svg", "capacity.svg", "demo-latency.png", "demo-load.png", "capacity.png", "prometheus-alerts.png"]) {
    fs.copyFileSync(path.join(OUT, name), path.join(IMAGES, name));
    console.log(`docs/images/${name}`);
  }
}

main().catch((e) => {
  console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
